"""What a ``venue = "alpaca"`` account may configure."""

from __future__ import annotations

from fillgate.venues.settings import VenueRules

#: Paper trading is the default; "live" trades real money.
RULES = VenueRules(environments=("paper", "live"))
