"""The ``[sessions]`` settings: each symbol's calendar, and what a closed market does."""

from __future__ import annotations

from collections.abc import Container, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from fillgate.sessions.calendars import UnknownCalendar, make_calendar

POLICIES = ("reject", "queue")


@dataclass(frozen=True, slots=True, kw_only=True)
class SymbolSession:
    """One symbol's calendar and closed-market rules (``[sessions.symbols.NAME]``)."""

    #: "24/7" (always open: crypto), "FX" (Sunday 17:00 to Friday 17:00 New York), or an
    #: exchange_calendars code such as "XNYS" (holidays and half days included).
    calendar: str = "24/7"
    #: What a new order meets while the market is closed (or in an extended session it
    #: may not trade in): "reject" (MARKET_CLOSED / EXTENDED_HOURS_NOT_ALLOWED), or "queue"
    #: (accepted as QUEUED, held by fillgate, released through risk at the next open).
    closed_policy: str = "reject"
    #: Accept LIMIT + DAY orders in the pre- and post-market sessions (Alpaca's rule);
    #: other orders are denied EXTENDED_HOURS_NOT_ALLOWED there.
    extended_hours: bool = False
    #: Length of the pre-market session before the open, in seconds; None = the
    #: calendar's default (XNYS/XNAS: 19800, from 04:00 ET).
    pre_market_s: int | None = None
    #: Length of the post-market session after the close; None = the calendar's default
    #: (XNYS/XNAS: 14400, to 20:00 ET, 17:00 ET on a half day).
    post_market_s: int | None = None
    #: Cancel the symbol's working orders (queued ones excepted) this many seconds
    #: before each regular close (half days included); None = leave them.
    cancel_at_close_s: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class AccountSession:
    """One account's end-of-day rules (``[sessions.accounts.NAME]``)."""

    #: Close the account's positions in every symbol that has a close (not 24/7) with
    #: market IOC orders before the close: for intraday strategies.
    flatten_at_close: bool = False
    #: How many seconds before the close the positions are closed.
    flatten_before_close_s: int = 60


@dataclass(frozen=True, slots=True, kw_only=True)
class SessionsConfig:
    """Per-symbol sessions; a symbol not listed is always open."""

    #: Seconds between checks of each venue's own market calendar and clock (Alpaca
    #: /v2/calendar, /v2/clock) against the calendars; 0 = at start only.
    venue_check_interval_s: float = 3600.0
    symbols: Mapping[str, SymbolSession] = field(default_factory=lambda: MappingProxyType({}))
    accounts: Mapping[str, AccountSession] = field(default_factory=lambda: MappingProxyType({}))


def settings_problem(
    sessions: SessionsConfig, accounts: Container[str], symbols: Container[str]
) -> str | None:
    """What is wrong with ``[sessions]`` given the configured accounts and symbols, or None."""
    for name in sessions.accounts:
        if name not in accounts:
            return f"sessions.accounts.{name}: unknown account"
    for name, s in sessions.symbols.items():
        where = f"sessions.symbols.{name}"
        if name not in symbols:
            return f"{where}: unknown symbol"
        if s.closed_policy not in POLICIES:
            return f"{where}.closed_policy: must be one of {', '.join(POLICIES)}"
        try:
            make_calendar(s.calendar, pre_market_s=s.pre_market_s, post_market_s=s.post_market_s)
        except UnknownCalendar as exc:
            return f"{where}.calendar: {exc}"
    return None
