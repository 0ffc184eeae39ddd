"""OANDA v20 through oandapyV20: the driver behind fillgate's remote-venue runtime.

Modules: ``driver`` (the calls), ``codec`` (JSON <-> venue values),
``tracker`` (order facts and backfill anchors), ``stream`` (the blocking
stream's thread bridge), ``errors`` (the one exception table).
"""

from __future__ import annotations

from fillgate.venues.driver import Credentials, VenueSettings
from fillgate.venues.oanda.driver import OandaDriver

__all__ = ["OandaDriver", "build_driver"]


def build_driver(settings: VenueSettings, credentials: Credentials) -> OandaDriver:
    """Return the driver for one OANDA account (nothing is contacted before ``open()``)."""
    return OandaDriver(settings, credentials)
