"""Crypto exchanges through ccxt.pro (tested against Binance spot): see :mod:`.driver`."""

from __future__ import annotations

from fillgate.venues.ccxt.driver import CcxtDriver
from fillgate.venues.driver import Credentials, VenueSettings

__all__ = ["CcxtDriver", "build_driver"]


def build_driver(settings: VenueSettings, credentials: Credentials) -> CcxtDriver:
    """Return the driver for one ``venue = "ccxt"`` account; it connects in ``open()``."""
    return CcxtDriver(settings, credentials)
