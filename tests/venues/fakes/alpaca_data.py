"""The fake Alpaca Market Data API: latest quotes over REST and the quotes websocket.

REST, as alpaca-py's data clients call it (same host as the trading fake):
``GET /v2/stocks/quotes/latest?symbols=AAPL&feed=iex`` and
``GET /v1beta3/crypto/us/latest/quotes?symbols=BTC/USD``, both answering
``{"quotes": {SYMBOL: {"bp", "bs", "ap", "as", "t", ...}}}`` with JSON numbers
for prices (as Alpaca does) and an RFC 3339 time with nanoseconds.

Websockets ``/v2/iex`` (and ``/v2/sip``) and ``/v1beta3/crypto/us``: Alpaca's
data protocol. On connect ``[{"T":"success","msg":"connected"}]``; ``auth``
answers ``authenticated`` (or an ``error`` 402); ``subscribe`` answers the
``subscription`` list; then quote messages ``{"T":"q","S":..,"bp":..,"ap":..,
"t":..}``. Frames are msgpack (timestamps as msgpack Timestamps) when the
client asks for ``Content-Type: application/msgpack``, as alpaca-py does;
JSON text otherwise. A liquid symbol is re-quoted every ``every_s`` and at
once when its price changes; :meth:`DataHub.silence` keeps the sockets open
but sends nothing; :meth:`DataHub.drop` closes them and refuses upgrades.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import msgpack
from aiohttp import WSMsgType, web

#: The websocket paths alpaca-py's StockDataStream (per feed) and CryptoDataStream use.
STOCK_STREAM_PATHS = ("/v2/iex", "/v2/sip")
CRYPTO_STREAM_PATH = "/v1beta3/crypto/us"
STOCK_QUOTES_PATH = "/v2/stocks/quotes/latest"
CRYPTO_QUOTES_PATH = "/v1beta3/crypto/us/latest/quotes"


@dataclass(eq=False)
class DataConnection:
    ws: web.WebSocketResponse
    crypto: bool
    msgpack: bool
    authorized: bool = False
    quotes: set[str] = field(default_factory=set)
    wake: asyncio.Event = field(default_factory=asyncio.Event)


def _rfc3339_ns(ns: int) -> str:
    seconds, rest = divmod(ns, 1_000_000_000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{rest:09d}Z"


class DataHub:
    """The market data side of the fake: ``prices`` by venue symbol, quoted with a spread."""

    def __init__(
        self,
        key: str,
        secret: str,
        prices: dict[str, Decimal],
        *,
        half_spread: Decimal = Decimal("0.01"),
        every_s: float = 0.1,
        now_ns: Callable[[], int] = time.time_ns,
    ) -> None:
        self.key = key
        self.secret = secret
        self.prices = prices
        self.half_spread = half_spread
        self.every_s = every_s
        #: The venue's time, which stamps its quotes (the trading fake's market clock).
        self.now_ns = now_ns
        #: Websocket upgrades accepted so far (reconnects included).
        self.connects = 0
        self.connections: set[DataConnection] = set()
        self.silent = False
        self._refuse_until = 0.0

    def routes(self) -> list[web.RouteDef]:
        paths = (*STOCK_STREAM_PATHS, CRYPTO_STREAM_PATH)
        return [
            *(web.get(path, self.handle) for path in paths),
            web.get(STOCK_QUOTES_PATH, self._latest),
            web.get(CRYPTO_QUOTES_PATH, self._latest),
        ]

    def is_stream(self, path: str) -> bool:
        return path in STOCK_STREAM_PATHS or path == CRYPTO_STREAM_PATH

    # -- test controls -------------------------------------------------------------

    def changed(self) -> None:
        """A price moved: every connection re-quotes now."""
        for conn in self.connections:
            conn.wake.set()

    def silence(self, silent: bool = True) -> None:
        """Keep the sockets open but send nothing (no quotes; Alpaca has no heartbeats)."""
        self.silent = silent

    async def drop(self, refuse_s: float) -> None:
        """Close every data socket and answer upgrades with 503 for ``refuse_s`` seconds."""
        self._refuse_until = asyncio.get_running_loop().time() + refuse_s
        await self.close()

    async def close(self) -> None:
        conns, self.connections = list(self.connections), set()
        for conn in conns:
            with contextlib.suppress(Exception):
                await conn.ws.close(code=1012, message=b"service restart")

    # -- quotes ----------------------------------------------------------------------

    def quote(self, symbol: str, *, crypto: bool) -> dict[str, Any] | None:
        """The current quote of ``symbol`` (prices as floats: Alpaca sends JSON numbers)."""
        price = self.prices.get(symbol)
        if price is None or (("/" in symbol) != crypto):
            return None
        bid, ask = price - self.half_spread, price + self.half_spread
        body: dict[str, Any] = {"bp": float(bid), "bs": 3, "ap": float(ask), "as": 2}
        if not crypto:
            body.update(bx="V", ax="V", c=["R"], z="C")
        return body

    async def _latest(self, request: web.Request) -> web.Response:
        crypto = request.path == CRYPTO_QUOTES_PATH
        symbols = [s for s in request.query.get("symbols", "").split(",") if s]
        if not symbols:
            return web.json_response({"code": 40010001, "message": "missing symbols"}, status=400)
        now = _rfc3339_ns(self.now_ns())
        quotes = {}
        for symbol in symbols:
            body = self.quote(symbol, crypto=crypto)
            if body is not None:
                quotes[symbol] = {"t": now, **body}
        return web.json_response({"quotes": quotes})

    # -- websocket -------------------------------------------------------------------

    async def handle(self, request: web.Request) -> web.StreamResponse:
        if asyncio.get_running_loop().time() < self._refuse_until:
            return web.Response(status=503, text="stream unavailable")
        ws = web.WebSocketResponse(timeout=1.0)
        await ws.prepare(request)
        self.connects += 1
        packed = request.headers.get("Content-Type", "") == "application/msgpack"
        conn = DataConnection(ws, crypto=request.path == CRYPTO_STREAM_PATH, msgpack=packed)
        self.connections.add(conn)
        writer = asyncio.create_task(self._quote_loop(conn))
        try:
            await self._send(conn, [{"T": "success", "msg": "connected"}])
            async for frame in ws:
                if frame.type == WSMsgType.BINARY:
                    await self._on_message(conn, msgpack.unpackb(frame.data))
                elif frame.type == WSMsgType.TEXT:
                    await self._on_message(conn, json.loads(frame.data))
        finally:
            self.connections.discard(conn)
            writer.cancel()
        return ws

    async def _on_message(self, conn: DataConnection, msg: dict[str, Any]) -> None:
        action = msg.get("action")
        if action == "auth":
            conn.authorized = msg.get("key") == self.key and msg.get("secret") == self.secret
            reply = (
                {"T": "success", "msg": "authenticated"}
                if conn.authorized
                else {"T": "error", "code": 402, "msg": "auth failed"}
            )
            await self._send(conn, [reply])
        elif not conn.authorized:
            await self._send(conn, [{"T": "error", "code": 401, "msg": "not authenticated"}])
        elif action in ("subscribe", "unsubscribe"):
            wanted = set(msg.get("quotes") or [])
            conn.quotes = conn.quotes | wanted if action == "subscribe" else conn.quotes - wanted
            listing = {"trades": [], "quotes": sorted(conn.quotes), "bars": []}
            await self._send(conn, [{"T": "subscription", **listing}])
            conn.wake.set()

    async def _quote_loop(self, conn: DataConnection) -> None:
        with contextlib.suppress(ConnectionError, RuntimeError):
            while True:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(conn.wake.wait(), self.every_s)
                conn.wake.clear()
                if self.silent or not conn.quotes:
                    continue
                now = self.now_ns()
                batch = []
                for symbol in sorted(conn.quotes):
                    body = self.quote(symbol, crypto=conn.crypto)
                    if body is not None:
                        stamp: Any = (
                            msgpack.Timestamp.from_unix_nano(now)
                            if conn.msgpack
                            else _rfc3339_ns(now)
                        )
                        batch.append({"T": "q", "S": symbol, **body, "t": stamp})
                if batch:
                    await self._send(conn, batch)

    async def _send(self, conn: DataConnection, messages: list[dict[str, Any]]) -> None:
        if conn.msgpack:
            await conn.ws.send_bytes(msgpack.packb(messages))
        else:
            await conn.ws.send_str(json.dumps(messages))
