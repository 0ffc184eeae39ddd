"""Contingencies across ``kill -9`` on every venue (issue 13): fillgate is a real
``fillgate serve`` process (crash_support.py), SIGKILLed at each step and started
again on the same journal, at the same fake venue; everything is read through
the gRPC client. After each step the protection is still there and sized
right, fillgate and the venue reconcile clean, nothing is placed twice and
the position never flips.

What needs the venue to trade while fillgate is down happens after the
restart on the embedded paper venue (it lives inside fillgate).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from conformance_support import ACCOUNT, FAKES
from crash_support import Served, served

from fillgate_client import ListLeg, OrderState

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

ENDED = (OrderState.CANCELED, OrderState.EXPIRED)
ROLES = {"sl", "tp.1"}


@pytest.fixture(params=list(FAKES))
def venue_name(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def crashing(venue_name: str, tmp_path: Path) -> AsyncIterator[Served]:
    """One fake venue and a killable fillgate process trading at it."""
    async with served(venue_name, tmp_path) as server:
        yield server


async def _state(server: Served, list_id: str) -> list[tuple[Any, ...]]:
    """What a crash must not change: the list's orders, their states, sizes and prices."""
    found = await server.client.get_order_list(list_id)
    return [
        (o.order_id, o.tags.get("ct.role"), o.state, o.quantity, o.version, o.stop_price)
        for o in (found.entry, *found.members)
    ]


async def _crash_changes_nothing(server: Served, list_id: str) -> None:
    before, placed, position = await _state(server, list_id), server.placed(), await server.position()
    await server.crash()
    await server.client.get_order_list(list_id)  # the runner re-armed (or not) by now
    assert await _state(server, list_id) == before
    assert server.placed() == placed  # nothing sent to the venue twice
    assert await server.position() == position
    await server.reconciled()


async def test_venue_bracket_killed_at_every_step_keeps_its_protection_placed_once(
    venue_name: str, tmp_path: Path
) -> None:
    quantity = FAKES_QUANTITY[venue_name]
    half = quantity / 2
    # On paper a price level fills half: how its entry fills in part.
    symbol = {"paper_liquidity": str(half)} if venue_name == "paper" else {}
    async with served(venue_name, tmp_path, symbol) as server:
        placed = await server.client.submit_bracket(
            ACCOUNT, server.fake.symbol, "buy", quantity,
            type="limit", limit_price=server.price_at("0.99"),
            stop_loss="percent:5", take_profits=["percent:5"], client_order_id="crash-br",
        )  # fmt: skip
        list_id = placed.list_id
        entry = await server.until(list_id, OrderState.NEW)
        await _crash_changes_nothing(server, list_id)  # the entry rests

        await server.fill(entry, half)
        await server.eventually(lambda: _protected(server, list_id, half))
        await _crash_changes_nothing(server, list_id)  # the entry filled in part
        assert await server.position() == half

        await server.fill(await server.order(list_id), half)
        await server.until(list_id, OrderState.FILLED)
        await server.eventually(lambda: _protected(server, list_id, quantity))
        await _crash_changes_nothing(server, list_id)  # armed for the whole entry
        assert await server.position() == quantity

        members = await server.members(list_id)
        target = members["tp.1"]
        placed_before = server.placed()

        async def take_profit() -> None:
            await server.fill(target, quantity)

        if server.networked:
            await server.crash(while_down=take_profit)
        else:
            await server.fill(target, quantity)
            await server.fill(await server.order(target.order_id), quantity)
        await server.until(target.order_id, OrderState.FILLED)
        await server.until(members["sl"].order_id, *ENDED)
        await server.eventually(lambda: _state_is(server, list_id, "DONE"))
        assert await server.position() == 0
        assert server.placed() == placed_before  # nothing placed to close an overfill
        await server.reconciled()


FAKES_QUANTITY = {"paper": Decimal("0.01"), "ccxt": Decimal("0.01"), "oanda": Decimal(1000), "alpaca": Decimal(2)}


async def _protected(server: Served, list_id: str, quantity: Decimal) -> bool:
    return await server.protection(list_id) == dict.fromkeys(ROLES, quantity)


async def _state_is(server: Served, list_id: str, state: str) -> bool:
    return (await server.client.get_order_list(list_id)).state == state
