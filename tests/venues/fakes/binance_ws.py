"""The fake Binance's WebSocket API (``/ws-api/v3``): the signed user-data subscription.

A client sends ``userDataStream.subscribe.signature`` with ``apiKey``,
``timestamp``, ``recvWindow`` and an HMAC-SHA256 ``signature`` over the other
parameters sorted by name (``k=v&...``). The answer carries a
``subscriptionId``; from then on every account event is pushed wrapped as
``{"subscriptionId": N, "event": {...}}``. A dropped connection's events are
lost, as at Binance: the client must backfill over REST.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import itertools
import json
import time
from typing import Any

from aiohttp import WSMsgType, web

from fakes.binance_book import BinanceError
from fakes.binance_market import now_ms


def check_time(params: dict[str, Any]) -> None:
    """Refuse a timestamp outside ``recvWindow`` (-1021), as Binance does."""
    try:
        stamp = int(params["timestamp"])
        window = int(params.get("recvWindow", 5000))
    except (KeyError, ValueError) as exc:
        raise BinanceError(400, -1102, "Mandatory parameter 'timestamp' was not sent.") from exc
    now = now_ms()
    if stamp > now + 1000 or now - stamp > window:
        raise BinanceError(400, -1021, "Timestamp for this request is outside of the recvWindow.")


class _Conn:
    """One connection; a writer task keeps its messages in order."""

    def __init__(self, ws: web.WebSocketResponse) -> None:
        self.ws = ws
        self.subscription: int | None = None
        self.queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.writer = asyncio.get_running_loop().create_task(self._write())

    async def _write(self) -> None:
        while True:
            message = await self.queue.get()
            try:
                await self.ws.send_str(json.dumps(message))
            except (ConnectionError, RuntimeError):
                return


class UserDataWs:
    """Every WebSocket API connection of the fake, and what they subscribed to."""

    def __init__(self, api_key: str, api_secret: str) -> None:
        self._api_key = api_key
        self._api_secret = api_secret
        self._conns: set[_Conn] = set()
        self._ids = itertools.count(0)
        self._refuse_until = 0.0

    def publish(self, events: list[dict[str, Any]]) -> None:
        """Push account events to every subscribed connection."""
        for conn in self._conns:
            if conn.subscription is not None:
                for event in events:
                    conn.queue.put_nowait({"subscriptionId": conn.subscription, "event": event})

    async def drop(self, refuse_s: float) -> None:
        """Close every connection and refuse upgrades (HTTP 503) for ``refuse_s`` seconds."""
        self._refuse_until = time.monotonic() + refuse_s
        conns, self._conns = list(self._conns), set()
        for conn in conns:
            conn.subscription = None
            conn.writer.cancel()
            with contextlib.suppress(TimeoutError, ConnectionError):
                await asyncio.wait_for(conn.ws.close(message=b"dropped"), 1.0)

    async def handle(self, request: web.Request) -> web.StreamResponse:
        if time.monotonic() < self._refuse_until:
            return web.json_response({"code": -1001, "msg": "Service unavailable."}, status=503)
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        conn = _Conn(ws)
        self._conns.add(conn)
        try:
            async for msg in ws:
                if msg.type == WSMsgType.TEXT:
                    conn.queue.put_nowait(self._answer(conn, json.loads(msg.data)))
        finally:
            self._conns.discard(conn)
            conn.writer.cancel()
        return ws

    def _answer(self, conn: _Conn, message: dict[str, Any]) -> dict[str, Any]:
        request_id = message.get("id")
        method = message.get("method")
        if method == "ping":
            return {"id": request_id, "status": 200, "result": {}}
        if method != "userDataStream.subscribe.signature":
            return _error(request_id, 400, -1100, f"Unknown method {method!r}.")
        params = dict(message.get("params") or {})
        if params.get("apiKey") != self._api_key:
            return _error(request_id, 401, -2015, "Invalid API-key, IP, or permissions.")
        signature = str(params.pop("signature", ""))
        payload = "&".join(f"{k}={params[k]}" for k in sorted(params))
        expected = hmac.new(self._api_secret.encode(), payload.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(signature, expected):
            return _error(request_id, 400, -1022, "Signature for this request is not valid.")
        try:
            check_time(params)
        except BinanceError as exc:
            return _error(request_id, exc.status, exc.code, exc.msg)
        conn.subscription = next(self._ids)
        return {
            "id": request_id,
            "status": 200,
            "result": {"subscriptionId": conn.subscription},
            "rateLimits": [],
        }


def _error(request_id: Any, status: int, code: int, msg: str) -> dict[str, Any]:
    return {"id": request_id, "status": status, "error": {"code": code, "msg": msg}}
