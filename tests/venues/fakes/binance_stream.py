"""The fake Binance's public market streams (``/ws/<n>`` raw, ``/stream`` combined): tickers.

A client subscribes with ``{"method": "SUBSCRIBE", "params": ["btcusdt@bookTicker"],
"id": 1}`` and gets ``{"result": null, "id": 1}``; ``UNSUBSCRIBE`` and
``LIST_SUBSCRIPTIONS`` work too. Each subscribed symbol's best bid and ask is
then pushed in Binance's format, ``{"u": <update id>, "s": "BTCUSDT", "b": "..",
"B": "..", "a": "..", "A": ".."}``: at once, on every price change, and again
every ``tick_s`` (a live Binance book ticks all the time). ``<symbol>@ticker``
and ``@miniTicker`` (24 h tickers, ``"e": "24hrTicker"`` / ``"24hrMiniTicker"``, the
mini one without bid and ask) are served the same way. On ``/stream`` each
payload is wrapped as ``{"stream": "btcusdt@bookTicker", "data": {...}}``.

Controls: :meth:`MarketStreams.drop` closes every connection and refuses new
ones (HTTP 503) for a while; :meth:`MarketStreams.silence` keeps them open and
sends nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from aiohttp import WSMsgType, web

_BOOK = "@bookTicker"
_TICKER = "@ticker"
_MINI = "@miniTicker"
_KINDS = (_BOOK, _TICKER, _MINI)


class _Conn:
    def __init__(self, ws: web.WebSocketResponse, combined: bool) -> None:
        self.ws = ws
        self.combined = combined
        self.streams: set[str] = set()
        self.queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.writer = asyncio.get_running_loop().create_task(self._write())

    async def _write(self) -> None:
        while True:
            message = await self.queue.get()
            try:
                await self.ws.send_str(json.dumps(message))
            except (ConnectionError, RuntimeError):
                return


class MarketStreams:
    """Every market-stream connection of the fake; ``prices`` gives a symbol's price."""

    def __init__(self, prices: Callable[[], dict[str, Decimal]], *, tick_s: float = 0.25) -> None:
        self._prices = prices
        self.tick_s = tick_s
        self._conns: set[_Conn] = set()
        self._update_ids = itertools.count(1_000_000)
        self._refuse_until = 0.0
        self.silent = False
        #: Connections accepted so far (a reconnect shows as one more).
        self.connections = 0

    def publish(self, symbol: str) -> None:
        """Push ``symbol``'s book ticker to every connection subscribed to it."""
        for conn in list(self._conns):
            for stream in (symbol.lower() + kind for kind in _KINDS):
                if stream in conn.streams:
                    self._send(conn, stream)

    def silence(self, silent: bool = True) -> None:
        self.silent = silent

    async def drop(self, refuse_s: float) -> None:
        """Close every connection and answer 503 to new ones for ``refuse_s`` seconds."""
        self._refuse_until = time.monotonic() + refuse_s
        conns, self._conns = list(self._conns), set()
        for conn in conns:
            conn.streams.clear()
            conn.writer.cancel()
            with contextlib.suppress(TimeoutError, ConnectionError):
                await asyncio.wait_for(conn.ws.close(message=b"dropped"), 1.0)

    def _send(self, conn: _Conn, stream: str) -> None:
        if self.silent:
            return
        name, _, kind = stream.partition("@")
        price = self._prices().get(name.upper())
        if price is None or "@" + kind not in _KINDS:
            return
        text = f"{price:.8f}"
        data: dict[str, Any] = {"u": next(self._update_ids), "s": name.upper()}
        data |= {"b": text, "B": "1.00000000", "a": text, "A": "1.00000000"}
        if "@" + kind != _BOOK:  # 24 h tickers: an event type and time, a last price
            stamp = int(time.time() * 1000)
            book = {k: data[k] for k in ("b", "B", "a", "A")}
            data = {"e": "24hrMiniTicker", "E": stamp, "s": data["s"], "c": text, "o": text}
            data |= {"h": text, "l": text, "v": "0", "q": "0"}
            if "@" + kind == _TICKER:  # the full one also has the book's top
                data |= {"e": "24hrTicker", "Q": "0.1", "O": stamp, "C": stamp} | book
        conn.queue.put_nowait({"stream": stream, "data": data} if conn.combined else data)

    async def handle(self, request: web.Request) -> web.StreamResponse:
        if time.monotonic() < self._refuse_until:
            return web.json_response({"code": -1001, "msg": "Service unavailable."}, status=503)
        ws = web.WebSocketResponse(heartbeat=None)
        await ws.prepare(request)
        conn = _Conn(ws, combined=request.path.startswith("/stream"))
        conn.streams.update(s for s in request.query.get("streams", "").split("/") if s)
        self._conns.add(conn)
        self.connections += 1
        ticker = asyncio.get_running_loop().create_task(self._tick(conn))
        try:
            async for msg in ws:
                if msg.type == WSMsgType.TEXT:
                    self._answer(conn, json.loads(msg.data))
        finally:
            self._conns.discard(conn)
            ticker.cancel()
            conn.writer.cancel()
        return ws

    async def _tick(self, conn: _Conn) -> None:
        while True:
            await asyncio.sleep(self.tick_s)
            for stream in list(conn.streams):
                self._send(conn, stream)

    def _answer(self, conn: _Conn, message: dict[str, Any]) -> None:
        request_id = message.get("id")
        method = message.get("method")
        params = [str(p) for p in message.get("params") or ()]
        if method == "SUBSCRIBE":
            new = [p for p in params if p not in conn.streams]
            conn.streams.update(params)
            conn.queue.put_nowait({"result": None, "id": request_id})
            for stream in new:
                self._send(conn, stream)
        elif method == "UNSUBSCRIBE":
            conn.streams.difference_update(params)
            conn.queue.put_nowait({"result": None, "id": request_id})
        elif method == "LIST_SUBSCRIPTIONS":
            conn.queue.put_nowait({"result": sorted(conn.streams), "id": request_id})
        else:
            conn.queue.put_nowait(
                {"error": {"code": 2, "msg": f"Invalid request: unknown method {method!r}"}}
            )
