"""Alpaca's market clock and calendar (GET /v2/clock, GET /v2/calendar) as domain values.

``/v2/clock`` answers ISO 8601 times with the New York offset (nanosecond
fractions, which Python reads to the microsecond). ``/v2/calendar`` answers a
day per row: ``date`` ("2026-11-27"), ``open``/``close`` ("09:30", "13:00":
New York local times) and ``session_open``/``session_close`` ("0400",
"1700": the extended sessions, without a colon).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from fillgate.domain.market_days import MarketClock, MarketDay

NEW_YORK = ZoneInfo("America/New_York")
_NS = 1_000_000_000


def _ns(moment: datetime) -> int:
    return int(moment.timestamp()) * _NS + moment.microsecond * 1_000


def _local(day: date, hhmm: str) -> int:
    text = hhmm.replace(":", "")
    at = time(int(text[:2]), int(text[2:4]))
    return _ns(datetime.combine(day, at, tzinfo=NEW_YORK))


def market_day(row: Mapping[str, Any]) -> MarketDay:
    """One /v2/calendar row; a row without session times has no extended sessions."""
    day = date.fromisoformat(str(row["date"]))
    open_ns, close_ns = _local(day, str(row["open"])), _local(day, str(row["close"]))
    pre = row.get("session_open")
    post = row.get("session_close")
    return MarketDay(
        date=day.isoformat(),
        pre_ns=_local(day, str(pre)) if pre else open_ns,
        open_ns=open_ns,
        close_ns=close_ns,
        post_ns=_local(day, str(post)) if post else close_ns,
    )


def market_days(rows: Iterable[Mapping[str, Any]]) -> list[MarketDay]:
    return [market_day(r) for r in rows]


def market_clock(raw: Mapping[str, Any]) -> MarketClock:
    """The /v2/clock answer."""
    return MarketClock(
        ts_ns=_ns(datetime.fromisoformat(str(raw["timestamp"]))),
        is_open=bool(raw["is_open"]),
        next_open_ns=_ns(datetime.fromisoformat(str(raw["next_open"]))),
        next_close_ns=_ns(datetime.fromisoformat(str(raw["next_close"]))),
    )
