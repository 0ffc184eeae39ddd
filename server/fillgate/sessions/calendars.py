"""Trading calendars: when a symbol's market opens and closes, as UTC nanoseconds.

Three kinds, named by a symbol's ``calendar`` setting:

- an exchange code of the ``exchange_calendars`` library (``XNYS``, ``XNAS``,
  ``XLON``, ...): its sessions with holidays and half days, maintained
  upstream rather than in hand-written tables. The library knows only the
  regular session; the extended sessions are the regular open minus
  ``pre_market_s`` and the close plus ``post_market_s`` (US equities: 04:00 ET
  to the open, the close to 20:00 ET, so 17:00 ET on a half day closing 13:00);
- ``FX``: the currency week, Sunday 17:00 to Friday 17:00 America/New_York,
  computed in that zone so it follows daylight saving. The library's own
  ``24/5`` calendar is not this week: it runs Monday 00:00 to Saturday 00:00
  UTC, five to seven hours off the real one;
- ``24/7``: always open (crypto).

Times are kept in UTC and shown in the calendar's zone.
"""

from __future__ import annotations

import bisect
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from fillgate.domain.enums import SessionPhase

#: Where a market is in its day (the domain's SessionPhase, named shortly here).
Phase = SessionPhase
_NS = 1_000_000_000
_DAY_NS = 86_400 * _NS
ALWAYS = "24/7"
FX = "FX"
#: Extended sessions (seconds before the open, after the close) of calendars that have them.
EXTENDED_DEFAULTS = {"XNYS": (19_800, 14_400), "XNAS": (19_800, 14_400)}
#: How far around "now" an exchange calendar's sessions are loaded at a time.
_LOAD_BEFORE = timedelta(days=14)
_LOAD_AFTER = timedelta(days=400)


@dataclass(frozen=True, slots=True)
class Window:
    """One trading session: extended start, regular open and close, extended end (UTC ns)."""

    pre_ns: int
    open_ns: int
    close_ns: int
    post_ns: int


@dataclass(frozen=True, slots=True, kw_only=True)
class CalendarStatus:
    """A market at one instant."""

    phase: Phase
    #: The next regular open after now (this session's when in pre-market); None if always open.
    next_open_ns: int | None
    #: The regular close of the current session, or else of the next; None if always open.
    next_close_ns: int | None


class Calendar(Protocol):
    """The sessions of one market."""

    name: str
    timezone: str
    always_open: bool

    def windows_from(self, now_ns: int) -> Iterator[Window]:
        """Yield the sessions that have not ended by ``now_ns``, in order, without end."""
        ...


def status(calendar: Calendar, now_ns: int) -> CalendarStatus:
    """Return the phase of ``calendar`` at ``now_ns`` and its next open and close."""
    if calendar.always_open:
        return CalendarStatus(phase=Phase.REGULAR, next_open_ns=None, next_close_ns=None)
    windows = calendar.windows_from(now_ns)
    w = next(windows)
    if now_ns < w.pre_ns:
        return CalendarStatus(phase=Phase.CLOSED, next_open_ns=w.open_ns, next_close_ns=w.close_ns)
    if now_ns < w.open_ns:
        return CalendarStatus(
            phase=Phase.PRE_MARKET, next_open_ns=w.open_ns, next_close_ns=w.close_ns
        )
    following = next(windows)
    if now_ns < w.close_ns:
        return CalendarStatus(
            phase=Phase.REGULAR, next_open_ns=following.open_ns, next_close_ns=w.close_ns
        )
    return CalendarStatus(
        phase=Phase.POST_MARKET,
        next_open_ns=following.open_ns,
        next_close_ns=following.close_ns,
    )


class AlwaysOpen:
    """A market that never closes (crypto)."""

    name = ALWAYS
    timezone = "UTC"
    always_open = True

    def windows_from(self, now_ns: int) -> Iterator[Window]:
        yield Window(now_ns, now_ns, now_ns + _DAY_NS * 36_500, now_ns + _DAY_NS * 36_500)


