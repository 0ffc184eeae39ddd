"""A real fillgate server on an ephemeral port, and a typed client for it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio
from support import CONFIG, StreamReader

from fillgate.app import FillgateServer, create_server
from fillgate.config import config_from_dict
from fillgate_client import AsyncFillgateClient


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
