"""What a ``venue = "ccxt"`` account may configure."""

from __future__ import annotations

from fillgate.venues.settings import VenueRules

#: "testnet" switches to the exchange's sandbox URLs (see :mod:`.exchange`).
RULES = VenueRules(environments=("live", "testnet"))
