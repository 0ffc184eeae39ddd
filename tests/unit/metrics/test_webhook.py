"""Alert webhook delivery against a local HTTP receiver."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest_asyncio
from aiohttp import web

from fillgate.metrics.webhook import Webhook


class Receiver:
    """A local HTTP endpoint that answers the given statuses in turn, then 200."""

    def __init__(self) -> None:
        self.bodies: list[bytes] = []
        self.statuses: list[int] = []
        self.url = ""
        self.got = asyncio.Event()

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        status = self.statuses.pop(0) if self.statuses else 200
        if status == 200:
            assert request.headers["Content-Type"] == "application/json"
            self.bodies.append(body)
            self.got.set()
        return web.Response(status=status)


@pytest_asyncio.fixture
async def receiver() -> AsyncIterator[Receiver]:
    r = Receiver()
    app = web.Application()
    app.router.add_post("/hook", r.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    r.url = f"http://127.0.0.1:{port}/hook"
    yield r
    await runner.cleanup()


def hook(url: str, **kw: object) -> Webhook:
    options: dict[str, object] = {"queue_size": 10, "retries": 3, "timeout_s": 2, "backoff_s": 0.01}
    return Webhook([url], **{**options, **kw})  # type: ignore[arg-type]


async def wait_for(condition, timeout: float = 5.0) -> None:  # type: ignore[no-untyped-def]
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.01)


async def test_webhook_posts_json_body(receiver):
    w = hook(receiver.url)
    w.start()
    assert w.offer(b'{"kind":"SLIPPAGE"}')
    await wait_for(lambda: w.delivered == 1)
    await w.stop()
    assert receiver.bodies == [b'{"kind":"SLIPPAGE"}']


async def test_webhook_server_error_is_retried_until_delivered(receiver):
    receiver.statuses = [500, 503]
    w = hook(receiver.url)
    w.start()
    w.offer(b"{}")
    await wait_for(lambda: w.delivered == 1)
    await w.stop()
    assert (w.delivered, w.failed, len(receiver.bodies)) == (1, 0, 1)


async def test_webhook_client_error_is_not_retried(receiver):
    receiver.statuses = [400]
    w = hook(receiver.url)
    w.start()
    w.offer(b"{}")
    await wait_for(lambda: w.failed == 1)
    await w.stop()
    assert receiver.bodies == [] and receiver.statuses == []


async def test_webhook_unreachable_gives_up_after_retries():
    w = hook("http://127.0.0.1:9/hook", retries=2)  # the discard port: nothing listens
    w.start()
    w.offer(b"{}")
    await wait_for(lambda: w.failed == 1)
    await w.stop()
    assert w.delivered == 0


async def test_webhook_full_queue_drops_without_blocking(receiver):
    w = hook(receiver.url, queue_size=2)  # not started: nothing drains the queue
    results = [w.offer(b"{}") for _ in range(5)]
    assert results == [True, True, False, False, False]
    assert w.dropped == 3
