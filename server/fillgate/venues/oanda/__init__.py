"""OANDA v20 through oandapyV20: the driver behind fillgate's remote-venue runtime.

Modules: ``driver`` (the calls), ``translate`` (JSON <-> venue values),
``tracker`` (order facts and backfill anchors), ``stream`` (the blocking
stream's thread bridge), ``errors`` (the one exception table), ``settings``
(what an account may configure). Importing the package loads no SDK:
:func:`build_driver` does.
"""

from __future__ import annotations

from fillgate.domain.values import Clock
from fillgate.venues.driver import Credentials, VenueDriver, VenueSettings

__all__ = ["build_driver"]


def build_driver(settings: VenueSettings, credentials: Credentials, *, clock: Clock) -> VenueDriver:
    """Return the driver for one OANDA account (nothing is contacted before ``open()``)."""
    from fillgate.venues.oanda.driver import OandaDriver  # loads oandapyV20

    return OandaDriver(settings, credentials, clock=clock)
