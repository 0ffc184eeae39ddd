"""The fake Alpaca's market clock and calendar: GET /v2/clock and GET /v2/calendar, real shapes.

The days come from the XNYS calendar of exchange_calendars (so by default the
venue and fillgate's calendar agree); :meth:`MarketHours.set_day` makes the
venue disagree on one date, as on an unscheduled closure or early close.
The clock reads :attr:`MarketHours.now` (default: the real time).

Shapes (Alpaca Trading API v2)::

    GET /v2/clock     {"timestamp": "2026-12-07T10:00:00.123456789-05:00", "is_open": true,
                       "next_open": "2026-12-08T09:30:00-05:00",
                       "next_close": "2026-12-07T16:00:00-05:00"}
    GET /v2/calendar?start=2026-12-07&end=2026-12-08
                      [{"date": "2026-12-07", "open": "09:30", "close": "16:00",
                        "session_open": "0400", "session_close": "2000",
                        "settlement_date": "2026-12-08"}, ...]
"""

from __future__ import annotations

import warnings
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web

NEW_YORK = ZoneInfo("America/New_York")


_XNYS: dict[str, tuple[str, str]] = {}


def _xnys_days(start: date, end: date) -> dict[str, tuple[str, str]]:
    """XNYS's sessions (New York open and close) from ``start`` to ``end``, 2025 to 2028."""
    if not _XNYS:  # built once per process: the library takes a moment
        import exchange_calendars

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Warning)
            cal = exchange_calendars.get_calendar("XNYS", start="2025-01-01", end="2028-12-31")
            for day, row in cal.schedule.iterrows():
                opens = row["open"].tz_convert(NEW_YORK).strftime("%H:%M")
                closes = row["close"].tz_convert(NEW_YORK).strftime("%H:%M")
                _XNYS[day.date().isoformat()] = (opens, closes)
    first, last = start.isoformat(), end.isoformat()
    return {day: hours for day, hours in _XNYS.items() if first <= day <= last}


class MarketHours:
    """The venue's trading days and its clock (test controls: ``now``, :meth:`set_day`)."""

    def __init__(self) -> None:
        self.now: datetime | None = None
        self._overrides: dict[str, tuple[str, str] | None] = {}
        self.calendar_requests = 0
        self.clock_requests = 0

    def set_day(self, day: str, hours: tuple[str, str] | None) -> None:
        """Make ``day`` trade ``(open, close)`` New York times, or be closed (None)."""
        self._overrides[day] = hours

    def days(self, start: date, end: date) -> list[dict[str, Any]]:
        hours = _xnys_days(start, end)
        for day, override in self._overrides.items():
            if start.isoformat() <= day <= end.isoformat():
                if override is None:
                    hours.pop(day, None)
                else:
                    hours[day] = override
        rows = []
        for day in sorted(hours):
            opens, closes = hours[day]
            early = closes < "16:00"
            rows.append(
                {
                    "date": day,
                    "open": opens,
                    "close": closes,
                    "session_open": "0400",
                    "session_close": "1700" if early else "2000",
                    "settlement_date": (date.fromisoformat(day) + timedelta(days=1)).isoformat(),
                }
            )
        return rows

    def clock(self) -> dict[str, Any]:
        now = (self.now or datetime.now(UTC)).astimezone(NEW_YORK)
        rows = self.days(now.date() - timedelta(days=1), now.date() + timedelta(days=14))
        sessions = [
            (
                datetime.fromisoformat(f"{r['date']}T{r['open']}").replace(tzinfo=NEW_YORK),
                datetime.fromisoformat(f"{r['date']}T{r['close']}").replace(tzinfo=NEW_YORK),
            )
            for r in rows
        ]
        current = next(((o, c) for o, c in sessions if o <= now < c), None)
        upcoming = [(o, c) for o, c in sessions if o > now]
        next_open = upcoming[0][0]
        next_close = current[1] if current else upcoming[0][1]
        offset = now.strftime("%z")
        return {
            # Nanoseconds, as Alpaca writes them: three digits past Python's microseconds.
            "timestamp": now.strftime("%Y-%m-%dT%H:%M:%S.%f") + f"123{offset[:3]}:{offset[3:]}",
            "is_open": current is not None,
            "next_open": next_open.isoformat(),
            "next_close": next_close.isoformat(),
        }

    async def handle_clock(self, request: web.Request) -> web.Response:
        self.clock_requests += 1
        return web.json_response(self.clock())

    async def handle_calendar(self, request: web.Request) -> web.Response:
        self.calendar_requests += 1
        start = date.fromisoformat(request.query.get("start", "1970-01-01"))
        end = date.fromisoformat(request.query.get("end", "2029-12-31"))
        return web.json_response(self.days(start, end))
