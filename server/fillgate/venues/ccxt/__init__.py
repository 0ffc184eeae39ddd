"""Crypto exchanges through ccxt.pro (tested against Binance spot): see :mod:`.driver`.

Importing the package loads no SDK: :func:`build_driver` does, so reading an
account's settings (:mod:`.settings`) stays cheap.
"""

from __future__ import annotations

from fillgate.domain.values import Clock
from fillgate.venues.driver import Credentials, VenueDriver, VenueSettings

__all__ = ["build_driver"]


def build_driver(settings: VenueSettings, credentials: Credentials, *, clock: Clock) -> VenueDriver:
    """Return the driver for one ``venue = "ccxt"`` account; it connects in ``open()``.

    ``clock`` is unused: the driver reads no time of its own (ccxt stamps its requests).
    """
    from fillgate.venues.ccxt.driver import CcxtDriver  # loads ccxt

    return CcxtDriver(settings, credentials)
