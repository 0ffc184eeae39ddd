"""OCO, OUO and OTO order lists on the paper venue."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from fillgate.contingent.order_list import Leg
from fillgate.contingent.spec import role_of
from fillgate.domain.enums import OrderState, OrderType, Side, TimeInForce
from fillgate.domain.errors import InvalidArgument

GTC = TimeInForce.GTC


def _leg(side=Side.SELL, kind=OrderType.LIMIT, quantity="2", limit=None, stop=None) -> Leg:
    return Leg(side, kind, D(quantity), GTC, D(limit) if limit else None, D(stop) if stop else None)


async def _list(harness, kind: str, legs: list[Leg], **first):
    fields = {"side": Side.SELL, "quantity": 2, "type": OrderType.LIMIT, "limit_price": 110}
    fields.update(first)
    placed = await harness.parts.brackets.submit_list(kind, harness.command(**fields), legs)
    return placed.list_id


def _legs(harness, list_id):
    found = harness.parts.brackets.get(list_id)
    return {1: found.entry} | {int(role_of(m)[1][4:]): m for m in found.members}


async def _move(harness, price):
    harness.price(price)
    await harness.parts.brackets.settle()


async def test_oco_places_every_leg(harness):
    await harness.build_position(2)
    list_id = await _list(harness, "oco", [_leg(kind=OrderType.STOP, stop=95)])

    legs = _legs(harness, list_id)

    assert [legs[n].state for n in (1, 2)] == [OrderState.NEW, OrderState.NEW]
    assert legs[2].type is OrderType.STOP and legs[2].stop_price == D(95)


async def test_oco_fill_of_one_leg_cancels_the_other(harness):
    await harness.build_position(2)
    list_id = await _list(harness, "oco", [_leg(kind=OrderType.STOP, stop=95)])

    await _move(harness, 110)

    legs = _legs(harness, list_id)
    assert (legs[1].state, legs[2].state) == (OrderState.FILLED, OrderState.CANCELED)
    assert harness.parts.brackets.get(list_id).state == "DONE"
    assert harness.position() == 0


async def test_oco_second_leg_filling_first_cancels_the_first(harness):
    await harness.build_position(2)
    list_id = await _list(harness, "oco", [_leg(kind=OrderType.STOP, stop=95)])

    await _move(harness, 94)

    legs = _legs(harness, list_id)
    assert (legs[1].state, legs[2].state) == (OrderState.CANCELED, OrderState.FILLED)


async def test_ouo_partial_fill_reduces_the_other_leg(make_harness):
    harness = await make_harness(liquidity={"XYZ": "1"})
    await harness.build_position(1)
    await _move(harness, 100)
    await harness.build_position(1)
    list_id = await _list(harness, "ouo", [_leg(kind=OrderType.STOP, stop=95)])

    await _move(harness, 110)  # one unit of leg 1 fills (liquidity 1 per price level)

    legs = _legs(harness, list_id)
    assert legs[1].filled_quantity == D(1)
    assert (legs[2].quantity, legs[2].state) == (D(1), OrderState.NEW)


async def test_ouo_full_fill_cancels_the_other_leg(harness):
    await harness.build_position(2)
    list_id = await _list(harness, "ouo", [_leg(kind=OrderType.STOP, stop=95)])

    await _move(harness, 110)

    assert _legs(harness, list_id)[2].state is OrderState.CANCELED


async def test_list_canceled_first_leg_without_fills_ends_canceled_when_all_are_gone(harness):
    await harness.build_position(2)
    list_id = await _list(harness, "oco", [_leg(kind=OrderType.STOP, stop=95)])
    legs = _legs(harness, list_id)

    await harness.cancel(legs[1].order_id)
    await harness.cancel(legs[2].order_id)
    await harness.parts.brackets.settle()

    assert harness.parts.brackets.get(list_id).state == "CANCELED"


async def test_list_bad_leg_raises_invalid_argument_naming_it_and_places_nothing(harness):
    with pytest.raises(InvalidArgument) as info:
        await _list(harness, "oco", [_leg(kind=OrderType.STOP)])  # a stop without its price

    assert [f for f, _ in info.value.violations] == ["legs[1].stop_price"]
    assert harness.order_count() == 0


async def test_list_unknown_kind_raises_invalid_argument(harness):
    with pytest.raises(InvalidArgument) as info:
        await _list(harness, "xyz", [_leg()])

    assert [f for f, _ in info.value.violations] == ["contingency"]


async def test_oto_children_wait_for_the_first_leg_to_fill(harness):
    list_id = await _list(
        harness, "oto", [_leg(kind=OrderType.STOP, stop=90)], side=Side.BUY, limit_price=95
    )

    assert harness.parts.brackets.get(list_id).members == ()


async def test_oto_first_leg_fill_places_the_children(harness):
    list_id = await _list(
        harness, "oto", [_leg(kind=OrderType.STOP, stop=90)], side=Side.BUY, limit_price=95
    )

    await _move(harness, 95)

    legs = _legs(harness, list_id)
    assert (legs[2].quantity, legs[2].state, legs[2].stop_price) == (D(2), OrderState.NEW, D(90))


async def test_oto_partial_first_leg_fills_size_and_grow_the_children(make_harness):
    harness = await make_harness(liquidity={"XYZ": "1"})
    list_id = await _list(
        harness, "oto", [_leg(kind=OrderType.STOP, stop=90)], side=Side.BUY, limit_price=95
    )

    await _move(harness, 95)  # one of two fills
    first = _legs(harness, list_id)[2].quantity
    await _move(harness, "94.5")  # the second

    assert (first, _legs(harness, list_id)[2].quantity) == (D(1), D(2))


async def test_oto_first_leg_canceled_before_a_fill_places_nothing(harness):
    list_id = await _list(
        harness, "oto", [_leg(kind=OrderType.STOP, stop=90)], side=Side.BUY, limit_price=95
    )

    await harness.cancel(list_id)
    await harness.parts.brackets.settle()

    assert harness.parts.brackets.get(list_id).state == "CANCELED"
    assert harness.parts.brackets.get(list_id).members == ()


async def test_oco_cancel_of_one_leg_cancels_the_others(harness):
    await harness.build_position(2)
    list_id = await _list(harness, "oco", [_leg(kind=OrderType.STOP, stop=95)])

    await harness.cancel(list_id)
    await harness.parts.brackets.settle()

    legs = _legs(harness, list_id)
    assert (legs[1].state, legs[2].state) == (OrderState.CANCELED, OrderState.CANCELED)
    assert harness.parts.brackets.get(list_id).state == "CANCELED"
    assert harness.position() == 2
