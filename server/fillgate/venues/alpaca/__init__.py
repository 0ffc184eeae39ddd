"""Alpaca (US equities and crypto) through alpaca-py: TradingClient REST, TradingStream fills.

alpaca-py's ``alpaca.trading`` package imports its stream module, which
imports ``websockets.legacy`` (deprecated since websockets 14, still what
alpaca-py 0.44 uses): that one DeprecationWarning is silenced here, at the
first import, so ``python -W error`` still works for everything else.
"""

from __future__ import annotations

import warnings

from fillgate.venues.driver import Credentials, VenueSettings

with warnings.catch_warnings():
    warnings.filterwarnings(
        "ignore", message="websockets.legacy is deprecated", category=DeprecationWarning
    )
    from fillgate.venues.alpaca.driver import AlpacaDriver

__all__ = ["AlpacaDriver", "build_driver"]


def build_driver(settings: VenueSettings, credentials: Credentials) -> AlpacaDriver:
    """Build the driver for one ``venue = "alpaca"`` account (no I/O until ``open``)."""
    return AlpacaDriver(settings, credentials)
