"""A real server restarted from a snapshot comes back as it was (issue 10 item 8).

What a client can see is compared before and after: every order, positions,
trading state, idempotency (a re-sent client order id is a duplicate of the
stored order) and the stream (a resume from sequence 0 is served from memory
exactly as before).
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import re
from pathlib import Path
from typing import Any

import pytest

from fillgate.app import FillgateServer, create_server
from fillgate.config import config_from_dict
from fillgate.journal.snapshots import list_snapshots
from fillgate_client import AsyncFillgateClient, ExecutionReport, HaltScope

CONFIG = {
    "accounts": {"paper": {"starting_cash": "1000000"}, "desk": {"starting_cash": "500000"}},
    "symbols": {
        "BTC-USD": {"reference_price": "50000", "price_precision": 2, "quantity_precision": 6},
        "ETH-USD": {"reference_price": "3000", "price_precision": 2, "quantity_precision": 5},
    },
}


async def _started(journal: Path, **settings: Any) -> tuple[FillgateServer, AsyncFillgateClient]:
    config = config_from_dict({**CONFIG, "journal": {"path": str(journal), **settings}})
    server = await create_server(config, listen="127.0.0.1:0")
    return server, AsyncFillgateClient(f"127.0.0.1:{server.port}", timeout=10)


async def _seen(client: AsyncFillgateClient) -> dict[str, Any]:
    """Everything a client can read back that a restart must keep."""
    reports = []
    stream = client.stream_fills(from_sequence=0)
    try:
        async with asyncio.timeout(5):
            async for event in stream:
                if isinstance(event, ExecutionReport):
                    reports.append(event)
                    if len(reports) == 6:
                        break
    finally:
        await stream.aclose()
    return {
        "orders": await client.list_orders(),
        "positions": await client.get_positions(include_flat=True),
        "trading": await client.trading_state(),
        # monotonic_ns reads the serving process's clock: a restart (replay or
        # snapshot alike) has no reading for events from before it.
        "first_reports": [dataclasses.replace(r, monotonic_ns=0) for r in reports],
    }


async def _trade(client: AsyncFillgateClient, tag: str) -> None:
    await client.submit_order("paper", "BTC-USD", "buy", "0.5", client_order_id=f"{tag}-1")
    await client.submit_order("desk", "ETH-USD", "sell", "2", client_order_id=f"{tag}-2")
    resting = await client.submit_order(
        "paper", "ETH-USD", "buy", "1", type="limit", limit_price="2900", client_order_id=f"{tag}-3"
    )
    await client.submit_order(
        "desk",
        "BTC-USD",
        "sell",
        "1",
        type="limit",
        limit_price="52000",
        client_order_id=f"{tag}-4",
    )
    await client.cancel_order(order_id=resting.order.order_id)
    await client.set_reference_price("BTC-USD", "50500")


def _replayed(caplog: pytest.LogCaptureFixture) -> tuple[int, int]:
    """(snapshot_seq, records) of the last journal_replayed log event."""
    found = re.findall(r"event=journal_replayed snapshot_seq=(\d+) records=(\d+)", caplog.text)
    return int(found[-1][0]), int(found[-1][1])


async def test_restart_from_snapshot_and_tail_is_identical_and_idempotent(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    journal = tmp_path / "j.log"
    server, client = await _started(journal)
    await _trade(client, "a")
    assert server.snapshotter is not None
    await server.snapshotter.take()
    await _trade(client, "b")  # the tail after the snapshot
    await client.halt(HaltScope.SYMBOL, "ETH-USD", reason="maintenance")
    before = await _seen(client)
    [snapshot] = list_snapshots(journal)
    await client.close()
    server.snapshotter = None  # stop as after a crash: no snapshot at shutdown
    await server.stop(0.5)

    with caplog.at_level(logging.INFO, logger="fillgate.recovery"):
        server, client = await _started(journal)
    try:
        snapshot_seq, tail = _replayed(caplog)
        assert snapshot_seq == snapshot.journal_seq and tail > 0
        assert await _seen(client) == before
        again = await client.submit_order("paper", "BTC-USD", "buy", "0.5", client_order_id="a-1")
        assert again.duplicate
        assert again.order == next(o for o in before["orders"] if o.client_order_id == "a-1")
    finally:
        await client.close()
        await server.stop(0.5)


async def test_restart_after_clean_stop_loads_shutdown_snapshot_with_no_tail(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    journal = tmp_path / "j.log"
    server, client = await _started(journal)
    await _trade(client, "a")
    before = await _seen(client)
    await client.close()
    await server.stop(0.5)
    [snapshot] = list_snapshots(journal)

    with caplog.at_level(logging.INFO, logger="fillgate.recovery"):
        server, client = await _started(journal)
    try:
        assert _replayed(caplog) == (snapshot.journal_seq, 0)
        assert await _seen(client) == before
    finally:
        await client.close()
        await server.stop(0.5)


async def test_server_with_snapshot_every_writes_snapshots_while_serving(tmp_path: Path) -> None:
    journal = tmp_path / "j.log"
    server, client = await _started(journal, snapshot_every=5)
    try:
        await _trade(client, "a")
        for _ in range(40):  # the server checks once a second
            if list_snapshots(journal):
                break
            await asyncio.sleep(0.1)
        [snapshot] = list_snapshots(journal)
        assert snapshot.journal_seq >= 5
    finally:
        await client.close()
        await server.stop(0.5)
