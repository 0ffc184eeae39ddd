"""The fake Alpaca ``/stream`` websocket: authenticate, listen, then ``trade_updates`` events.

Each connection gets an outbox drained by one writer task, so events leave
in the order they happened. While refusing (after :meth:`StreamHub.drop`)
upgrades are answered 503, which alpaca-py treats as a failed connect and
retries with its backoff.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web


@dataclass(eq=False)
class Connection:
    ws: web.WebSocketResponse
    outbox: asyncio.Queue[dict[str, Any]] = field(default_factory=asyncio.Queue)
    authorized: bool = False
    listening: bool = False


class StreamHub:
    """Every stream connection of the fake account."""

    def __init__(self, key: str, secret: str, *, binary_frames: bool = True) -> None:
        self.key = key
        self.secret = secret
        #: Paper Alpaca sends binary frames; False sends text frames.
        self.binary_frames = binary_frames
        #: Websocket upgrades accepted so far (reconnects included).
        self.connects = 0
        self.connections: set[Connection] = set()
        self._refuse_until = 0.0

    def push(self, data: dict[str, Any]) -> None:
        """Send one trade update to every listening connection (none listening: it is lost)."""
        message = {"stream": "trade_updates", "data": data}
        for conn in self.connections:
            if conn.listening:
                conn.outbox.put_nowait(message)

    async def drop(self, refuse_s: float) -> None:
        """Close every connection and answer upgrades with 503 for ``refuse_s`` seconds."""
        self._refuse_until = asyncio.get_running_loop().time() + refuse_s
        await self.close()

    async def close(self) -> None:
        conns, self.connections = list(self.connections), set()
        for conn in conns:
            with contextlib.suppress(Exception):
                await conn.ws.close(code=1012, message=b"service restart")

    async def handle(self, request: web.Request) -> web.StreamResponse:
        if asyncio.get_running_loop().time() < self._refuse_until:
            return web.Response(status=503, text="stream unavailable")
        ws = web.WebSocketResponse(timeout=1.0)
        await ws.prepare(request)
        self.connects += 1
        conn = Connection(ws)
        self.connections.add(conn)
        writer = asyncio.create_task(self._write(conn))
        try:
            async for frame in ws:
                if frame.type in (WSMsgType.TEXT, WSMsgType.BINARY):
                    self._on_message(conn, json.loads(frame.data))
        finally:
            self.connections.discard(conn)
            writer.cancel()
        return ws

    def _on_message(self, conn: Connection, msg: dict[str, Any]) -> None:
        action, data = msg.get("action"), msg.get("data") or {}
        if action in ("authenticate", "auth"):  # alpaca-py's form, then Alpaca's documented one
            key = data.get("key_id", msg.get("key"))
            secret = data.get("secret_key", msg.get("secret"))
            conn.authorized = key == self.key and secret == self.secret
            status = "authorized" if conn.authorized else "unauthorized"
            reply = {"stream": "authorization", "data": {"status": status, "action": action}}
            conn.outbox.put_nowait(reply)
        elif action == "listen" and conn.authorized:
            streams = [s for s in data.get("streams", []) if s == "trade_updates"]
            conn.listening = bool(streams)
            conn.outbox.put_nowait({"stream": "listening", "data": {"streams": streams}})

    async def _write(self, conn: Connection) -> None:
        with contextlib.suppress(ConnectionError, RuntimeError):
            while True:
                text = json.dumps(await conn.outbox.get())
                if self.binary_frames:
                    await conn.ws.send_bytes(text.encode())
                else:
                    await conn.ws.send_str(text)
