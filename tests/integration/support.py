"""Helpers the integration tests share: the base config and a background stream reader.

Test modules import these from here (``from support import CONFIG, StreamReader``),
never from ``conftest``: with more than one test directory selected, ``conftest``
names whichever directory's conftest pytest loaded last.
"""

from __future__ import annotations

import asyncio

from fillgate_client import AsyncFillgateClient, ExecutionReport

CONFIG = {
    "accounts": {"paper": {"starting_cash": "1000000"}, "alpha": {"starting_cash": "50000"}},
    "symbols": {
        "BTC-USD": {"reference_price": "50000", "price_precision": 2, "quantity_precision": 6},
        "ETH-USD": {"reference_price": "3000", "price_precision": 2, "quantity_precision": 5},
    },
}


class StreamReader:
    """Consume a fill stream in the background and collect what arrives."""

    def __init__(self, client: AsyncFillgateClient, **kwargs: object) -> None:
        self.events: list[object] = []
        self._stream = client.stream_fills(**kwargs)  # type: ignore[arg-type]
        self._task: asyncio.Task[None] | None = None
        self._new = asyncio.Event()
        self._stopped = False

    async def start(self) -> StreamReader:
        first = await anext(self._stream)  # the SubscriptionAck: the stream is live
        self.events.append(first)
        self._task = asyncio.ensure_future(self._run())
        return self

    async def _run(self) -> None:
        async for event in self._stream:
            self.events.append(event)
            self._new.set()

    @property
    def reports(self) -> list[ExecutionReport]:
        return [e for e in self.events if isinstance(e, ExecutionReport)]

    async def wait_for(self, predicate, timeout: float = 5.0) -> list[object]:  # type: ignore[no-untyped-def]
        async with asyncio.timeout(timeout):
            while not predicate(self):
                self._new.clear()
                await self._new.wait()
        return self.events

    async def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        await self._stream.aclose()
