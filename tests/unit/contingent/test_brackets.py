"""Brackets on the paper venue: arming on the entry fill, ladders, OCO, partial fills, cancel."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from fillgate.contingent.spec import BracketSpec, Exit, ExitKind, TakeProfit, role_of
from fillgate.domain.enums import OrderState, OrderType, Side
from fillgate.domain.errors import InvalidArgument

OFFSET, PERCENT, PRICE = ExitKind.OFFSET, ExitKind.PERCENT, ExitKind.PRICE


def _spec(stop=(OFFSET, "5"), *rungs) -> BracketSpec:
    tps = tuple(
        TakeProfit(Exit(k, D(v)), fraction=D(f) if f else None, quantity=D(q) if q else None)
        for k, v, f, q in rungs
    )
    return BracketSpec(Exit(stop[0], D(stop[1])), tps)


async def _bracket(harness, spec: BracketSpec, **overrides):
    cmd = harness.command(**overrides)
    placed = await harness.parts.brackets.submit(cmd, spec)
    return placed.list_id


def _members(harness, list_id):
    return harness.parts.brackets.get(list_id).members


def _by_role(harness, list_id, role):
    return [m for m in _members(harness, list_id) if role_of(m)[1] == role]


async def _settle(harness):
    await harness.parts.brackets.settle()


async def test_bracket_market_entry_arms_stop_at_offset_below_fill_price(harness):
    list_id = await _bracket(harness, _spec((OFFSET, "5")), quantity=2)

    (stop,) = _by_role(harness, list_id, "sl")
    assert (stop.type, stop.side, stop.stop_price, stop.quantity) == (
        OrderType.STOP,
        Side.SELL,
        D(95),
        D(2),
    )
    assert stop.reduce_only and stop.state is OrderState.NEW


async def test_bracket_take_profit_ladder_by_fraction_at_percent_targets(harness):
    spec = _spec((OFFSET, "5"), (PERCENT, "1", "0.5", None), (PERCENT, "2", "0.5", None))

    list_id = await _bracket(harness, spec, quantity=4)

    tps = [_by_role(harness, list_id, f"tp.{i}")[0] for i in (1, 2)]
    assert [(t.limit_price, t.quantity) for t in tps] == [(D(101), D(2)), (D(102), D(2))]


async def test_bracket_take_profit_fill_shrinks_stop_to_what_is_still_open(harness):
    spec = _spec((OFFSET, "5"), (OFFSET, "1", "0.5", None), (OFFSET, "2", "0.5", None))
    list_id = await _bracket(harness, spec, quantity=4)

    harness.price(101)
    await _settle(harness)

    (stop,) = _by_role(harness, list_id, "sl")
    assert stop.quantity == D(2)
    assert harness.position() == D(2)


async def test_bracket_stop_fill_cancels_take_profits_and_ends_list(harness):
    spec = _spec((OFFSET, "5"), (OFFSET, "10", "1", None))
    list_id = await _bracket(harness, spec, quantity=3)

    harness.price(94)
    await _settle(harness)

    (tp,) = _by_role(harness, list_id, "tp.1")
    assert tp.state is OrderState.CANCELED
    assert harness.position() == 0
    assert harness.parts.brackets.get(list_id).state == "DONE"


async def test_bracket_full_ladder_fill_cancels_stop(harness):
    spec = _spec((OFFSET, "5"), (OFFSET, "1", "0.5", None), (OFFSET, "2", "0.5", None))
    list_id = await _bracket(harness, spec, quantity=4)

    harness.price(102)
    await _settle(harness)

    (stop,) = _by_role(harness, list_id, "sl")
    assert stop.state is OrderState.CANCELED
    assert harness.position() == 0


async def test_bracket_limit_entry_arms_nothing_before_its_fill(harness):
    list_id = await _bracket(
        harness, _spec((OFFSET, "5")), quantity=2, type=OrderType.LIMIT, limit_price=98
    )

    assert _members(harness, list_id) == ()
    assert harness.parts.brackets.get(list_id).state == "ACTIVE"


async def test_bracket_limit_entry_fill_arms_from_its_fill_price(harness):
    list_id = await _bracket(
        harness, _spec((PERCENT, "10")), quantity=2, type=OrderType.LIMIT, limit_price=98
    )

    harness.price(98)
    await _settle(harness)

    (stop,) = _by_role(harness, list_id, "sl")
    assert stop.stop_price == D("88.20")


async def test_bracket_canceled_entry_without_fill_ends_list_canceled(harness):
    list_id = await _bracket(
        harness, _spec((OFFSET, "5")), quantity=2, type=OrderType.LIMIT, limit_price=98
    )

    await harness.cancel(list_id)
    await _settle(harness)

    assert harness.parts.brackets.get(list_id).state == "CANCELED"
    assert _members(harness, list_id) == ()


async def test_bracket_partial_entry_fills_resize_stop_and_ladder(make_harness):
    harness = await make_harness(liquidity={"XYZ": "2"})
    spec = _spec((OFFSET, "5"), (OFFSET, "10", "0.5", None))
    list_id = await _bracket(harness, spec, quantity=6)  # fills 2 now, 2 per price move
    (stop,) = _by_role(harness, list_id, "sl")
    assert stop.quantity == D(2)

    harness.price("100.5")
    await _settle(harness)

    (stop,) = _by_role(harness, list_id, "sl")
    (tp,) = _by_role(harness, list_id, "tp.1")
    assert (stop.quantity, tp.quantity) == (D(4), D(2))


async def test_bracket_short_entry_puts_stop_above_and_target_below(harness):
    spec = _spec((OFFSET, "5"), (PRICE, "90", None, "1"))

    list_id = await _bracket(harness, spec, side=Side.SELL, quantity=1)

    (stop,) = _by_role(harness, list_id, "sl")
    (tp,) = _by_role(harness, list_id, "tp.1")
    assert (stop.side, stop.stop_price, tp.side, tp.limit_price) == (
        Side.BUY,
        D(105),
        Side.BUY,
        D(90),
    )


async def test_bracket_members_link_to_the_list_in_their_tags(harness):
    list_id = await _bracket(harness, _spec((OFFSET, "5")), quantity=1)

    (stop,) = _members(harness, list_id)

    assert dict(stop.tags)["ct.list"] == list_id
    assert dict(harness.order(list_id).tags)["ct.sl"] == "offset:5"


async def test_bracket_fractions_over_one_raise_invalid_argument_and_place_nothing(harness):
    spec = _spec((OFFSET, "5"), (OFFSET, "1", "0.7", None), (OFFSET, "2", "0.7", None))

    with pytest.raises(InvalidArgument) as info:
        await _bracket(harness, spec, quantity=1)

    assert "take_profits" in [f for f, _ in info.value.violations]
    assert harness.order_count() == 0


async def test_bracket_reduce_only_entry_raises_invalid_argument(harness):
    with pytest.raises(InvalidArgument) as info:
        await _bracket(harness, _spec(), reduce_only=True)

    assert [f for f, _ in info.value.violations] == ["entry.reduce_only"]


async def test_bracket_under_reducing_halt_keeps_its_protection(harness):
    from fillgate.domain.enums import HaltScope, TradingMode

    list_id = await _bracket(harness, _spec((OFFSET, "5"), (OFFSET, "5", "1", None)), quantity=2)

    await harness.halt(TradingMode.REDUCING, HaltScope.ALL, cancel_open_orders=True)

    assert all(m.state is OrderState.NEW for m in _members(harness, list_id))


async def test_bracket_canceled_stop_is_placed_again_while_the_position_is_open(harness):
    list_id = await _bracket(harness, _spec((OFFSET, "5")), quantity=2)
    (stop,) = _by_role(harness, list_id, "sl")

    await harness.cancel(stop.order_id)
    await _settle(harness)

    live = [m for m in _by_role(harness, list_id, "sl") if m.is_open]
    assert [(m.stop_price, m.quantity) for m in live] == [(D(95), D(2))]


async def test_bracket_canceled_take_profit_stays_canceled(harness):
    list_id = await _bracket(harness, _spec((OFFSET, "5"), (OFFSET, "5", "1", None)), quantity=2)
    (tp,) = _by_role(harness, list_id, "tp.1")

    await harness.cancel(tp.order_id)
    await _settle(harness)

    assert [m.state for m in _by_role(harness, list_id, "tp.1")] == [OrderState.CANCELED]


async def test_bracket_stop_price_replaced_by_the_user_is_kept(harness):
    list_id = await _bracket(harness, _spec((OFFSET, "5")), quantity=2)
    (stop,) = _by_role(harness, list_id, "sl")

    await harness.replace(stop.order_id, stop_price=97)
    await _settle(harness)

    assert harness.order(stop.order_id).stop_price == D(97)
