"""Venue quotes by REST polling: each remote account's quotes, every few seconds, into the engine.

For each remote venue whose driver can read quotes (``fetch_quotes``: OANDA's
``/pricing`` today), one task asks for the account's symbols every
``venue_quote_interval_s`` and hands each answer to ``Engine.on_quote``
(source ``venue``, the venue's timestamp). A failed poll is logged and
retried at the next interval; the quotes it did not refresh age meanwhile,
so a venue that stops answering makes its symbols stale (``QUOTE_STALE``)
instead of leaving an old price in force.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping, Sequence

from fillgate.domain.errors import FillgateError
from fillgate.engine.engine import Engine
from fillgate.marketdata.quotes import VENUE
from fillgate.venues.errors import VenueFailure

log = logging.getLogger("fillgate.marketdata")


class QuotePoller:
    """Polls the quotes of remote accounts (``symbols`` by account) every ``interval_s``."""

    def __init__(
        self, engine: Engine, symbols: Mapping[str, Sequence[str]], interval_s: float
    ) -> None:
        self._engine = engine
        self._symbols = symbols
        self._interval_s = interval_s
        self._tasks: list[asyncio.Task[None]] = []
        #: Accounts whose last poll failed: an outage is logged once, not once a poll.
        self._failing: set[str] = set()

    def start(self) -> None:
        if self._interval_s <= 0:
            return
        for account, symbols in self._symbols.items():
            venue = self._engine.venues.get(account)
            if venue is None or not symbols or getattr(venue, "quotes", None) is None:
                continue
            self._tasks.append(
                asyncio.get_running_loop().create_task(
                    self._run(account, list(symbols)), name=f"quotes-{account}"
                )
            )

    async def stop(self) -> None:
        tasks, self._tasks = self._tasks, []
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self, account: str, symbols: list[str]) -> None:
        while True:
            await self.poll(account, symbols)
            await asyncio.sleep(self._interval_s)

    async def poll(self, account: str, symbols: list[str]) -> int:
        """Read and apply one account's quotes once; return how many were applied."""
        venue = self._engine.venues[account]
        try:
            quotes = await venue.quotes(symbols)  # type: ignore[attr-defined]
        except VenueFailure as exc:
            if account not in self._failing:
                self._failing.add(account)
                log.warning(
                    "event=venue_quotes_failed account=%s kind=%s detail=%r",
                    account,
                    exc.kind.name,
                    str(exc),
                )
            return 0
        if account in self._failing:
            self._failing.discard(account)
            log.info("event=venue_quotes_recovered account=%s", account)
        applied = 0
        for q in quotes:
            try:
                self._engine.on_quote(
                    q.symbol, bid=q.bid, ask=q.ask, last=q.last, ts_ns=q.ts_ns, source=VENUE
                )
                applied += 1
            except FillgateError as exc:  # a quote that makes no sense is skipped, logged
                log.warning(
                    "event=venue_quote_refused account=%s symbol=%s detail=%r",
                    account,
                    q.symbol,
                    exc.message,
                )
        return applied
