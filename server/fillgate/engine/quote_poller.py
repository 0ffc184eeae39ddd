"""Venue quotes into the engine: the venue's stream, and REST polling while it is down.

For each remote account whose venue streams quotes (``quote_stream``: OANDA's
``/pricing/stream``, Alpaca's market data websocket, Binance's ``bookTicker``
through ccxt.pro), one task applies every streamed quote at once; a second
task reads the quotes over REST (``fetch_quotes``: OANDA ``/pricing``,
Alpaca's latest quotes, Binance ``/ticker/bookTicker``) every
``venue_quote_interval_s``, but only while the stream is not up (before it
first connects, and during an outage). A stream sends a quote only when it
changes; OANDA's heartbeats re-confirm the last ones (their age restarts), so
a quiet market on a live OANDA stream is not stale (Alpaca's stream and
Binance's bookTicker have no heartbeat: a quiet symbol ages). Each quote goes to
``Engine.on_quote`` (source ``venue``, the venue's timestamp). A failed
poll is logged once per outage and retried at the next interval. Quotes
nobody refreshes age: a venue that stops answering, or a stream that goes
silent, makes its symbols stale (``QUOTE_STALE``) instead of leaving an
old price in force.
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
from fillgate.venues.types import QuoteHeartbeat, StreamStatus, VenueQuote

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
        #: Accounts whose quote stream is up (REST polling pauses for them).
        self.streaming: set[str] = set()

    def _sources(self) -> list[tuple[str, Sequence[str], object]]:
        """(account, symbols, venue) of each account whose quotes are read; none when off."""
        if self._interval_s <= 0:
            return []
        out: list[tuple[str, Sequence[str], object]] = []
        for account, symbols in self._symbols.items():
            venue = self._engine.venues.get(account)
            if venue is None or not symbols or getattr(venue, "quotes", None) is None:
                continue
            out.append((account, symbols, venue))
        return out

    def watched(self) -> set[str]:
        """The symbols whose quotes this poller reads (a live source the stale alert watches)."""
        return {symbol for _, symbols, _ in self._sources() for symbol in symbols}

    def start(self) -> None:
        for account, symbols, venue in self._sources():
            loop = asyncio.get_running_loop()
            self._tasks.append(
                loop.create_task(self._run(account, list(symbols)), name=f"quotes-{account}")
            )
            if getattr(venue, "quote_stream", None) is not None:
                self._tasks.append(
                    loop.create_task(
                        self._stream(account, list(symbols)), name=f"quote-stream-{account}"
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
            if account not in self.streaming:
                await self.poll(account, symbols)
            await asyncio.sleep(self._interval_s)

    async def _stream(self, account: str, symbols: list[str]) -> None:
        """Apply the venue's streamed quotes; return if it has no stream."""
        venue = self._engine.venues[account]
        while True:
            try:
                async for item in venue.quote_stream(symbols):  # type: ignore[attr-defined]
                    if isinstance(item, StreamStatus):
                        self._on_status(account, item)
                    elif isinstance(item, QuoteHeartbeat):
                        self._confirm(symbols, item.ts_ns)
                    else:
                        self._apply(account, [item])
                return  # the driver streams no quotes, or it was closed
            except VenueFailure as exc:  # could not open the venue: polling carries on
                log.warning("event=quote_stream_failed account=%s detail=%r", account, str(exc))
            finally:
                self.streaming.discard(account)
            await asyncio.sleep(self._interval_s)

    def _confirm(self, symbols: list[str], ts_ns: int) -> None:
        """A heartbeat: the venue's last quotes still stand, as of its time."""
        engine = self._engine
        for symbol in symbols:
            q = engine.state.quotes.quote(symbol)
            if q is not None and q.source == VENUE:
                engine.on_quote(
                    symbol, bid=q.bid, ask=q.ask, last=q.last, ts_ns=ts_ns, source=VENUE
                )

    def _on_status(self, account: str, status: StreamStatus) -> None:
        if status.up:
            self.streaming.add(account)
            log.info("event=quote_stream_up account=%s", account)
        else:
            self.streaming.discard(account)
            log.warning(
                "event=quote_stream_down account=%s detail=%r polling_every_s=%s",
                account,
                status.detail,
                self._interval_s,
            )

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
        return self._apply(account, quotes)

    def _apply(self, account: str, quotes: list[VenueQuote]) -> int:
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
