"""Trailing stop-limits (a limit beyond the trailing trigger) and activation prices."""

from __future__ import annotations

from decimal import Decimal as D
from pathlib import Path
from typing import Any

import pytest
from trailing_helpers import ENTRY, start, stop, stop_loss

from fillgate.contingent.spec import BracketSpec, Exit, ExitKind, spec_of
from fillgate.contingent.trailing import StopTerms
from fillgate.domain.commands import SetReferencePrice
from fillgate.domain.enums import OrderState, OrderType, Side
from fillgate.domain.errors import InvalidArgument

TRAIL, TRAIL_PERCENT, OFFSET = ExitKind.TRAIL, ExitKind.TRAIL_PERCENT, ExitKind.OFFSET


async def _bracket(harness: Any, terms: StopTerms, kind=TRAIL, side=Side.BUY) -> str:
    spec = BracketSpec(Exit(kind, D(5)), terms=terms)
    cmd = harness.command(quantity=2, side=side)
    return (await harness.parts.brackets.submit(cmd, spec)).list_id


async def _move(harness: Any, price: Any) -> None:
    harness.price(price)
    await harness.parts.brackets.settle()


async def test_trailing_stop_limit_places_limit_at_offset_beyond_stop(harness):
    list_id = await _bracket(harness, StopTerms(limit_offset=D(1)))

    stop = stop_loss(harness.parts, list_id)

    assert (stop.type, stop.stop_price, stop.limit_price) == (OrderType.STOP_LIMIT, D(95), D(94))


async def test_trailing_stop_limit_percent_offset_moves_limit_with_stop(harness):
    list_id = await _bracket(harness, StopTerms(limit_offset=D(1), limit_in_percent=True))

    await _move(harness, 110)

    stop = stop_loss(harness.parts, list_id)
    assert (stop.stop_price, stop.limit_price) == (D(105), D("103.95"))


async def test_trailing_stop_limit_on_a_short_puts_limit_above_stop(harness):
    list_id = await _bracket(harness, StopTerms(limit_offset=D(2)), side=Side.SELL)

    await _move(harness, 90)

    stop = stop_loss(harness.parts, list_id)
    assert (stop.stop_price, stop.limit_price) == (D(95), D(97))


async def test_trailing_stop_limit_fills_at_its_limit_when_mark_falls_through(harness):
    list_id = await _bracket(harness, StopTerms(limit_offset=D(1)))
    await _move(harness, 104)

    await _move(harness, "98.5")

    assert stop_loss(harness.parts, list_id).state is OrderState.FILLED
    assert harness.position() == 0


async def test_activation_before_mark_reaches_it_stop_stays_at_first_price(harness):
    list_id = await _bracket(harness, StopTerms(activation=D(110)))

    await _move(harness, 109)

    assert stop_loss(harness.parts, list_id).stop_price == D(95)


async def test_activation_once_mark_reaches_it_stop_trails(harness):
    list_id = await _bracket(harness, StopTerms(activation=D(110)))

    await _move(harness, 110)

    assert stop_loss(harness.parts, list_id).stop_price == D(105)


async def test_activation_after_activating_stop_trails_below_activation_price(harness):
    list_id = await _bracket(harness, StopTerms(activation=D(103)))
    await _move(harness, 103)
    await _move(harness, 102)

    await _move(harness, 108)  # still trailing from the best mark, as before

    assert stop_loss(harness.parts, list_id).stop_price == D(103)


async def test_activation_order_list_says_whether_the_trail_is_active(harness):
    list_id = await _bracket(harness, StopTerms(activation=D(110)))
    before = harness.parts.brackets.get(list_id).trail_active

    await _move(harness, 110)

    assert (before, harness.parts.brackets.get(list_id).trail_active) == (False, True)


async def test_activation_on_a_short_starts_when_mark_falls_to_it(harness):
    list_id = await _bracket(harness, StopTerms(activation=D(90)), side=Side.SELL)
    await _move(harness, 92)
    assert stop_loss(harness.parts, list_id).stop_price == D(105)

    await _move(harness, 90)

    assert stop_loss(harness.parts, list_id).stop_price == D(95)


