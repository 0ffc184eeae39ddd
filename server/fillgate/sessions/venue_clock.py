"""The venue's own clock against the library calendar: disagreements, and the venue's days winning.

A venue that publishes its trading days (Alpaca's /v2/calendar) knows about
an unscheduled closure or early close before the library does. :func:`compare`
lists every day on which the two disagree; :class:`VenueDays` is the calendar
that then serves: the venue's days while they last, the library's after.
:func:`compare_clock` checks the venue's /v2/clock answer against the status
the calendar gives at the same instant.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from fillgate.domain.market_days import MarketClock, MarketDay
from fillgate.sessions.calendars import Calendar, Phase, Window, status

_NS = 1_000_000_000


@dataclass(frozen=True, slots=True, kw_only=True)
class Disagreement:
    """One day (or the clock) on which the venue and the calendar differ."""

    date: str
    ours: str
    venue: str


def _hhmm(ns: int, zone: ZoneInfo) -> str:
    return datetime.fromtimestamp(ns / _NS, UTC).astimezone(zone).strftime("%H:%M")


def _describe(w: Window | MarketDay | None, zone: ZoneInfo) -> str:
    if w is None:
        return "closed"
    return f"{_hhmm(w.open_ns, zone)}-{_hhmm(w.close_ns, zone)}"


def _local_date(ns: int, zone: ZoneInfo) -> str:
    return datetime.fromtimestamp(ns / _NS, UTC).astimezone(zone).date().isoformat()


def compare(calendar: Calendar, days: Sequence[MarketDay]) -> list[Disagreement]:
    """Every date from the first to the last of ``days`` where the regular sessions differ."""
    if not days or calendar.always_open:
        return []
    zone = ZoneInfo(calendar.timezone)
    start, end = days[0].pre_ns, days[-1].post_ns
    ours: dict[str, Window] = {}
    for w in calendar.windows_from(start - 1):
        if w.open_ns > end:
            break
        ours[_local_date(w.open_ns, zone)] = w
    theirs = {d.date: d for d in days}
    out = []
    for date in sorted(ours.keys() | theirs.keys()):
        mine, venue = ours.get(date), theirs.get(date)
        if (mine and (mine.open_ns, mine.close_ns)) != (venue and (venue.open_ns, venue.close_ns)):
            out.append(
                Disagreement(date=date, ours=_describe(mine, zone), venue=_describe(venue, zone))
            )
    return out


def compare_clock(calendar: Calendar, clock: MarketClock) -> Disagreement | None:
    """The venue's clock against the calendar's status at the clock's own instant."""
    if calendar.always_open:
        return None
    st = status(calendar, clock.ts_ns)
    mine = (st.phase is Phase.REGULAR, st.next_open_ns, st.next_close_ns)
    if mine == (clock.is_open, clock.next_open_ns, clock.next_close_ns):
        return None
    zone = ZoneInfo(calendar.timezone)

    def text(is_open: bool, next_open: int | None, next_close: int | None) -> str:
        opens = "" if next_open is None else datetime.fromtimestamp(next_open / _NS, zone)
        closes = "" if next_close is None else datetime.fromtimestamp(next_close / _NS, zone)
        return f"{'open' if is_open else 'closed'}, next open {opens}, next close {closes}"

    return Disagreement(
        date=_local_date(clock.ts_ns, zone),
        ours=text(*mine),
        venue=text(clock.is_open, clock.next_open_ns, clock.next_close_ns),
    )


class VenueDays:
    """A calendar whose sessions are the venue's days, then the library calendar's."""

    always_open = False

    def __init__(self, base: Calendar, days: Sequence[MarketDay]) -> None:
        self.base = base
        self.name = base.name
        self.timezone = base.timezone
        self._days = [Window(d.pre_ns, d.open_ns, d.close_ns, d.post_ns) for d in days]
        self._end = days[-1].post_ns if days else 0

    def windows_from(self, now_ns: int) -> Iterator[Window]:
        last_open = 0
        if now_ns < self._end:
            for w in self._days:
                if w.post_ns > now_ns:
                    last_open = w.open_ns
                    yield w
        for w in self.base.windows_from(max(now_ns, self._end)):
            if w.open_ns > last_open:
                yield w
