"""Trading days and the market clock as a venue publishes them (Alpaca's /v2/calendar, /v2/clock).

Plain values in UTC nanoseconds, so the venue adapters that read them and the
sessions room that compares them with its calendars share no code but this.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True, kw_only=True)
class MarketDay:
    """One trading day: its extended start, regular open and close, extended end."""

    #: The day in the market's own zone, YYYY-MM-DD.
    date: str
    pre_ns: int
    open_ns: int
    close_ns: int
    post_ns: int


@dataclass(frozen=True, slots=True, kw_only=True)
class MarketClock:
    """The venue's answer to "is the market open now, and when does it open and close next"."""

    ts_ns: int
    is_open: bool
    next_open_ns: int
    next_close_ns: int
