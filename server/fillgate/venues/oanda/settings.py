"""What a ``venue = "oanda"`` account may configure."""

from __future__ import annotations

from fillgate.venues.driver import VenueSettings
from fillgate.venues.settings import SettingsProblem, VenueRules


def _check(settings: VenueSettings) -> None:
    if not settings.venue_account_id:
        raise SettingsProblem("venue_account_id", "OANDA needs the v20 account id")


#: The key is the API token; there is no secret. "practice" is the default.
RULES = VenueRules(environments=("practice", "live"), needs_secret=False, check=_check)
