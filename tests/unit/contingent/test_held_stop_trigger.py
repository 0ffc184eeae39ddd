"""A stop held by fillgate (a spot venue: resting sells each hold the balance they sell, so
beside a take-profit ladder the stop stays in fillgate) triggers on the mark by canceling
the take-profits, then selling. At a real venue each cancel is a round trip: they go out
together, not one after the other, so the stop's order follows after one round trip."""

from __future__ import annotations

import asyncio
from decimal import Decimal as D

from fillgate.contingent.bracket import BracketSpec, Exit, ExitKind, TakeProfit, role_of
from fillgate.domain.enums import OrderState, OrderType

OFFSET = ExitKind.OFFSET
LADDER = BracketSpec(
    Exit(OFFSET, D(5)),
    (
        TakeProfit(Exit(OFFSET, D(2)), fraction=D("0.5")),
        TakeProfit(Exit(OFFSET, D(3)), fraction=D("0.5")),
    ),
)


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


async def _held_ladder(harness) -> tuple[str, SlowCancels]:
    account = harness.command().account
    venue = harness.parts.engine.venues[account]
    venue.sells_hold_balance = True  # spot-like: the stop is held by fillgate
    placed = await harness.parts.brackets.submit(harness.command(quantity=2), LADDER)
    await harness.parts.brackets.settle()
    assert harness.parts.brackets.stop_emulated(account, LADDER)
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
