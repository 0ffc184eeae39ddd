"""A stop held by fillgate (a spot venue: resting sells each hold the balance they sell, so
beside a take-profit ladder the stop stays in fillgate) triggers on the mark by canceling
the take-profits, then selling. At a real venue each cancel is a round trip: they go out
together, not one after the other, so the stop's order follows after one round trip.

A held stop may trail: its price follows the mark, never back, and each move is
journaled (``HeldStopMoved``), so a restart resumes from where it had moved."""

from __future__ import annotations

import asyncio
from decimal import Decimal as D

from fillgate.contingent.spec import BracketSpec, Exit, ExitKind, TakeProfit, role_of
from fillgate.contingent.trailing import StopTerms
from fillgate.domain.enums import OrderState, OrderType

OFFSET, TRAIL = ExitKind.OFFSET, ExitKind.TRAIL
RUNGS = (
    TakeProfit(Exit(OFFSET, D(20)), fraction=D("0.5")),
    TakeProfit(Exit(OFFSET, D(30)), fraction=D("0.5")),
)
LADDER = BracketSpec(Exit(OFFSET, D(5)), RUNGS)
TRAILING = BracketSpec(Exit(TRAIL, D(5)), RUNGS)


class SlowCancels:
    """Wraps a venue's cancel in a round trip of ``delay`` seconds; counts them in flight."""

    def __init__(self, venue, delay: float = 0.05) -> None:
        self.inner, self.delay = venue.cancel, delay
        self.in_flight = self.most = 0
        venue.cancel = self

    async def __call__(self, order) -> None:
        self.in_flight += 1
        self.most = max(self.most, self.in_flight)
        try:
            await asyncio.sleep(self.delay)
            await self.inner(order)
        finally:
            self.in_flight -= 1


async def _held_ladder(harness, spec: BracketSpec = LADDER) -> tuple[str, SlowCancels]:
    account = harness.command().account
    venue = harness.parts.engine.venues[account]
    venue.sells_hold_balance = True  # spot-like: the stop is held by fillgate
    placed = await harness.parts.brackets.submit(harness.command(quantity=2), spec)
    await harness.parts.brackets.settle()
    assert harness.parts.brackets.stop_emulated(account, spec)
    return placed.list_id, SlowCancels(venue)


async def test_held_stop_triggered_cancels_the_take_profits_together(harness):
    _, cancels = await _held_ladder(harness)

    harness.price(94)  # through the held stop at 95
    await harness.parts.brackets.settle()

    assert cancels.most == 2


async def test_held_stop_triggered_closes_the_position_with_one_market_order(harness):
    list_id, _ = await _held_ladder(harness)

    harness.price(94)
    await harness.parts.brackets.settle()

    members = harness.parts.brackets.get(list_id).members
    stops = [m for m in members if role_of(m)[1] == "sl"]
    assert [(s.type, s.state, s.quantity) for s in stops] == [
        (OrderType.MARKET, OrderState.FILLED, D(2))
    ]
    assert harness.position() == 0


async def _move(harness, price) -> None:
    harness.price(price)
    await harness.parts.brackets.settle()


def _stops(harness, list_id):
    return [m for m in harness.parts.brackets.get(list_id).members if role_of(m)[1] == "sl"]


async def test_held_trailing_stop_follows_the_mark_up_without_placing_an_order(harness):
    list_id, _ = await _held_ladder(harness, TRAILING)

    await _move(harness, 108)

    found = harness.parts.brackets.get(list_id)
    assert (found.held_stop_price, found.trail_active) == (D(103), True)
    assert _stops(harness, list_id) == []


async def test_held_trailing_stop_never_moves_back_when_the_mark_falls(harness):
    list_id, _ = await _held_ladder(harness, TRAILING)
    await _move(harness, 108)

    await _move(harness, 104)

    assert harness.parts.brackets.get(list_id).held_stop_price == D(103)
    assert _stops(harness, list_id) == []


async def test_held_trailing_stop_reached_after_moving_closes_at_market(harness):
    list_id, _ = await _held_ladder(harness, TRAILING)
    await _move(harness, 108)

    await _move(harness, 102)  # through the trailed stop at 103, above its first price 95

    (stop,) = _stops(harness, list_id)
    assert (stop.type, stop.state, stop.quantity) == (OrderType.MARKET, OrderState.FILLED, D(2))
    assert harness.position() == 0


async def test_held_trailing_stop_move_is_kept_in_the_folded_state(harness):
    list_id, _ = await _held_ladder(harness, TRAILING)

    await _move(harness, 108)

    assert harness.parts.engine.state.held_stops == {list_id: D(103)}


async def test_held_trailing_stop_waits_for_its_activation_price(harness):
    spec = BracketSpec(Exit(TRAIL, D(5)), RUNGS, StopTerms(activation=D(110)))
    list_id, _ = await _held_ladder(harness, spec)

    await _move(harness, 108)  # below the activation price: the stop stays at 95

    found = harness.parts.brackets.get(list_id)
    assert (found.held_stop_price, found.trail_active) == (D(95), False)
