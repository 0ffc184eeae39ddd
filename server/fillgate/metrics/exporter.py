"""The ``/metrics`` endpoint: aiohttp on the server's own event loop.

prometheus_client's own HTTP server runs in a thread, which would read the
engine's objects while the loop changes them; here a scrape runs on the loop,
between two events, like any other reader.
"""

from __future__ import annotations

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest


class Exporter:
    """Serves ``GET /metrics`` for ``registry`` on ``host:port`` (port 0 = any free)."""

    def __init__(self, registry: CollectorRegistry, listen: str) -> None:
        self._registry = registry
        host, _, port = listen.rpartition(":")
        self._host = host.strip("[]") or "127.0.0.1"
        self._port = int(port)
        self._runner: web.AppRunner | None = None
        self.port = 0

    async def _metrics(self, request: web.Request) -> web.Response:
        body = generate_latest(self._registry)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/metrics", self._metrics)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self._host, self._port)
        await site.start()
        server = site._server
        sockets = getattr(server, "sockets", None) or ()
        self.port = sockets[0].getsockname()[1] if sockets else self._port

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
