"""The venue's own market clock wins: check it at start and periodically, report drift, adopt it.

For every account whose venue publishes a market calendar and clock (the
Alpaca driver's ``fetch_market_days`` / ``fetch_market_clock``), and every
symbol of that account on an exchange calendar:

1. the venue's trading days from yesterday to ``LOOKAHEAD_DAYS`` ahead are
   compared with the library calendar's, and its clock with the calendar's
   status at the clock's instant;
2. each disagreement is logged and published as a ``VenueDrift`` of kind
   ``session`` (streamed and journaled), once per distinct disagreement;
3. the venue's days replace the calendar's for that range
   (``Sessions.adopt``): the gate, the queue and DAY expiry follow the venue.

Each check also reads the venue's instruments again where the driver can
(Alpaca's assets), so a halt that starts or ends during the day is seen
(``SYMBOL_NOT_TRADING``). A venue that cannot be read is logged and tried
again at the next check; the library calendar keeps serving meanwhile.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from fillgate.domain import events as ev
from fillgate.domain.errors import FillgateError
from fillgate.engine.engine import Engine
from fillgate.sessions.market import Sessions
from fillgate.sessions.venue_clock import Disagreement, compare, compare_clock
from fillgate.venues.errors import VenueFailure

log = logging.getLogger("fillgate.sessions")

LOOKAHEAD_DAYS = 14
KIND = "session"


class VenueSessions:
    """Checks each venue's market calendar and clock against the configured calendars."""

    def __init__(
        self,
        engine: Engine,
        sessions: Sessions,
        symbols: Mapping[str, Sequence[str]],
        interval_s: float,
    ) -> None:
        """``symbols``: each remote account's symbols (ours); ``interval_s`` 0 = at start only."""
        self._engine = engine
        self._sessions = sessions
        self._symbols = dict(symbols)
        self._interval_s = interval_s
        self._reported: set[tuple[str, str, str, str, str]] = set()
        self._task: asyncio.Task[None] | None = None

    def _driver(self, account: str) -> Any:
        driver = getattr(self._engine.venues.get(account), "driver", None)
        if hasattr(driver, "fetch_market_days") and hasattr(driver, "fetch_market_clock"):
            return driver
        return None

    async def start(self) -> None:
        await self.check()
        if self._interval_s > 0:
            self._task = asyncio.create_task(self._every(), name="venue-sessions")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def _every(self) -> None:
        while True:
            await asyncio.sleep(self._interval_s)
            await self.check()

    async def check(self) -> list[ev.VenueDrift]:
        """Check every account once; return the drifts published."""
        published: list[ev.VenueDrift] = []
        for account, symbols in self._symbols.items():
            await self._refresh_halts(account)
            driver = self._driver(account)
            priced = [s for s in symbols if not self._sessions.calendar(s).always_open]
            if driver is None or not priced:
                continue
            try:
                published += await self._check(account, driver, priced)
            except (VenueFailure, FillgateError) as exc:
                log.warning(
                    "event=venue_sessions_unreadable account=%s error=%s",
                    account,
                    type(exc).__name__,
                )
        return published

    async def _refresh_halts(self, account: str) -> None:
        refresh = getattr(self._engine.venues.get(account), "refresh_instruments", None)
        if refresh is None:
            return
        try:
            await refresh()
        except (VenueFailure, FillgateError) as exc:
            log.warning(
                "event=venue_instruments_unreadable account=%s error=%s",
                account,
                type(exc).__name__,
            )

    async def _check(self, account: str, driver: Any, symbols: list[str]) -> list[ev.VenueDrift]:
        today = datetime.fromtimestamp(self._engine.clock.now_ns() / 1e9, UTC).date()
        days = await driver.fetch_market_days(
            today - timedelta(days=1), today + timedelta(days=LOOKAHEAD_DAYS)
        )
        clock = await driver.fetch_market_clock()
        published = []
        for symbol in symbols:
            calendar = self._sessions.library_calendar(symbol)
            found = compare(calendar, days)
            off = compare_clock(calendar, clock)
            for d, what in [(d, "day") for d in found] + ([(off, "clock")] if off else []):
                drift = self._publish(account, symbol, what, d)
                if drift is not None:
                    published.append(drift)
            self._sessions.adopt(symbol, days)
        return published

    def _publish(
        self, account: str, symbol: str, what: str, d: Disagreement
    ) -> ev.VenueDrift | None:
        key = (account, symbol, what, d.ours, d.venue)
        if key in self._reported:
            return None
        self._reported.add(key)
        message = (
            f"the venue's market {what} for {symbol} on {d.date} differs from the "
            f"{self._sessions.calendar(symbol).name} calendar: ours {d.ours}, venue {d.venue}; "
            "the venue's is used"
        )
        log.warning(
            "event=venue_session_drift account=%s symbol=%s what=%s date=%s ours=%r venue=%r",
            account,
            symbol,
            what,
            d.date,
            d.ours,
            d.venue,
        )
        drift = ev.VenueDrift(
            account=account,
            symbol=symbol,
            kind=KIND,
            ours=f"{d.date} {d.ours}",
            venue=f"{d.date} {d.venue}",
            message=message,
            ts_ns=self._engine.clock.now_ns(),
        )
        self._engine.emit(drift)
        return drift
