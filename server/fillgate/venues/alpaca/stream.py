"""Run alpaca-py's TradingStream on our own loop and say when it is up or down.

``TradingStream.run`` wants a loop of its own; instead its ``_run_forever``
(private, verified against alpaca-py 0.44.0) runs as a task on ours. The
SDK reconnects by itself and hides drops, so a subclass observes them:

* up: the server's ``listening`` answer that names ``trade_updates``, i.e.
  after a successful authenticate + listen on a fresh connection;
* down: ``_consume`` ending in a ``WebSocketException`` (the SDK's own test
  for a dropped connection, after which it reconnects).

Each becomes a :class:`StreamStatus` in the same queue as the messages, so
the consumer sees them in wire order. Stopping does not go through
``stop_ws`` alone (``_consume`` polls its stop flag only every 5 s): the
task is cancelled, then the socket closed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any, TypeAlias

import websockets

from fillgate.venues.alpaca.sdk import TradingStream
from fillgate.venues.types import StreamStatus

log = logging.getLogger(__name__)

#: Messages and status changes waiting for the consumer. When it falls behind,
#: the handler's ``put`` waits, which stalls the SDK's receive loop and then
#: the socket: back-pressure instead of dropping fills or growing unbounded.
QUEUE_SIZE = 1024
#: The longest pause between reconnect attempts (the SDK's own default is 30 s).
MAX_RECONNECT_S = 10.0
#: How long stopping waits for the SDK task, and the websocket for the close handshake.
CLOSE_TIMEOUT_S = 2.0
#: The SDK's websocket settings, except a dead connection is noticed after 10 + 20 s
#: instead of 10 + 180 s, and closing never waits longer than CLOSE_TIMEOUT_S per step
#: (websockets advises a short close_timeout over cancelling close()).
WEBSOCKET_PARAMS = {
    "ping_interval": 10,
    "ping_timeout": 20,
    "max_queue": 1024,
    "close_timeout": CLOSE_TIMEOUT_S,
}

Item: TypeAlias = dict[str, Any] | StreamStatus


class _ObservedStream(TradingStream):
    """A TradingStream that reports connection changes into ``queue``."""

    def __init__(self, queue: asyncio.Queue[Item], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._queue = queue
        self._up = False

    async def _mark(self, up: bool, detail: str) -> None:
        if up != self._up:
            self._up = up
            await self._queue.put(StreamStatus(up=up, detail=detail))

    async def _dispatch(self, msg: dict[str, Any]) -> None:
        if msg.get("stream") == "listening":
            streams = (msg.get("data") or {}).get("streams") or []
            if "trade_updates" in streams:
                await self._mark(True, "listening to trade_updates")
            return
        await super()._dispatch(msg)

    async def _consume(self) -> None:
        try:
            await super()._consume()  # type: ignore[no-untyped-call]
        except websockets.WebSocketException as exc:
            await self._mark(False, f"connection lost: {type(exc).__name__}")
            raise


class StreamRun:
    """One running TradingStream; :meth:`next` hands out its messages and status changes."""

    def __init__(self, *, key: str, secret: str, paper: bool, url: str, backoff_s: float) -> None:
        self._queue: asyncio.Queue[Item] = asyncio.Queue(QUEUE_SIZE)
        self._closed = asyncio.Event()
        self._sdk = _ObservedStream(
            self._queue,
            api_key=key,
            secret_key=secret,
            paper=paper,
            raw_data=True,
            url_override=url or None,
            websocket_params=dict(WEBSOCKET_PARAMS),
        )
        self._sdk._reconnect_min_backoff = min(max(backoff_s, 0.01), 1.0)
        self._sdk._reconnect_max_backoff = MAX_RECONNECT_S
        self._sdk.subscribe_trade_updates(self._on_message)
        self._task = asyncio.create_task(
            self._sdk._run_forever(),  # type: ignore[no-untyped-call]
            name="alpaca-trading-stream",
        )
        self._task.add_done_callback(self._on_task_done)

    async def _on_message(self, msg: dict[str, Any]) -> None:
        await self._queue.put(msg)

    def _on_task_done(self, task: asyncio.Task[None]) -> None:
        if not task.cancelled() and task.exception() is not None:
            log.warning("alpaca trading stream task failed: %s", type(task.exception()).__name__)
        self._closed.set()

    async def next(self) -> Item | None:
        """Wait for the next message or status change; None once the stream has stopped."""
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
        return getter.result() if getter.done() and not getter.cancelled() else None

    async def stop(self) -> None:
        """Stop the SDK's loop now (cancel, not its 5 s poll) and close the socket."""
        self._closed.set()
        with contextlib.suppress(Exception):
            await self._sdk.stop_ws()
        self._task.cancel()
        # wait() rather than await: a cancel aimed at our caller must not be swallowed.
        await asyncio.wait((self._task,), timeout=CLOSE_TIMEOUT_S)
        with contextlib.suppress(Exception):
            await self._sdk.close()
