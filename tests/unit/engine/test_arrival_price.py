"""Arrival price: the symbol's mid at acceptance, kept through the journal and snapshots."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from fillgate.domain import events as ev
from fillgate.domain.enums import OrderType
from fillgate.engine import snapshot_load
from fillgate.engine.snapshot import _order_row
from fillgate.journal.codec import decode_row, encode_row


async def test_arrival_price_accepted_order_carries_reference_price(harness):
    order = await harness.submit_order(type=OrderType.LIMIT, limit_price=99)
    assert order.arrival_price == D(100)


async def test_arrival_price_follows_reference_price_move(harness):
    harness.price("101.25")
    order = await harness.submit_order(type=OrderType.LIMIT, limit_price=99)
    assert order.arrival_price == D("101.25")


async def test_arrival_price_journal_record_round_trips_in_trailing_object(harness):
    order = await harness.submit_order(type=OrderType.LIMIT, limit_price=99)
    row = encode_row(ev.OrderAccepted(order_id=order.order_id, ts_ns=1, order=order), 1)
    assert set(row[-1]) == {"md.arrival_price"}
    assert D(row[-1]["md.arrival_price"]) == D(100)
    decoded = decode_row(row).event
    assert decoded.order.arrival_price == D(100)


async def test_arrival_price_old_journal_record_without_object_decodes_as_none(harness):
    order = await harness.submit_order(type=OrderType.LIMIT, limit_price=99)
    row = encode_row(ev.OrderAccepted(order_id=order.order_id, ts_ns=1, order=order), 1)
    old = row[:-1]  # as written before arrival_price existed
    assert decode_row(old).event.order.arrival_price is None


async def test_arrival_price_snapshot_row_round_trips_and_old_row_loads_as_none(harness):
    order = await harness.submit_order(type=OrderType.LIMIT, limit_price=99)
    row = _order_row(order)
    values = snapshot_load._Values()
    assert snapshot_load._order_from(row, values) == order
    # A row written before arrival prices and sessions (24 fields) loads as unknown.
    assert snapshot_load._order_from(row[:24], values).arrival_price is None


async def test_arrival_price_snapshot_row_of_other_length_is_refused(harness):
    order = await harness.submit_order(type=OrderType.LIMIT, limit_price=99)
    row = _order_row(order)
    with pytest.raises(ValueError):  # the caller falls back to a full replay
        snapshot_load._order_from(row[:26], snapshot_load._Values())


async def test_arrival_price_shares_the_one_trailing_object_with_auth_by(harness):
    order = await harness.submit_order(type=OrderType.LIMIT, limit_price=99)
    event = ev.OrderAccepted(order_id=order.order_id, ts_ns=1, order=order, by="alice")
    row = encode_row(event, 1)
    assert set(row[-1]) == {"md.arrival_price", "auth.by"}
    assert (D(row[-1]["md.arrival_price"]), row[-1]["auth.by"]) == (D(100), "alice")
    assert not isinstance(row[-2], dict)  # one trailing object, not two
    decoded = decode_row(row).event
    assert (decoded.order.arrival_price, decoded.by) == (D(100), "alice")
