"""The queue policy: orders held while XYZ's market (XNYS) is closed, released at the open."""

from __future__ import annotations

from decimal import Decimal as D
from pathlib import Path

from session_helpers import DAY, LIMIT, QUEUE, Harness, Make, et

from fillgate.domain import events as ev
from fillgate.domain.commands import CancelOrder, Halt, OrderRef, ReplaceOrder
from fillgate.domain.enums import (
    ExecType,
    HaltScope,
    OrderState,
    OrderType,
    Side,
    TimeInForce,
    TradingMode,
)
from fillgate.domain.orders import Order
from fillgate.domain.values import ManualClock
from fillgate.journal.codec import decode, encode

SATURDAY = "2026-12-05T03:00"
MONDAY_OPEN = "2026-12-07T09:30"


async def test_submit_while_closed_queues_order_until_next_open(at: Make) -> None:
    h = await at(SATURDAY, sessions=QUEUE)

    order = await h.submit_order(quantity=2)

    assert order.state is OrderState.QUEUED
    assert order.release_ns == et(MONDAY_OPEN)
    assert h.paper.working_count == 0
    assert [r.exec_type for r in h.reports(order.order_id)] == [ExecType.QUEUED]


async def test_queued_order_released_at_open_through_risk_and_filled(at: Make) -> None:
    h = await at(SATURDAY, sessions=QUEUE)
    order = await h.submit_order(quantity=2)

    h.advance_to("2026-12-07T09:29")
    assert await h.engine.held.release_due() == 0
    h.advance_to(MONDAY_OPEN)
    assert await h.engine.held.release_due() == 1

    released = h.order(order.order_id)
    assert released.state is OrderState.FILLED
    kinds = [r.exec_type for r in h.reports(order.order_id)]
    assert kinds[:3] == [ExecType.QUEUED, ExecType.RELEASED, ExecType.NEW]


async def test_queued_order_denied_by_risk_at_release_is_rejected_with_reason(at: Make) -> None:
    h = await at(SATURDAY, sessions=QUEUE, risk={"max_order_quantity": "5"})
    order = await h.submit_order(quantity=10)  # risk judges it only at the open
    assert order.state is OrderState.QUEUED

    h.advance_to(MONDAY_OPEN)
    await h.engine.held.release_due()

    rejected = h.order(order.order_id)
    assert rejected.state is OrderState.REJECTED
    assert rejected.reason.startswith("QUANTITY_EXCEEDS_MAX_PER_ORDER")


async def test_queued_order_halted_at_release_is_rejected(at: Make) -> None:
    h = await at(SATURDAY, sessions=QUEUE)
    order = await h.submit_order()
    await h.parts.kill_switch.halt(
        Halt(scope=HaltScope.ALL, target="", mode=TradingMode.HALTED, reason="drill")
    )

    h.advance_to(MONDAY_OPEN)
    await h.engine.held.release_due()

    assert h.order(order.order_id).state is OrderState.REJECTED


async def test_queued_order_canceled_before_open_is_never_released(at: Make) -> None:
    h = await at(SATURDAY, sessions=QUEUE)
    order = await h.submit_order()

    canceled = await h.engine.cancel(CancelOrder(ref=OrderRef(order_id=order.order_id)))
    h.advance_to(MONDAY_OPEN)
    released = await h.engine.held.release_due()

    assert canceled.state is OrderState.CANCELED
    assert canceled.reason == "canceled while queued"
    assert released == 0
    assert h.paper.working_count == 0


async def test_queued_order_replaced_keeps_queue_with_new_terms(at: Make) -> None:
    h = await at(SATURDAY, sessions=QUEUE)
    order = await h.submit_order(type=LIMIT, limit_price=90, time_in_force=DAY, quantity=2)

    replaced = await h.engine.replace(
        ReplaceOrder(ref=OrderRef(order_id=order.order_id), quantity=D(3), limit_price=D(95))
    )

    assert replaced.state is OrderState.QUEUED
    assert (replaced.quantity, replaced.limit_price) == (D(3), D(95))
    h.advance_to(MONDAY_OPEN)
    await h.engine.held.release_due()
    working = h.order(order.order_id)
    assert (working.state, working.quantity, working.limit_price) == (OrderState.NEW, 3, 95)


async def test_restart_keeps_queued_orders_and_releases_them_at_open(tmp_path: Path) -> None:
    path = tmp_path / "j.log"
    first = await Harness.start(SATURDAY, sessions=QUEUE, journal=path)
    order = await first.submit_order(quantity=2)
    await first.engine.durable()
    await first.stop()

    second = await Harness.start(et(MONDAY_OPEN), sessions=QUEUE, journal=path)
    try:
        replayed = second.order(order.order_id)
        assert (replayed.state, replayed.release_ns) == (OrderState.QUEUED, et(MONDAY_OPEN))
        assert await second.engine.held.release_due() == 1
        assert second.order(order.order_id).state is OrderState.FILLED
    finally:
        await second.stop()


async def test_queued_order_is_not_a_venue_working_order(at: Make) -> None:
    h = await at(SATURDAY, sessions=QUEUE)
    await h.submit_order()

    assert h.engine.open_orders_of("acct-a") == []
    assert h.engine.working_orders() == []
    assert len(h.engine.open_orders()) == 1


def test_journal_codec_queued_and_released_round_trip() -> None:
    clock = ManualClock(et(SATURDAY))

    order = Order(
        order_id="O-1",
        client_order_id="c-1",
        account="a",
        symbol="XYZ",
        side=Side.BUY,
        type=OrderType.MARKET,
        time_in_force=TimeInForce.GTC,
        quantity=D(2),
        venue="paper",
        state=OrderState.QUEUED,
        created_ns=clock.now_ns(),
        updated_ns=clock.now_ns(),
        release_ns=et(MONDAY_OPEN),
    )
    queued = ev.OrderQueued(order_id="O-1", ts_ns=clock.now_ns(), order=order)
    released = ev.OrderReleased(order_id="O-1", ts_ns=et(MONDAY_OPEN))

    assert decode(encode(queued, 1)).event == queued
    assert decode(encode(released, 2)).event == released


async def test_queued_order_cancel_records_who_asked(at: Make) -> None:
    h = await at(SATURDAY, sessions=QUEUE)
    order = await h.submit_order()

    await h.engine.cancel(CancelOrder(ref=OrderRef(order_id=order.order_id), by="alice"))

    requested = [
        r.event for r in h.reports(order.order_id) if isinstance(r.event, ev.OrderCancelRequested)
    ]
    assert [e.by for e in requested] == ["alice"]
    assert h.order(order.order_id).state is OrderState.CANCELED
