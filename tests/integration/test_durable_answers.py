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


async def test_submit_answer_waits_for_its_own_batch_not_for_later_batches_of_other_orders(
    client: AsyncFillgateClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    await client.submit_order("paper", "BTC-USD", "buy", "0.1", client_order_id="warm")
    syncs = threading.Semaphore(0)  # each release lets one commit sync through
    real = os.fdatasync

    def one_at_a_time(fd: int) -> None:
        syncs.acquire(timeout=10)
        real(fd)

    monkeypatch.setattr(os, "fdatasync", one_at_a_time)
    try:
        first = asyncio.ensure_future(
            client.submit_order("paper", "BTC-USD", "buy", "0.1", client_order_id="c-1")
        )
        await asyncio.sleep(0.2)  # c-1's batch is written; its sync waits
        second = asyncio.ensure_future(
            client.submit_order("paper", "BTC-USD", "sell", "0.1", client_order_id="c-2")
        )
        await asyncio.sleep(0.2)  # c-2's batch is written too, behind c-1's sync
        syncs.release()  # c-1's batch is durable; c-2's is not
        assert await _answered_within(first, 2), "c-1 waited for a later order's batch"
        assert not second.done()
    finally:
        for _ in range(10):
            syncs.release()
    assert (await second).order.client_order_id == "c-2"
