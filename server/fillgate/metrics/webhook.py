"""Alert delivery by HTTP POST of JSON, off the order path.

:meth:`Webhook.offer` puts an alert in a bounded queue and returns at once;
when the queue is full the alert is dropped and counted (the stream, the
journal and the log still have it). One task delivers the queue in order to
every URL, retrying a connection error, a timeout or a 5xx answer with
doubling back-off; a 4xx answer is not retried (the receiver refused it).
URLs are never logged: they may carry a token.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence

import aiohttp

log = logging.getLogger("fillgate.alerts")

BACKOFF_S = 0.5


class Webhook:
    """Delivers JSON bodies to ``urls``; counts what it dropped, delivered and failed."""

    def __init__(
        self,
        urls: Sequence[str],
        *,
        queue_size: int,
        retries: int,
        timeout_s: float,
        backoff_s: float = BACKOFF_S,
    ) -> None:
        self._urls = tuple(urls)
        self._queue: asyncio.Queue[bytes] = asyncio.Queue(max(queue_size, 1))
        self._retries = retries
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._backoff = backoff_s
        self._task: asyncio.Task[None] | None = None
        self.dropped = 0
        self.delivered = 0
        self.failed = 0

    def offer(self, body: bytes) -> bool:
        """Queue one alert for delivery; False (and counted) when the queue is full."""
        try:
            self._queue.put_nowait(body)
        except asyncio.QueueFull:
            self.dropped += 1
            return False
        return True

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        async with aiohttp.ClientSession(timeout=self._timeout) as session:
            while True:
                body = await self._queue.get()
                for index, url in enumerate(self._urls):
                    if await self._post(session, url, body):
                        self.delivered += 1
                    else:
                        self.failed += 1
                        log.warning("event=alert_webhook_failed url_index=%d", index)

    async def _post(self, session: aiohttp.ClientSession, url: str, body: bytes) -> bool:
        headers = {"Content-Type": "application/json"}
        for attempt in range(self._retries + 1):
            if attempt:
                await asyncio.sleep(self._backoff * 2 ** (attempt - 1))
            try:
                async with session.post(url, data=body, headers=headers) as response:
                    if response.status < 300:
                        return True
                    if response.status < 500:
                        return False  # refused: retrying would not help
            except (aiohttp.ClientError, TimeoutError):
                continue
        return False
