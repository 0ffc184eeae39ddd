"""How a remote account is configured: the venues there are, credentials, and the checks.

``fillgate.config`` reads the ``[accounts.NAME]`` table and looks everything
venue-specific up here: which venues an account may name, which keys a
remote account takes, and whether its settings suit its venue. Each venue
package declares its own rules in its ``settings`` module (``RULES``); they
are imported only for the venues an account names, so a server without
remote accounts never loads an SDK.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field, fields

from fillgate.venues.driver import VenueSettings

#: Venues an account can name, besides the embedded "paper".
REMOTE_VENUES = ("ccxt", "oanda", "alpaca")


@dataclass(frozen=True, slots=True, kw_only=True)
class CredentialRefs:
    """Where an account's credentials come from: environment variable names or file paths.

    Only the names live in config; the values are read at start and never logged.
    For OANDA the key is the API token and there is no secret.
    """

    key_env: str = ""
    secret_env: str = ""
    key_file: str = ""
    secret_file: str = ""


#: The credential keys of an ``[accounts.NAME]`` table.
CREDENTIAL_KEYS = frozenset(f.name for f in fields(CredentialRefs))
#: The connection keys of an ``[accounts.NAME]`` table (``symbols`` is a table of its own).
CONNECTION_KEYS = frozenset(f.name for f in fields(VenueSettings)) - {"account", "venue", "symbols"}


class SettingsProblem(ValueError):
    """A remote account's settings do not suit its venue.

    ``key`` is the offending setting ("" when the account as a whole is
    wrong); the message says what to do, never a secret.
    """

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key
        self.message = message


def _no_extra_checks(settings: VenueSettings) -> None:
    """A venue without checks of its own."""


@dataclass(frozen=True, slots=True, kw_only=True)
class VenueRules:
    """What one venue package declares about its accounts' settings."""

    #: The ``environment`` values it accepts ("" is always accepted: the venue's default).
    environments: tuple[str, ...]
    #: Whether it needs an API secret besides the key (OANDA's token is the key alone).
    needs_secret: bool = True
    #: The venue's own checks; raises :class:`SettingsProblem`.
    check: Callable[[VenueSettings], None] = field(default=_no_extra_checks)


def venue_rules(venue: str) -> VenueRules:
    """The rules ``fillgate.venues.<venue>.settings`` declares (ValueError for an unknown venue)."""
    if venue not in REMOTE_VENUES:
        raise ValueError(f"unknown venue {venue!r}")
    rules = importlib.import_module(f"fillgate.venues.{venue}.settings").RULES
    assert isinstance(rules, VenueRules)
    return rules


def check_connection(settings: VenueSettings, refs: CredentialRefs) -> None:
    """Raise :class:`SettingsProblem` when the account's settings do not suit its venue."""
    rules = venue_rules(settings.venue)
    if settings.environment and settings.environment not in rules.environments:
        raise SettingsProblem("environment", f"must be one of {', '.join(rules.environments)}")
    if not (refs.key_env or refs.key_file):
        raise SettingsProblem("", "name the API key with key_env (or key_file)")
    if rules.needs_secret and not (refs.secret_env or refs.secret_file):
        raise SettingsProblem("", "name the API secret with secret_env (or secret_file)")
    rules.check(settings)
    if settings.timeout_s <= 0 or settings.poll_interval_s <= 0 or settings.max_attempts < 1:
        raise SettingsProblem(
            "", "timeout_s and poll_interval_s must be positive, max_attempts >= 1"
        )
