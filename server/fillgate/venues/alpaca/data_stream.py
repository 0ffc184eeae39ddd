"""Alpaca's market data websocket (quotes) on our own loop, as an async iterator.

alpaca-py's ``StockDataStream`` (``/v2/iex``) and ``CryptoDataStream``
(``/v1beta3/crypto/us``) run as tasks on our loop through their
``_run_forever`` (private, verified against alpaca-py 0.44.0), exactly as
:mod:`.stream` runs the TradingStream: nothing blocks the loop, the SDK
reconnects by itself with backoff, and a subclass observes its state:

* up: the server's ``subscription`` answer that lists quotes, i.e. after a
  successful connect + auth + subscribe on a fresh connection;
* down: ``_consume`` ending in a ``WebSocketException`` (a dropped socket).

An account quoting both equities and crypto runs both streams; it counts as
up only while both are (the quote poller reads REST for all its symbols
while it is down). Alpaca sends a quote whenever one changes and no
heartbeats, so a socket that stays open but goes silent lets its quotes age
until they are stale (``QUOTE_STALE``), as they should.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeAlias

import websockets

from fillgate.venues.alpaca import quotes, translate
from fillgate.venues.alpaca.sdk import CryptoDataStream, StockDataStream
from fillgate.venues.alpaca.stream import (
    CLOSE_TIMEOUT_S,
    MAX_RECONNECT_S,
    QUEUE_SIZE,
    WEBSOCKET_PARAMS,
)
from fillgate.venues.errors import redact
from fillgate.venues.types import StreamStatus, VenueQuote

log = logging.getLogger(__name__)

#: Appended to the ``data_stream_url`` override, as alpaca-py appends them to its default.
STOCK_PATH = "/v2/" + quotes.STOCK_FEED.value
CRYPTO_PATH = "/v1beta3/crypto/us"


@dataclass(frozen=True, slots=True)
class _Change:
    """One SDK stream (``label``) went up or down."""

    label: str
    up: bool
    detail: str


Item: TypeAlias = dict[str, Any] | _Change


class _Observing:
    """Mixed into a data stream: connection changes go into ``queue`` beside the quotes."""

    _queue: asyncio.Queue[Item]
    _label: str
    _up: bool

    async def _mark(self, up: bool, detail: str) -> None:
        if up != self._up:
            self._up = up
            await self._queue.put(_Change(self._label, up, detail))

    async def _dispatch(self, msg: dict[str, Any]) -> None:
        if msg.get("T") == "subscription":
            if msg.get("quotes"):
                await self._mark(True, "subscribed to quotes")
            return
        await super()._dispatch(msg)  # type: ignore[misc]

    async def _consume(self) -> bool:
        try:
            stale: bool = await super()._consume()  # type: ignore[misc]
        except websockets.WebSocketException as exc:
            await self._mark(False, f"connection lost: {type(exc).__name__}")
            raise
        if stale:
            await self._mark(False, "no data, reconnecting")
        return stale


class _StockQuotes(_Observing, StockDataStream):
    pass


class _CryptoQuotes(_Observing, CryptoDataStream):
    pass


class QuoteRun:
    """The account's running data stream(s); :meth:`next` hands out quotes and status."""

    def __init__(
        self,
        *,
        key: str,
        secret: str,
        url: str,
        stocks: list[str],
        crypto: list[str],
        backoff_s: float,
    ) -> None:
        self._queue: asyncio.Queue[Item] = asyncio.Queue(QUEUE_SIZE)
        self._closed = asyncio.Event()
        self._up: dict[str, bool] = {}
        self._sdks: list[Any] = []
        base = url.rstrip("/")
        common: dict[str, Any] = {
            "api_key": key,
            "secret_key": secret,
            "raw_data": True,
            "websocket_params": dict(WEBSOCKET_PARAMS),
        }
        if stocks:
            sdk: Any = _StockQuotes(
                feed=quotes.STOCK_FEED, url_override=base + STOCK_PATH if base else None, **common
            )
            self._add(sdk, "stocks", stocks, backoff_s)
        if crypto:
            sdk = _CryptoQuotes(url_override=base + CRYPTO_PATH if base else None, **common)
            self._add(sdk, "crypto", crypto, backoff_s)
        self._tasks = [
            asyncio.create_task(s._run_forever(), name=f"alpaca-{s._label}-quotes")
            for s in self._sdks
        ]
        for task in self._tasks:
            task.add_done_callback(self._on_task_done)

    def _add(self, sdk: Any, label: str, symbols: list[str], backoff_s: float) -> None:
        sdk._queue, sdk._label, sdk._up = self._queue, label, False
        sdk._reconnect_min_backoff = min(max(backoff_s, 0.01), 1.0)
        sdk._reconnect_max_backoff = MAX_RECONNECT_S
        sdk.subscribe_quotes(self._on_quote, *symbols)
        self._up[label] = False
        self._sdks.append(sdk)

    async def _on_quote(self, msg: dict[str, Any]) -> None:
        await self._queue.put(msg)

    def _on_task_done(self, task: asyncio.Task[None]) -> None:
        if not task.cancelled() and task.exception() is not None:
            log.warning("alpaca data stream task failed: %s", type(task.exception()).__name__)
        self._closed.set()

    async def next(self) -> dict[str, Any] | StreamStatus | None:
        """The next quote message or change of the combined state; None once stopped."""
        while True:
            if self._queue.empty() and self._closed.is_set():
                return None
            getter = asyncio.ensure_future(self._queue.get())
            closer = asyncio.ensure_future(self._closed.wait())
            try:
                await asyncio.wait((getter, closer), return_when=asyncio.FIRST_COMPLETED)
            finally:
                closer.cancel()
                if not getter.done():
                    getter.cancel()
            if not getter.done() or getter.cancelled():
                return None
            item = getter.result()
            if not isinstance(item, _Change):
                return item
            was = all(self._up.values())
            self._up[item.label] = item.up
            now = all(self._up.values())
            if now != was:
                return StreamStatus(up=now, detail=f"{item.label}: {item.detail}")

    async def stop(self) -> None:
        """Stop the SDK loops now (cancel, not their 5 s poll) and close the sockets."""
        self._closed.set()
        for sdk in self._sdks:
            with contextlib.suppress(Exception):
                await sdk.stop_ws()
        for task in self._tasks:
            task.cancel()
        if self._tasks:
            await asyncio.wait(self._tasks, timeout=CLOSE_TIMEOUT_S)
        for sdk in self._sdks:
            with contextlib.suppress(Exception):
                await sdk.close()


