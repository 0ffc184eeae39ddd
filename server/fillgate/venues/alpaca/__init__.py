"""Alpaca (US equities and crypto) through alpaca-py: trading REST and stream, market data.

Importing the package loads no SDK: :func:`build_driver` does, so reading an
account's settings (:mod:`.settings`) stays cheap.
"""

from __future__ import annotations

from fillgate.domain.values import Clock
from fillgate.venues.driver import Credentials, VenueDriver, VenueSettings

__all__ = ["build_driver"]


def build_driver(settings: VenueSettings, credentials: Credentials, *, clock: Clock) -> VenueDriver:
    """Build the driver for one ``venue = "alpaca"`` account (no I/O until ``open``)."""
    from fillgate.venues.alpaca.driver import AlpacaDriver  # loads alpaca-py

    return AlpacaDriver(settings, credentials, clock=clock)
