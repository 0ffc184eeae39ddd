"""Market status per symbol, and the gate a new order passes while a market is closed.

The gate runs inside the engine's submit, after validation and before risk,
so a denial is journaled like a risk denial (``OrderDenied``) and changes
nothing else. Rules:

- regular session: every order passes;
- pre- or post-market: a symbol with ``extended_hours`` takes LIMIT + DAY
  orders (the venues' rule, Alpaca's among them); anything else is denied
  ``EXTENDED_HOURS_NOT_ALLOWED``;
- closed (or extended hours not enabled): ``MARKET_CLOSED`` with the next
  open in the metadata.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from fillgate.domain.enums import OrderType, TimeInForce
from fillgate.domain.errors import FailedPrecondition
from fillgate.domain.market_days import MarketDay
from fillgate.sessions.calendars import (
    AlwaysOpen,
    Calendar,
    Phase,
    make_calendar,
    status,
    zone_time,
)
from fillgate.sessions.settings import SessionsConfig, SymbolSession
from fillgate.sessions.venue_clock import VenueDays

_ALWAYS = AlwaysOpen()
_DEFAULT = SymbolSession()


def rfc3339(ts_ns: int) -> str:
    """``ts_ns`` as an RFC 3339 UTC time, the form error metadata carries."""
    return datetime.fromtimestamp(ts_ns / 1e9, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True, slots=True, kw_only=True)
class MarketStatus:
    """One symbol's market at one instant."""

    symbol: str
    calendar: str
    #: The IANA zone the market's times are shown in.
    timezone: str
    phase: Phase
    next_open_ns: int | None
    next_close_ns: int | None
    #: LIMIT DAY orders are taken in pre- and post-market.
    extended_hours: bool
    #: What a new order meets while closed ("reject").
    closed_policy: str

    @property
    def is_open(self) -> bool:
        return self.phase is Phase.REGULAR


class Sessions:
    """The calendars of the configured symbols, and the closed-market gate."""

    def __init__(self, config: SessionsConfig, symbols: Iterable[str]) -> None:
        self._settings: Mapping[str, SymbolSession] = config.symbols
        shared: dict[tuple[str, int | None, int | None], Calendar] = {}
        self._calendars: dict[str, Calendar] = {}
        #: symbol -> (valid from, valid until, status): see :meth:`status`.
        self._cache: dict[str, tuple[int, int, MarketStatus]] = {}
        for symbol in symbols:
            s = self._settings.get(symbol, _DEFAULT)
            key = (s.calendar, s.pre_market_s, s.post_market_s)
            if key not in shared:
                shared[key] = make_calendar(
                    s.calendar, pre_market_s=s.pre_market_s, post_market_s=s.post_market_s
                )
            self._calendars[symbol] = shared[key]

    def warm(self, now_ns: int) -> None:
        """Load every calendar's sessions around ``now_ns`` now, not on the first order.

        An exchange calendar costs a fraction of a second to load (pandas): paid at
        start-up, not by the event loop while it serves.
        """
        for symbol in self._calendars:
            self.status(symbol, now_ns)

    def adopt(self, symbol: str, days: Sequence[MarketDay]) -> None:
        """Serve ``symbol`` from the venue's ``days``, then its library calendar: the venue wins."""
        current = self._calendars.get(symbol)
        if current is None or current.always_open or not days:
            return
        base = current.base if isinstance(current, VenueDays) else current
        self._calendars[symbol] = VenueDays(base, days)
        self._cache.pop(symbol, None)

    def library_calendar(self, symbol: str) -> Calendar:
        """``symbol``'s calendar as configured, before any venue days were adopted."""
        cal = self.calendar(symbol)
        return cal.base if isinstance(cal, VenueDays) else cal

    def calendar(self, symbol: str) -> Calendar:
        return self._calendars.get(symbol, _ALWAYS)

    def status(self, symbol: str, now_ns: int) -> MarketStatus:
        """Return ``symbol``'s market at ``now_ns``.

        A status holds until the next boundary of the symbol's day, so it is
        kept until then: the order path pays a dict lookup, not calendar work.
        """
        cached = self._cache.get(symbol)
        if cached is not None and cached[0] <= now_ns < cached[1]:
            return cached[2]
        cal = self.calendar(symbol)
        st = status(cal, now_ns)
        settings = self._settings.get(symbol, _DEFAULT)
        result = MarketStatus(
            symbol=symbol,
            calendar=cal.name,
            timezone=cal.timezone,
            phase=st.phase,
            next_open_ns=st.next_open_ns,
            next_close_ns=st.next_close_ns,
            extended_hours=settings.extended_hours,
            closed_policy=settings.closed_policy,
        )
        if not cal.always_open:
            w = next(cal.windows_from(now_ns))
            until = min(t for t in (w.pre_ns, w.open_ns, w.close_ns, w.post_ns) if t > now_ns)
            self._cache[symbol] = (now_ns, until, result)
        return result

    def local_time(self, symbol: str, ts_ns: int) -> str:
        """``ts_ns`` in ``symbol``'s market zone, ISO 8601 with the offset."""
        return zone_time(self.calendar(symbol), ts_ns)

    def day_close_ns(self, symbol: str, now_ns: int) -> int | None:
        """The end of the trading day an order placed at ``now_ns`` belongs to.

        The regular close of the current (or next) session; in the post-market
        session, that session's end. None for a market that never closes.
        """
        cal = self.calendar(symbol)
        if cal.always_open:
            return None
        w = next(cal.windows_from(now_ns))
        return w.post_ns if now_ns >= w.close_ns else w.close_ns

    def check_order(
        self, symbol: str, order_type: OrderType, tif: TimeInForce, extended: bool, now_ns: int
    ) -> int:
        """Return 0 when ``symbol``'s market takes this order now.

        Under the ``queue`` policy, return the time to release it instead (the
        next open); under ``reject``, raise FailedPrecondition. ``extended``: the
        order is marked for extended hours.
        """
        cal = self._calendars.get(symbol)
        if cal is None or cal.always_open:
            return 0  # the hot path of a 24/7 symbol: no calendar arithmetic
        st = self.status(symbol, now_ns)
        if st.phase is Phase.REGULAR:
            return 0
        in_extended = st.phase in (Phase.PRE_MARKET, Phase.POST_MARKET)
        eligible = order_type is OrderType.LIMIT and tif is TimeInForce.DAY and st.extended_hours
        if in_extended and extended and eligible:
            return 0
        if st.closed_policy == "queue" and st.next_open_ns is not None:
            return st.next_open_ns
        meta = {"symbol": symbol, "calendar": st.calendar, "phase": st.phase.name}
        if st.next_open_ns is not None:
            meta["next_open"] = rfc3339(st.next_open_ns)
        if in_extended and extended:
            session = st.phase.name.lower().replace("_", "-")
            why = (
                "only LIMIT orders with time in force DAY are taken"
                if st.extended_hours
                else "extended hours are not enabled for it ([sessions] extended_hours)"
            )
            raise FailedPrecondition(
                "EXTENDED_HOURS_NOT_ALLOWED",
                f"{symbol} is in its {session} session: {why}",
                {**meta, "type": order_type.name, "time_in_force": tif.name},
            )
        opens = "" if st.next_open_ns is None else f"; it opens {zone_time(cal, st.next_open_ns)}"
        raise FailedPrecondition(
            "MARKET_CLOSED", f"the market of {symbol} ({st.calendar}) is closed{opens}", meta
        )
