"""Durations on the command line: "500ms", "60s", "5m", "2h" (a bare number is seconds)."""

from __future__ import annotations

import argparse
from datetime import timedelta
from decimal import Decimal, InvalidOperation

#: Microseconds per duration unit.
_UNITS = {"ms": 1_000, "s": 1_000_000, "m": 60_000_000, "h": 3_600_000_000}


def duration(text: str) -> timedelta:
    """Parse "500ms", "60s", "5m", "2h" (a bare number is seconds)."""
    number, unit = text, "s"
    for suffix in ("ms", "s", "m", "h"):
        if text.endswith(suffix):
            number, unit = text[: -len(suffix)], suffix
            break
    try:
        if not number.isascii():
            raise InvalidOperation
        value = Decimal(number)
    except InvalidOperation:
        raise argparse.ArgumentTypeError(f"not a duration: {text!r} (e.g. 60s, 5m)") from None
    if not value.is_finite() or value <= 0:
        raise argparse.ArgumentTypeError(f"duration must be positive: {text!r}")
    try:
        return timedelta(microseconds=int(value * _UNITS[unit]))
    except OverflowError:
        raise argparse.ArgumentTypeError(f"duration too long: {text!r}") from None