async def test_activation_inactive_stop_still_protects_the_position(harness):
    list_id = await _bracket(harness, StopTerms(activation=D(110)))

    await _move(harness, 94)

    assert stop_loss(harness.parts, list_id).state is OrderState.FILLED
    assert harness.position() == 0


async def test_activation_on_a_fixed_stop_raises_invalid_argument(harness):
    spec = BracketSpec(Exit(OFFSET, D(5)), terms=StopTerms(activation=D(110)))

    with pytest.raises(InvalidArgument) as info:
        await harness.parts.brackets.submit(harness.command(), spec)

    assert [f for f, _ in info.value.violations] == ["trail_activation_price"]


@pytest.mark.parametrize(
    ("terms", "field"),
    [
        (StopTerms(limit_offset=D(-1)), "stop_limit_offset"),
        (StopTerms(limit_offset=D("0.001")), "stop_limit_offset"),
        (StopTerms(limit_offset=D(100), limit_in_percent=True), "stop_limit_percent"),
        (StopTerms(activation=D("110.001")), "trail_activation_price"),
    ],
)
async def test_trailing_terms_bad_value_raises_invalid_argument_naming_field(harness, terms, field):
    spec = BracketSpec(Exit(TRAIL, D(5)), terms=terms)

    with pytest.raises(InvalidArgument) as info:
        await harness.parts.brackets.submit(harness.command(), spec)

    assert [f for f, _ in info.value.violations] == [field]


def test_trailing_terms_round_trip_through_entry_tags():
    spec = BracketSpec(Exit(TRAIL_PERCENT, D(2)), terms=StopTerms(D("0.5"), True, D("101.25")))

    assert spec_of(spec.tags()) == spec


async def _activated_restart(tmp_path: Path, reach: D) -> D:
    parts, journal = await start(tmp_path / "j", replay=False)
    spec = BracketSpec(Exit(TRAIL, D(5)), terms=StopTerms(D(1), False, D(104)))
    list_id = (await parts.brackets.submit(ENTRY, spec)).list_id
    parts.engine.set_reference_price(SetReferencePrice(symbol="XYZ", price=reach))
    await parts.brackets.settle()
    await stop(parts, journal)

    parts, journal = await start(tmp_path / "j", replay=True)
    try:
        parts.engine.set_reference_price(SetReferencePrice(symbol="XYZ", price=D(103)))
        await parts.brackets.settle()
        sl = stop_loss(parts, list_id)
        assert sl.limit_price == sl.stop_price - 1
        return sl.stop_price  # type: ignore[no-any-return]
    finally:
        await stop(parts, journal)


async def test_activation_after_restart_active_stop_keeps_trailing(tmp_path: Path):
    assert await _activated_restart(tmp_path, D(106)) == D(101)  # not back to 98 (103 - 5)


async def test_activation_after_restart_inactive_stop_stays_armed(tmp_path: Path):
    assert await _activated_restart(tmp_path, D(103)) == D(95)


async def test_held_trailing_stop_limit_activated_closes_with_a_limit_behind_its_trail(
    harness, monkeypatch
):
    # A spot venue's stop lives in fillgate, with no resting order to carry the trail:
    # fillgate trails it (once activated), then closes with a limit at its offset.
    monkeypatch.setattr(harness.parts.brackets, "stop_emulated", lambda *args: True)
    spec = BracketSpec(Exit(TRAIL, D(5)), terms=StopTerms(limit_offset=D(1), activation=D(110)))
    list_id = (await harness.parts.brackets.submit(harness.command(), spec)).list_id
    for price in (112, 106):  # activates and trails to 107, then falls through it
        harness.price(price)
        await harness.parts.brackets.settle()

    (close,) = harness.parts.brackets.get(list_id).members
    assert (close.type, close.limit_price, close.state) == (
        OrderType.LIMIT,
        D(106),
        OrderState.FILLED,
    )
