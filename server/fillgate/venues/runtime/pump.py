"""The stream pump: keep the driver's report stream running, and backfill around its gaps.

After every (re)connect the stream may have missed events, so the pump
backfills over REST; while the stream is down a poller backfills every
``poll_interval_s``. A stream that fails is restarted after a backoff.
"""

from __future__ import annotations

import asyncio
import logging

from fillgate.venues.errors import redact
from fillgate.venues.runtime.context import VenueContext
from fillgate.venues.runtime.sync import Backfill
from fillgate.venues.types import StreamStatus

log = logging.getLogger("fillgate.venues")


class StreamPump:
    """The stream and poll tasks of one account."""

    def __init__(self, ctx: VenueContext, backfill: Backfill) -> None:
        self._ctx = ctx
        self._backfill = backfill
        self._tasks: list[asyncio.Task[None]] = []
        #: The driver's stream last said it was up (and has not failed since).
        self.up = False

    def start(self) -> None:
        account = self._ctx.account
        self._tasks = [
            asyncio.create_task(self._pump(), name=f"venue-stream-{account}"),
            asyncio.create_task(self._poll(), name=f"venue-poll-{account}"),
        ]

    def take_tasks(self) -> list[asyncio.Task[None]]:
        """Hand over the running tasks (to be cancelled at close) and forget them."""
        tasks, self._tasks = self._tasks, []
        return tasks

    async def _pump(self) -> None:
        ctx = self._ctx
        attempt = 0
        while True:
            try:
                await ctx.ensure_open()
                async for item in ctx.driver.stream():
                    if isinstance(item, StreamStatus):
                        await self._on_status(item)
                        attempt = 0
                    else:
                        ctx.legs.apply(item)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                failure = ctx.caller.classify(exc)
                log.warning(
                    "event=venue_stream_failed account=%s kind=%s detail=%r",
                    ctx.account,
                    failure.kind.value,
                    failure.message,
                )
            self.up = False
            await asyncio.sleep(ctx.backoff.delay(attempt))
            attempt += 1

    async def _on_status(self, status: StreamStatus) -> None:
        self.up = status.up
        log.info(
            "event=venue_stream_%s account=%s detail=%r",
            "up" if status.up else "down",
            self._ctx.account,
            redact(status.detail, self._ctx.driver.secrets),
        )
        if status.up:
            await self._backfill.sync_quietly("stream_reconnect")

    async def _poll(self) -> None:
        """While the stream is down, backfill every poll interval; while it is up, read the
        stops the venue trails itself (their moves are not streamed)."""
        while True:
            await asyncio.sleep(self._ctx.settings.poll_interval_s)
            if not self.up:
                await self._backfill.sync_quietly("poll")
            else:
                await self._backfill.refresh_trailed()
