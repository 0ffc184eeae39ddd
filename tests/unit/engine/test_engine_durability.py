"""Durable before answered: no answer may name state that a crash could take back.

The journal's fsync is held on a gate here, so the window in which an event
is applied but not yet durable stays open as long as a test needs: a first
submit, cancel or replace waits in it, and its concurrent twin must wait too.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from fillgate.domain.commands import CancelOrder, OrderRef, ReplaceOrder
from fillgate.domain.enums import OrderType


class FsyncGate:
    """Hold every fsync of the journal's worker thread until opened."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self._open = threading.Event()
        self._open.set()
        real: Callable[[int], None] = os.fdatasync

        def gated(fd: int) -> None:
            self._open.wait(10)
            real(fd)

        monkeypatch.setattr(os, "fdatasync", gated)

    def close(self) -> None:
        self._open.clear()

    def open(self) -> None:
        self._open.set()


@pytest.fixture
def gate(monkeypatch: pytest.MonkeyPatch) -> FsyncGate:
    return FsyncGate(monkeypatch)


@pytest.fixture
async def journaled(make_harness: Any, tmp_path: Any, gate: FsyncGate) -> Any:
    """A harness whose engine journals to a file behind the fsync gate."""
    harness = await make_harness(journal=tmp_path / "journal.log")
    yield harness
    gate.open()


async def _still_waiting(task: asyncio.Task[object]) -> bool:
    for _ in range(20):
        await asyncio.sleep(0.005)
    return not task.done()


async def test_duplicate_submit_while_first_is_not_durable_waits_for_the_journal(
    journaled: Any, gate: FsyncGate
) -> None:
    cmd = journaled.command()
    gate.close()
    first = asyncio.ensure_future(journaled.engine.submit(cmd))
    await asyncio.sleep(0)
    duplicate = asyncio.ensure_future(journaled.engine.submit(cmd))
    assert await _still_waiting(duplicate), "a duplicate was answered before the order was durable"
    gate.open()
    a, b = await asyncio.gather(first, duplicate)
    assert b.duplicate and b.order.order_id == a.order.order_id


async def test_repeated_cancel_while_first_is_not_durable_waits_for_the_journal(
    journaled: Any, gate: FsyncGate
) -> None:
    order = await journaled.submit_order(type=OrderType.LIMIT, limit_price=Decimal(90))
    gate.close()
    ref = OrderRef(order_id=order.order_id)
    first = asyncio.ensure_future(journaled.engine.cancel(CancelOrder(ref=ref)))
    await asyncio.sleep(0)
    repeat = asyncio.ensure_future(journaled.engine.cancel(CancelOrder(ref=ref)))
    assert await _still_waiting(repeat), "a repeated cancel was answered before it was durable"
    gate.open()
    await asyncio.gather(first, repeat)


async def test_repeated_replace_while_first_is_not_durable_waits_for_the_journal(
    journaled: Any, gate: FsyncGate
) -> None:
    order = await journaled.submit_order(type=OrderType.LIMIT, limit_price=Decimal(90))
    gate.close()
    cmd = ReplaceOrder(ref=OrderRef(order_id=order.order_id), limit_price=Decimal(91))
    first = asyncio.ensure_future(journaled.engine.replace(cmd))
    await asyncio.sleep(0)
    repeat = asyncio.ensure_future(journaled.engine.replace(cmd))
    assert await _still_waiting(repeat), "a repeated replace was answered before it was durable"
    gate.open()
    await asyncio.gather(first, repeat)
