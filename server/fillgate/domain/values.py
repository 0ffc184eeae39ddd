"""Decimal parsing and formatting, the clock, and id generation.

Money and quantities are ``Decimal`` everywhere; arithmetic that must stay
exact runs under :data:`EXACT`, whose precision covers any product of two
accepted values (at most 18 integer and 12 fractional digits each) and which
raises instead of rounding.
"""

from __future__ import annotations

import itertools
import re
import time
from decimal import (
    Context,
    Decimal,
    DivisionByZero,
    Inexact,
    InvalidOperation,
    Overflow,
    Rounded,
)
from typing import Protocol

#: Context for sums and products that must be exact: rounding raises.
EXACT = Context(prec=80, traps=[InvalidOperation, DivisionByZero, Overflow, Inexact, Rounded])
#: Context for quotients (average prices), which cannot always be exact.
RATIO = Context(prec=34, traps=[InvalidOperation, DivisionByZero, Overflow])
ZERO = Decimal(0)

MAX_INTEGER_DIGITS = 18
MAX_FRACTION_DIGITS = 12
_MAX_TEXT = 64


class DecimalFormatError(ValueError):
    """A text is not an acceptable decimal; the message says why."""


#: The wire grammar of a decimal: ASCII digits, then optionally one point and more digits.
_DECIMAL = re.compile(r"[0-9]+(?:\.[0-9]+)?")


def parse_decimal(text: str, *, allow_zero: bool = False, allow_negative: bool = False) -> Decimal:
    """Parse a plain decimal string such as "12" or "0.00012345".

    Accepted: ASCII digits ``0-9`` with at most one ``.`` that has a digit on
    each side (at most 64 characters, 18 integer and 12 fractional digits).
    Nothing else: no other Unicode digits (``Decimal`` reads an Arabic-Indic
    or full-width one as its value), no exponent, NaN, infinity, whitespace,
    separators or ``+``. A leading
    ``-`` is read only when the caller passes ``allow_negative`` (no field of
    the contract does); otherwise it is refused as "must not be negative".
    The error message never repeats the text.
    """
    if not text:
        raise DecimalFormatError("is required")
    if len(text) > _MAX_TEXT:
        raise DecimalFormatError(f"is longer than {_MAX_TEXT} characters")
    negative = text[0] == "-"
    body = text[1:] if negative else text
    if _DECIMAL.fullmatch(body) is None:
        raise DecimalFormatError(
            "is not a decimal number (ASCII digits with an optional '.', e.g. \"12.5\")"
        )
    if negative and not allow_negative:
        raise DecimalFormatError("must not be negative")
    integer_digits = len(body.split(".")[0].lstrip("0"))
    if integer_digits > MAX_INTEGER_DIGITS:
        raise DecimalFormatError(f"has more than {MAX_INTEGER_DIGITS} integer digits")
    value = Decimal(text)
    if value == 0 and not allow_zero:
        raise DecimalFormatError("must be greater than zero")
    if decimal_places(value) > MAX_FRACTION_DIGITS:
        raise DecimalFormatError(f"has more than {MAX_FRACTION_DIGITS} decimal places")
    return value


def decimal_places(value: Decimal) -> int:
    """Return the significant decimal places of ``value`` ("1.50" has 1)."""
    if value == 0:
        return 0
    exponent = value.as_tuple().exponent
    assert isinstance(exponent, int)
    if exponent >= 0:
        return 0
    digits = value.as_tuple().digits
    trailing = 0
    for d in reversed(digits):
        if d != 0 or trailing >= -exponent:
            break
        trailing += 1
    return -exponent - trailing


def fmt(value: Decimal | None) -> str:
    """Format a decimal as a plain string without exponent or trailing zeros; None is ""."""
    if value is None:
        return ""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if text in ("-0", ""):
        return "0"
    return text


_HALF_BPS = Decimal("0.00005")  # half a basis point: half of a spread, as a fraction


def half_spread(price: Decimal, spread_bps: Decimal) -> Decimal:
    """Half of a ``spread_bps`` spread around ``price``, exactly (the paper venue's quotes)."""
    return EXACT.multiply(EXACT.multiply(price, spread_bps), _HALF_BPS)


def exact_mul(a: Decimal, b: Decimal) -> Decimal:
    return EXACT.multiply(a, b)


def exact_add(a: Decimal, b: Decimal) -> Decimal:
    return EXACT.add(a, b)


def exact_sub(a: Decimal, b: Decimal) -> Decimal:
    return EXACT.subtract(a, b)


def ratio(a: Decimal, b: Decimal) -> Decimal:
    """Return a / b to 34 significant digits (used for average prices only)."""
    return RATIO.divide(a, b)


class Clock(Protocol):
    """Time source; tests inject a manual clock."""

    def now_ns(self) -> int:
        """Wall-clock time, ns since the epoch."""
        ...

    def monotonic_ns(self) -> int:
        """Monotonic time for latency accounting."""
        ...


class SystemClock:
    """The real clock."""

    def now_ns(self) -> int:
        return time.time_ns()

    def monotonic_ns(self) -> int:
        return time.monotonic_ns()


class ManualClock:
    """A clock that moves only when told to."""

    def __init__(self, start_ns: int = 1_700_000_000_000_000_000) -> None:
        self._now = start_ns
        self._mono = 0

    def now_ns(self) -> int:
        return self._now

    def monotonic_ns(self) -> int:
        return self._mono

    def advance(self, ns: int) -> None:
        self._now += ns
        self._mono += ns


_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"


def _base36(n: int) -> str:
    out = []
    while n:
        n, r = divmod(n, 36)
        out.append(_ALPHABET[r])
    return "".join(reversed(out)) or "0"


class IdGenerator:
    """Make ids unique across restarts: a per-run prefix (start time) plus a counter."""

    def __init__(self, clock: Clock) -> None:
        self._run = _base36(clock.now_ns() // 1_000_000)
        self._orders = itertools.count(1)
        self._execs = itertools.count(1)
        self._venue: dict[str, itertools.count[int]] = {}

    def order_id(self) -> str:
        return f"O-{self._run}-{next(self._orders)}"

    def exec_id(self) -> str:
        return f"X-{self._run}-{next(self._execs)}"

    def venue_id(self, prefix: str) -> str:
        counter = self._venue.get(prefix)
        if counter is None:
            counter = self._venue[prefix] = itertools.count(1)
        return f"{prefix}-{self._run}-{next(counter)}"
