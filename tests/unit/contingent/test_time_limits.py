"""Order time limits: expire_time (good-till-date) and expire_after, on the injected clock."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from fillgate.app import build
from fillgate.config import config_from_dict
from fillgate.domain import events as ev
from fillgate.domain.commands import SubmitOrder
from fillgate.domain.enums import OrderState, OrderType, Side, TimeInForce
from fillgate.domain.errors import AlreadyExists, InvalidArgument
from fillgate.domain.orders import Order
from fillgate.domain.values import ManualClock
from fillgate.engine.recovery import rebuild
from fillgate.journal.codec import decode, encode
from fillgate.journal.journal import FsyncPolicy, Journal

S = 1_000_000_000
CONFIG = {
    "accounts": {"acct-a": {}},
    "symbols": {"XYZ": {"reference_price": "100", "price_precision": 2, "quantity_precision": 4}},
}
REST = {"side": Side.BUY, "type": OrderType.LIMIT, "limit_price": 90}


async def _due(harness, seconds: float):
    """Move the clock, run the due expiries and wait for their cancels."""
    harness.parts.clock.advance(int(seconds * S))
    expired = harness.parts.expiries.run_due()
    await harness.parts.expiries.settle()
    return expired


async def test_expire_after_keeps_order_open_before_its_time(harness):
    order = await harness.submit_order(**REST, expire_after_ns=60 * S)

    await _due(harness, 59.999)

    assert harness.order(order.order_id).state is OrderState.NEW


async def test_expire_after_ends_order_when_time_runs_out(harness):
    order = await harness.submit_order(**REST, expire_after_ns=60 * S)

    assert await _due(harness, 60) == [order.order_id]

    assert harness.order(order.order_id).state is OrderState.CANCELED
    assert harness.paper.working_count == 0


async def test_expire_time_ends_order_at_that_wall_clock_time(harness):
    at = harness.parts.clock.now_ns() + 5 * S
    order = await harness.submit_order(**REST, expire_time_ns=at)

    await _due(harness, 5)

    assert harness.order(order.order_id).state is OrderState.CANCELED


async def test_expire_time_and_after_the_earlier_wins(harness):
    at = harness.parts.clock.now_ns() + 100 * S
    order = await harness.submit_order(**REST, expire_time_ns=at, expire_after_ns=10 * S)

    assert harness.order(order.order_id).expires_ns == order.created_ns + 10 * S
    await _due(harness, 10)

    assert harness.order(order.order_id).state is OrderState.CANCELED


async def test_expire_after_filled_order_is_left_alone(harness):
    order = await harness.submit_order(**REST, expire_after_ns=60 * S)
    harness.price(90)

    await _due(harness, 61)

    assert harness.order(order.order_id).state is OrderState.FILLED


async def test_expire_time_in_the_past_raises_invalid_argument_on_expire_time(harness):
    with pytest.raises(InvalidArgument) as info:
        await harness.submit(**REST, expire_time_ns=harness.parts.clock.now_ns())

    assert [f for f, _ in info.value.violations] == ["expire_time"]
    assert harness.order_count() == 0


async def test_expire_after_on_ioc_raises_invalid_argument_on_expire_after(harness):
    with pytest.raises(InvalidArgument) as info:
        await harness.submit(**REST, time_in_force=TimeInForce.IOC, expire_after_ns=S)

    assert [f for f, _ in info.value.violations] == ["expire_after"]


async def test_expire_after_repeat_with_other_limit_is_a_different_order(harness):
    await harness.submit(**REST, client_order_id="same", expire_after_ns=60 * S)

    with pytest.raises(AlreadyExists) as info:
        await harness.submit(**REST, client_order_id="same", expire_after_ns=30 * S)

    assert info.value.reason == "CLIENT_ORDER_ID_REUSED"


def test_time_limits_round_trip_through_the_journal_codec():
    order = Order(
        order_id="O-1",
        client_order_id="c",
        account="acct-a",
        symbol="XYZ",
        side=Side.BUY,
        type=OrderType.LIMIT,
        time_in_force=TimeInForce.GTC,
        quantity=Decimal(1),
        limit_price=Decimal(90),
        created_ns=5,
        updated_ns=5,
        expire_time_ns=123 * S,
        expire_after_ns=7 * S,
    )

    record = decode(encode(ev.OrderAccepted(order_id="O-1", ts_ns=5, order=order), 1))

    assert record.event.order.expire_time_ns == 123 * S
    assert record.event.order.expire_after_ns == 7 * S


async def test_expire_after_survives_restart_and_ends_order_due_while_down(tmp_path: Path):
    path = tmp_path / "journal"
    journal = Journal(path, FsyncPolicy.NEVER)
    list(journal.open())
    journal.start()
    clock = ManualClock()
    parts = build(config_from_dict(CONFIG), clock=clock, journal=journal)
    await parts.engine.start()
    submitted = await parts.engine.submit(
        SubmitOrder(
            account="acct-a",
            symbol="XYZ",
            side=Side.BUY,
            quantity=Decimal(1),
            type=OrderType.LIMIT,
            limit_price=Decimal(90),
            time_in_force=TimeInForce.GTC,
            client_order_id="c-1",
            expire_after_ns=60 * S,
        )
    )
    order = submitted.order
    await parts.engine.stop()
    await journal.close()

    journal = Journal(path, FsyncPolicy.NEVER)
    later = ManualClock(clock.now_ns() + 61 * S)
    parts = build(config_from_dict(CONFIG), clock=later, journal=journal)
    rebuild(parts.engine, journal)
    journal.start()
    await parts.engine.start()  # re-arms the deadline: already past, so it ends at once
    assert parts.expiries is not None
    await parts.expiries.settle()
    try:
        assert parts.engine.order(order.order_id).state is OrderState.CANCELED
    finally:
        await parts.engine.stop()
        await journal.close()
