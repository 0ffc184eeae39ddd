"""Trailing stops: a bracket's stop-loss follows the best mark, never back."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from fillgate.contingent.spec import BracketSpec, Exit, ExitKind, TakeProfit, role_of
from fillgate.domain.enums import OrderState, Side
from fillgate.domain.errors import InvalidArgument

TRAIL, TRAIL_PERCENT, OFFSET = ExitKind.TRAIL, ExitKind.TRAIL_PERCENT, ExitKind.OFFSET


async def _trailing(harness, kind=TRAIL, value="5", **overrides):
    cmd = harness.command(quantity=2, **overrides)
    placed = await harness.parts.brackets.submit(cmd, BracketSpec(Exit(kind, D(value))))
    return placed.list_id


async def _move(harness, price):
    harness.price(price)
    await harness.parts.brackets.settle()


def _stop(harness, list_id):
    (stop,) = [m for m in harness.parts.brackets.get(list_id).members if role_of(m)[1] == "sl"]
    return stop


async def test_trailing_stop_starts_at_its_distance_from_the_fill(harness):
    list_id = await _trailing(harness)

    assert _stop(harness, list_id).stop_price == D(95)


async def test_trailing_stop_follows_a_rising_mark(harness):
    list_id = await _trailing(harness)

    await _move(harness, 104)

    assert _stop(harness, list_id).stop_price == D(99)


async def test_trailing_stop_never_moves_back_when_the_mark_falls(harness):
    list_id = await _trailing(harness)
    await _move(harness, 104)

    await _move(harness, 101)

    assert _stop(harness, list_id).stop_price == D(99)


async def test_trailing_stop_fills_when_the_mark_falls_through_it(harness):
    list_id = await _trailing(harness)
    await _move(harness, 104)

    await _move(harness, "98.5")

    assert _stop(harness, list_id).state is OrderState.FILLED
    assert harness.position() == 0


async def test_trailing_stop_percent_follows_the_mark(harness):
    list_id = await _trailing(harness, TRAIL_PERCENT, "10")

    await _move(harness, 120)

    assert _stop(harness, list_id).stop_price == D(108)


async def test_trailing_stop_on_a_short_follows_a_falling_mark_from_above(harness):
    list_id = await _trailing(harness, side=Side.SELL)

    await _move(harness, 90)

    assert _stop(harness, list_id).stop_price == D(95)


async def test_fixed_stop_does_not_follow_the_mark(harness):
    list_id = await _trailing(harness, OFFSET)

    await _move(harness, 104)

    assert _stop(harness, list_id).stop_price == D(95)


async def test_trailing_take_profit_raises_invalid_argument(harness):
    spec = BracketSpec(Exit(OFFSET, D(5)), (TakeProfit(Exit(TRAIL, D(5)), fraction=D(1)),))

    with pytest.raises(InvalidArgument) as info:
        await harness.parts.brackets.submit(harness.command(), spec)

    assert [f for f, _ in info.value.violations] == ["take_profits[0]"]
