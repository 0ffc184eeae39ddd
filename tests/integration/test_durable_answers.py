"""Every answer of every RPC waits until the state it shows is durable.

The journal's fsync is held on a gate, so an order is applied (and visible to
the engine) but not yet durable; a read in that window must not answer.
"""

from __future__ import annotations

import asyncio
import os
import threading

import pytest

from fillgate_client import AsyncFillgateClient


@pytest.fixture
def fsync_gate(monkeypatch: pytest.MonkeyPatch) -> threading.Event:
    gate = threading.Event()
    gate.set()
    real = os.fdatasync

    def gated(fd: int) -> None:
        gate.wait(10)
        real(fd)

    monkeypatch.setattr(os, "fdatasync", gated)
    yield gate
    gate.set()


async def _answered_within(call: asyncio.Future[object], seconds: float) -> bool:
    done, _ = await asyncio.wait({call}, timeout=seconds)
    return bool(done)


async def test_get_order_while_its_accept_is_not_durable_waits_for_the_journal(
    client: AsyncFillgateClient, fsync_gate: threading.Event
) -> None:
    await client.submit_order("paper", "BTC-USD", "buy", "0.1", client_order_id="warm")
    fsync_gate.clear()
    submit = asyncio.ensure_future(
        client.submit_order("paper", "BTC-USD", "buy", "0.1", client_order_id="g-1")
    )
    await asyncio.sleep(0.1)
    read = asyncio.ensure_future(client.get_order(account="paper", client_order_id="g-1"))
    assert not await _answered_within(read, 0.3), "GetOrder showed an order not yet durable"
    fsync_gate.set()
    first, order = await asyncio.gather(submit, read)
    assert order.order_id == first.order.order_id


async def test_get_positions_while_a_fill_is_not_durable_waits_for_the_journal(
    client: AsyncFillgateClient, fsync_gate: threading.Event
) -> None:
    fsync_gate.clear()
    submit = asyncio.ensure_future(client.submit_order("paper", "BTC-USD", "buy", "0.2"))
    await asyncio.sleep(0.1)
    read = asyncio.ensure_future(client.get_positions("paper"))
    assert not await _answered_within(read, 0.3), "GetPositions showed a fill not yet durable"
    fsync_gate.set()
    await asyncio.gather(submit, read)