class FxWeek:
    """Sunday 17:00 to Friday 17:00 America/New_York, one session per week."""

    name = FX
    timezone = "America/New_York"
    always_open = False

    def __init__(self) -> None:
        self._zone = ZoneInfo(self.timezone)

    def _at_five(self, day: date) -> int:
        local = datetime.combine(day, time(17), tzinfo=self._zone)
        return int(local.timestamp()) * _NS

    def windows_from(self, now_ns: int) -> Iterator[Window]:
        local = datetime.fromtimestamp(now_ns / _NS, UTC).astimezone(self._zone).date()
        sunday = local - timedelta(days=(local.weekday() + 1) % 7)  # Monday is 0
        while True:
            open_ns = self._at_five(sunday)
            close_ns = self._at_five(sunday + timedelta(days=5))
            if close_ns > now_ns:
                yield Window(open_ns, open_ns, close_ns, close_ns)
            sunday += timedelta(days=7)


class ExchangeCalendar:
    """An ``exchange_calendars`` calendar, with optional extended sessions around it."""

    always_open = False

    def __init__(self, code: str, *, pre_market_s: int, post_market_s: int) -> None:
        import exchange_calendars  # imported here: pandas costs a second, only when needed

        self._lib = exchange_calendars
        self.name = code
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Warning)
            probe = exchange_calendars.get_calendar(code)
        self.timezone = str(probe.tz)
        self._pre = pre_market_s * _NS
        self._post = post_market_s * _NS
        self._opens: list[int] = []
        self._closes: list[int] = []
        self._span = (0, 0)

    def _load(self, now_ns: int) -> None:
        day = datetime.fromtimestamp(now_ns / _NS, UTC).date()
        with warnings.catch_warnings():
            # exchange_calendars 4.13.2 under pandas 3 warns of its own use of Series.values.
            warnings.simplefilter("ignore", Warning)
            cal = self._lib.get_calendar(
                self.name, start=str(day - _LOAD_BEFORE), end=str(day + _LOAD_AFTER)
            )
        self._opens = _ns_list(cal.opens)
        self._closes = _ns_list(cal.closes)
        self._span = (self._closes[0] + self._post, self._opens[-1])

    def windows_from(self, now_ns: int) -> Iterator[Window]:
        if not self._span[0] <= now_ns < self._span[1] - 30 * _DAY_NS:
            self._load(now_ns)
        opens, closes = self._opens, self._closes
        i = bisect.bisect_right(closes, now_ns - self._post)
        while True:
            if i >= len(opens):  # past the loaded range: load further on
                self._load(closes[-1] + self._post)
                opens, closes = self._opens, self._closes
                i = bisect.bisect_right(closes, now_ns - self._post)
            yield Window(opens[i] - self._pre, opens[i], closes[i], closes[i] + self._post)
            i += 1


def _ns_list(series: Any) -> list[int]:
    """A pandas series of UTC times as a list of ns ints (bisect on plain ints is fastest)."""
    return [int(x) for x in series.dt.tz_convert(None).to_numpy().astype("int64")]


class UnknownCalendar(ValueError):
    """A calendar name that is neither 24/7, FX nor an exchange_calendars code."""


def make_calendar(name: str, *, pre_market_s: int | None, post_market_s: int | None) -> Calendar:
    """Return the calendar called ``name``; raise UnknownCalendar for a name nothing knows."""
    if name == ALWAYS:
        return AlwaysOpen()
    if name == FX:
        return FxWeek()
    import exchange_calendars

    if name not in exchange_calendars.get_calendar_names():
        raise UnknownCalendar(f"unknown calendar {name!r} (24/7, FX, or an exchange code: XNYS)")
    pre, post = EXTENDED_DEFAULTS.get(name, (0, 0))
    return ExchangeCalendar(
        name,
        pre_market_s=pre if pre_market_s is None else pre_market_s,
        post_market_s=post if post_market_s is None else post_market_s,
    )


def zone_time(calendar: Calendar, ts_ns: int) -> str:
    """``ts_ns`` as ISO 8601 in the calendar's zone (for people and logs)."""
    moment = datetime.fromtimestamp(ts_ns / _NS, UTC).astimezone(ZoneInfo(calendar.timezone))
    return moment.isoformat(timespec="seconds")
