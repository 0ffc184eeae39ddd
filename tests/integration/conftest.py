"""A real fillgate server on an ephemeral port, and a typed client for it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest_asyncio

from fillgate.app import FillgateServer, create_server
from fillgate.config import config_from_dict
from fillgate_client import AsyncFillgateClient, ExecutionReport

CONFIG = {
    "accounts": {"paper": {"starting_cash": "1000000"}, "alpha": {"starting_cash": "50000"}},
    "symbols": {
        "BTC-USD": {"reference_price": "50000", "price_precision": 2, "quantity_precision": 6},
        "ETH-USD": {"reference_price": "3000", "price_precision": 2, "quantity_precision": 5},
    },
}


@pytest_asyncio.fixture
async def server(tmp_path) -> AsyncIterator[FillgateServer]:  # type: ignore[no-untyped-def]
    # Admission control off: a loaded CI machine must not shed these tests' calls
    # (test_admission.py and test_overload.py test shedding on their own servers).
    config = config_from_dict(
        {
            **CONFIG,
            "journal": {"path": str(tmp_path / "journal.log")},
            "server": {
                "admission_max_in_flight_orders": 0,
                "admission_max_loop_lag_ms": 0,
                "admission_max_queue_delay_ms": 0,
            },
        }
    )
    running = await create_server(config, listen="127.0.0.1:0")
    try:
        yield running
    finally:
        await running.stop(grace=0.5)


@pytest_asyncio.fixture
async def client(server: FillgateServer) -> AsyncIterator[AsyncFillgateClient]:
    async with AsyncFillgateClient(f"127.0.0.1:{server.port}", timeout=10) as c:
        yield c


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


@pytest_asyncio.fixture
async def open_stream(client: AsyncFillgateClient):  # type: ignore[no-untyped-def]
    """Factory: ``reader = await open_stream(accounts=[...])``; readers stop at teardown."""
    readers: list[StreamReader] = []

    async def make(**kwargs: object) -> StreamReader:
        reader = await StreamReader(client, **kwargs).start()
        readers.append(reader)
        return reader

    yield make
    for reader in readers:
        await reader.stop()