async def quote_stream(
    make_run: Callable[[], QuoteRun],
    runs: set[QuoteRun],
    closed: Callable[[], bool],
    wanted: Mapping[str, str],
    secrets: tuple[str, ...],
    restart_delay_s: float,
) -> AsyncIterator[VenueQuote | StreamStatus]:
    """Yield quotes of ``wanted`` (venue symbol -> ours) forever; return once ``closed()``."""
    if not wanted:
        return
    failures = 0
    while not closed():
        run = make_run()
        runs.add(run)
        up = False
        try:
            while (item := await run.next()) is not None:
                if isinstance(item, StreamStatus):
                    up = item.up
                    failures = 0 if up else failures
                    yield item
                elif (quote := _quote(item, wanted, secrets)) is not None:
                    yield quote
        finally:
            runs.discard(run)
            await run.stop()
        if closed():
            return
        if up:
            yield StreamStatus(up=False, detail="alpaca data stream task ended")
        # A task that keeps ending without ever coming up (e.g. Alpaca's "insufficient
        # subscription", after which the SDK gives up) is restarted ever more slowly.
        await asyncio.sleep(min(restart_delay_s * 2**failures, MAX_RECONNECT_S))
        failures = min(failures + 1, 10)


def _quote(
    msg: dict[str, Any], wanted: Mapping[str, str], secrets: tuple[str, ...]
) -> VenueQuote | None:
    ours = wanted.get(str(msg.get("S")))
    if msg.get("T") != "q" or ours is None:
        return None
    try:
        return quotes.quote(ours, msg)
    except translate.MalformedAnswer as exc:
        log.warning("alpaca quote skipped: %s", redact(str(exc), secrets))
        return None
