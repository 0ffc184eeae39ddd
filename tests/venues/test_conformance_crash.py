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

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from conformance_support import ACCOUNT, FAKES
from crash_support import Served, served

from fillgate_client import ListLeg, Order, OrderState

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

ENDED = (OrderState.CANCELED, OrderState.EXPIRED)
ROLES = {"sl", "tp.1"}
#: On paper a price level fills half the venue's quantity: how an order fills in part there.
_HALF_A_LEVEL = {"paper": {"paper_liquidity": "0.005"}}


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


async def _crash_or_not(server: Served, while_down: Callable[[], Awaitable[None]]) -> None:
    """kill -9 and let the venue trade meanwhile; paper cannot trade while fillgate is
    down (it lives inside it), so there it trades after the restart."""
    if server.networked:
        await server.crash(while_down=while_down)
    else:
        await server.crash()
        await while_down()


async def _crash_changes_nothing(server: Served, list_id: str) -> None:
    before, placed = await _state(server, list_id), await server.placed()
    position = await server.position()
    await server.crash()
    await asyncio.sleep(0.2)  # what a wrong re-arm would place, it places at once
    assert await _state(server, list_id) == before
    assert await server.placed() == placed  # nothing sent to the venue twice
    assert await server.position() == position
    await server.reconciled()


async def test_venue_bracket_killed_at_every_step_keeps_its_protection_placed_once(
    venue_name: str, tmp_path: Path
) -> None:
    async with served(venue_name, tmp_path, _HALF_A_LEVEL.get(venue_name)) as server:
        quantity = server.fake.quantity
        half = quantity / 2
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

        entry = await server.order(list_id)

        async def entry_fills() -> None:
            await server.fill(entry, half)

        await _crash_or_not(server, entry_fills)  # armed after the restart, for the whole entry
        await server.until(list_id, OrderState.FILLED)
        await server.eventually(lambda: _protected(server, list_id, quantity))
        assert await server.position() == quantity
        await server.reconciled()

        members = await server.members(list_id)
        target = members["tp.1"]
        placed_before = await server.placed()

        async def take_profit() -> None:
            await server.fill(target, quantity)

        await _crash_or_not(server, take_profit)
        if not server.networked:  # paper: a price level fills half
            await server.fill(await server.order(target.order_id), quantity)
        await server.until(target.order_id, OrderState.FILLED)
        await server.until(members["sl"].order_id, *ENDED)
        await server.eventually(lambda: _state_is(server, list_id, "DONE"))
        assert await server.position() == 0
        assert await server.placed() == placed_before  # nothing placed to close an overfill
        await server.reconciled()


async def _protected(server: Served, list_id: str, quantity: Decimal) -> bool:
    return await server.protection(list_id) == dict.fromkeys(ROLES, quantity)


async def _state_is(server: Served, list_id: str, state: str) -> bool:
    return (await server.client.get_order_list(list_id)).state == state


async def _exit_list(server: Served, kind: str, cid: str) -> tuple[str, Order, Order]:
    """A long position of twice the venue's quantity and a list of two resting sells of it."""
    quantity = server.fake.quantity
    bought = await server.client.submit_order(
        ACCOUNT, server.fake.symbol, "buy", quantity * 2, client_order_id=f"{cid}-pos"
    )
    await server.until(bought.order.order_id, OrderState.FILLED)
    legs = [
        ListLeg(side="sell", quantity=quantity, limit_price=server.price_at(factor))
        for factor in ("1.05", "1.06")
    ]
    placed = await server.client.submit_order_list(
        ACCOUNT, server.fake.symbol, kind, legs, client_order_id=cid
    )
    first = await server.until(placed.list_id, OrderState.NEW)
    await server.eventually(lambda: _has(server, placed.list_id, "leg.2"))
    second = (await server.members(placed.list_id))["leg.2"]
    return placed.list_id, first, await server.until(second.order_id, OrderState.NEW)


async def _has(server: Served, list_id: str, role: str) -> bool:
    return role in await server.members(list_id)


async def test_venue_oco_killed_resting_one_leg_filled_meanwhile_other_canceled_once(
    crashing: Served,
) -> None:
    server = crashing
    quantity = server.fake.quantity
    list_id, first, second = await _exit_list(server, "oco", "crash-oco")
    placed = await server.placed()

    async def one_leg_fills() -> None:
        await server.fill(first, quantity)

    await _crash_or_not(server, one_leg_fills)

    await server.until(first.order_id, OrderState.FILLED)
    ended = await server.until(second.order_id, *ENDED)
    await server.eventually(lambda: _state_is(server, list_id, "DONE"))
    assert ended.filled_quantity == 0
    assert await server.position() == quantity  # one leg sold, no overfill
    assert await server.placed() == placed
    await server.reconciled()


async def test_venue_ouo_killed_one_leg_partly_filled_meanwhile_other_cut_after_restart(
    venue_name: str, tmp_path: Path
) -> None:
    if venue_name == "paper":
        pytest.skip("paper: nothing trades while fillgate is down")
    async with served(venue_name, tmp_path) as server:
        await _ouo_cut_across_a_kill(server)


async def _ouo_cut_across_a_kill(server: Served) -> None:
    quantity = server.fake.quantity
    half = quantity / 2
    _, first, second = await _exit_list(server, "ouo", "crash-ouo")

    async def one_leg_fills_half() -> None:
        await server.fill(first, half)

    await server.crash(while_down=one_leg_fills_half)

    await server.until(first.order_id, OrderState.PARTIALLY_FILLED)
    await server.eventually(lambda: _quantity_is(server, second.order_id, quantity - half))
    cut = await server.until(second.order_id, OrderState.NEW)
    assert cut.leaves_quantity == quantity - half
    assert await server.position() == quantity * 2 - half
    await server.reconciled()


async def test_venue_oto_parent_partly_filled_while_killed_activates_then_grows_its_child(
    venue_name: str, tmp_path: Path
) -> None:
    async with served(venue_name, tmp_path, _HALF_A_LEVEL.get(venue_name)) as server:
        quantity = server.fake.quantity
        half = quantity / 2
        placed = await server.client.submit_order_list(
            ACCOUNT, server.fake.symbol, "oto",
            [ListLeg(side="buy", quantity=quantity, limit_price=server.price_at("0.9")),
             ListLeg(side="sell", quantity=quantity, limit_price=server.price_at("1.05"))],
            client_order_id="crash-oto",
        )  # fmt: skip
        parent = await server.until(placed.list_id, OrderState.NEW)
        assert await server.members(placed.list_id) == {}  # the child waits for a fill
        sent = await server.placed()

        async def parent_fills_half() -> None:
            await server.fill(parent, half)

        await _crash_or_not(server, parent_fills_half)

        await server.until(placed.list_id, OrderState.PARTIALLY_FILLED)
        await server.eventually(lambda: _has(server, placed.list_id, "leg.2"))
        child = (await server.members(placed.list_id))["leg.2"]
        assert (await server.until(child.order_id, OrderState.NEW)).quantity == half
        assert await server.placed() == sent + 1  # the child, once
        assert await server.position() == half
        await server.reconciled()

        await server.fill(await server.order(placed.list_id), quantity - half)
        await server.until(placed.list_id, OrderState.FILLED)
        await server.eventually(lambda: _quantity_is(server, child.order_id, quantity))
        grown = await server.until(child.order_id, OrderState.NEW)
        assert grown.leaves_quantity == quantity
        members = (await server.client.get_order_list(placed.list_id)).members
        assert [m.order_id for m in members] == [child.order_id]  # activated once
        assert await server.position() == quantity
        await server.reconciled()


async def test_venue_trailing_stop_moved_before_kill_never_moves_back(
    venue_name: str, tmp_path: Path
) -> None:
    async with served(venue_name, tmp_path) as server:
        if venue_name == "ccxt":  # the take-profit holds the coins: fillgate holds the stop
            await _held_trail_and_kill(server)
        else:
            await _trail_and_kill(server)


async def _held_stop(server: Served, list_id: str) -> Decimal | None:
    return (await server.client.get_order_list(list_id)).held_stop_price


async def _held_above(server: Served, list_id: str, price: Decimal) -> bool:
    held = await _held_stop(server, list_id)
    return held is not None and held > price


async def _held_trail_and_kill(server: Served) -> None:
    """Spot: the stop is no order at the venue but fillgate's, trailed on the mark; each
    move is journaled, so the restart resumes from it (the venue cannot trail it meanwhile)."""
    list_id, trail = await _trailing_bracket(server, "crash-held")
    placed = await server.client.get_order_list(list_id)
    entry = await server.until(placed.list_id, OrderState.FILLED)
    assert entry.average_fill_price is not None
    first = entry.average_fill_price - trail
    await server.eventually(lambda: _has(server, placed.list_id, "tp.1"))
    assert await _held_stop(server, placed.list_id) == first

    await server.move(server.price_at("1.02"))
    await server.eventually(lambda: _held_above(server, placed.list_id, first))
    moved = await _held_stop(server, placed.list_id)
    assert moved is not None
    await server.crash()

    assert await _held_stop(server, placed.list_id) == moved  # not back to its first price
    assert "sl" not in await server.members(placed.list_id)
    await server.reconciled()
    await server.move(moved - trail)  # through the stop: fillgate closes the position
    await server.eventually(lambda: _has(server, placed.list_id, "sl"))
    await server.until((await server.members(placed.list_id))["sl"].order_id, OrderState.FILLED)
    await server.until((await server.members(placed.list_id))["tp.1"].order_id, *ENDED)
    await server.eventually(lambda: _state_is(server, placed.list_id, "DONE"))
    assert await server.position() == 0  # closed, not flipped
    await server.reconciled()


async def _trailing_bracket(server: Served, cid: str) -> tuple[str, Decimal]:
    """(list id, trail) of a bracket buying the venue's quantity, its stop trailing 2 %
    of the start price behind the mark, one take-profit 10 % up."""
    trail = server.price_at("0.02")
    placed = await server.client.submit_bracket(
        ACCOUNT, server.fake.symbol, "buy", server.fake.quantity,
        stop_loss=f"trail:{trail}", take_profits=["percent:10"], client_order_id=cid,
    )  # fmt: skip
    return placed.list_id, trail


async def _trail_and_kill(server: Served) -> None:
    quantity = server.fake.quantity
    list_id, trail = await _trailing_bracket(server, "crash-trail")
    placed = await server.client.get_order_list(list_id)
    await server.until(placed.list_id, OrderState.FILLED)
    await server.eventually(lambda: _protected(server, placed.list_id, quantity))
    first = (await server.members(placed.list_id))["sl"]
    assert first.stop_price is not None

    await server.move(server.price_at("1.02"))
    await server.eventually(lambda: _stop_above(server, placed.list_id, first.stop_price))
    moved = (await server.members(placed.list_id))["sl"]
    sent = await server.placed()

    async def rises() -> None:
        await server.move(server.price_at("1.04"))

    if server.networked:  # the venue trails its stop on while fillgate is down
        await server.crash(while_down=rises)
    else:  # fillgate trails it: its replaces are in the journal
        await _crash_changes_nothing(server, placed.list_id)
        await rises()
    await server.eventually(lambda: _stop_above(server, placed.list_id, moved.stop_price))
    risen = (await server.members(placed.list_id))["sl"]
    assert risen.order_id == moved.order_id
    if server.networked:
        assert risen.version == moved.version  # a venue-trailed stop: fillgate never moves it
    assert await server.placed() == sent
    await server.reconciled()

    await server.move(server.price_at("1.03"))  # back down, above the stop
    await asyncio.sleep(0.3)
    assert (await server.members(placed.list_id))["sl"].stop_price == risen.stop_price

    assert risen.stop_price is not None
    await server.move(risen.stop_price - trail)  # through the stop: it closes the position
    await server.until(risen.order_id, OrderState.FILLED)
    await server.until((await server.members(placed.list_id))["tp.1"].order_id, *ENDED)
    await server.eventually(lambda: _state_is(server, placed.list_id, "DONE"))
    assert await server.position() == 0  # closed, not flipped
    await server.reconciled()


async def _stop_above(server: Served, list_id: str, price: Decimal | None) -> bool:
    stop = (await server.members(list_id))["sl"].stop_price
    return stop is not None and price is not None and stop > price


async def _quantity_is(server: Served, order_id: str, quantity: Decimal) -> bool:
    return (await server.order(order_id)).quantity == quantity


async def test_alpaca_bracket_killed_while_its_oco_goes_unanswered_is_armed_whole_after_restart(
    tmp_path: Path,
) -> None:
    async with served("alpaca", tmp_path, account={"resolve_timeout_s": 0.5}) as server:
        fake = server.fake
        quantity = fake.quantity
        placed = await server.client.submit_bracket(
            ACCOUNT, fake.symbol, "buy", quantity,
            type="limit", limit_price=server.price_at("0.99"),
            stop_loss="percent:5", take_profits=["percent:5"], client_order_id="crash-un",
        )  # fmt: skip
        entry = await server.until(placed.list_id, OrderState.NEW)
        posts = len([r for r in fake.requests if r.method == "POST" and r.path == "/v2/orders"])
        fake.fail("POST", "/v2/orders", 503)  # the OCO's answer is lost; the venue has none
        await server.fill(entry, quantity)
        async with asyncio.timeout(10):
            while len([r for r in fake.requests if r.method == "POST"]) <= posts:
                await asyncio.sleep(0.01)

        await server.crash()  # while fillgate waits to learn whether the OCO exists

        await server.eventually(lambda: _protected(server, placed.list_id, quantity))
        assert await server.position() == quantity
        await server.reconciled()


async def test_alpaca_oto_child_killed_while_its_submit_goes_unanswered_is_placed_after_restart(
    tmp_path: Path,
) -> None:
    async with served("alpaca", tmp_path, account={"resolve_timeout_s": 0.5}) as server:
        fake = server.fake
        quantity = fake.quantity
        placed = await server.client.submit_order_list(
            ACCOUNT, fake.symbol, "oto",
            [ListLeg(side="buy", quantity=quantity, limit_price=server.price_at("0.99")),
             ListLeg(side="sell", quantity=quantity, limit_price=server.price_at("1.05"))],
            client_order_id="crash-oto-un",
        )  # fmt: skip
        parent = await server.until(placed.list_id, OrderState.NEW)
        posts = len([r for r in fake.requests if r.method == "POST" and r.path == "/v2/orders"])
        fake.fail("POST", "/v2/orders", 503)  # the child's answer is lost; the venue has none
        await server.fill(parent, quantity)
        async with asyncio.timeout(10):
            while len([r for r in fake.requests if r.method == "POST"]) <= posts:
                await asyncio.sleep(0.01)

        await server.crash()  # while fillgate waits to learn whether the child exists

        await server.eventually(lambda: _protected_by(server, placed.list_id, "leg.2", quantity))
        members = (await server.client.get_order_list(placed.list_id)).members
        assert [m.state for m in members] == [OrderState.REJECTED, OrderState.NEW]
        assert members[0].reason.startswith("UNKNOWN_OUTCOME_NOT_PLACED")
        assert len({m.client_order_id for m in members}) == 2  # a new client id: no clash
        assert await server.position() == quantity
        await server.reconciled()


async def _protected_by(server: Served, list_id: str, role: str, quantity: Decimal) -> bool:
    return (await server.protection(list_id)).get(role) == quantity


async def test_venue_bracket_with_fixed_exits_filled_while_killed_is_protected_by_the_venue(
    venue_name: str, tmp_path: Path
) -> None:
    """Exits at fixed prices ride on the entry (OANDA on-fill, an Alpaca bracket, a Binance
    OTOCO): the entry fills while fillgate is dead and the venue already holds the stop;
    after the restart fillgate binds its members to the venue's orders, places none."""
    if venue_name == "paper":
        pytest.skip("paper: nothing trades while fillgate is down")
    async with served(venue_name, tmp_path) as server:
        quantity = server.fake.quantity
        placed = await server.client.submit_bracket(
            ACCOUNT, server.fake.symbol, "buy", quantity,
            type="limit", limit_price=server.price_at("0.99"),
            stop_loss=f"price:{server.price_at('0.95')}",
            take_profits=[f"price:{server.price_at('1.05')}"], client_order_id="crash-fixed",
        )  # fmt: skip
        entry = await server.until(placed.list_id, OrderState.NEW)
        assert ACCOUNT and entry.tags.get("ct.with_entry")  # the exits went with it

        async def entry_fills() -> None:
            await server.fill(entry, quantity)

        await server.crash(while_down=entry_fills)

        await server.until(placed.list_id, OrderState.FILLED)
        await server.eventually(lambda: _protected(server, placed.list_id, quantity))
        assert sorted((await server.at_venue()).values()) == [quantity, quantity]  # sl, tp.1
        assert await server.position() == quantity
        await server.reconciled()


async def test_ccxt_ladder_price_through_the_stop_while_killed_closed_by_the_venue(
    tmp_path: Path,
) -> None:
    """A Binance ladder rests one OCO list per rung: fillgate dead, the price falls through
    the stop, and Binance alone sells every rung's stop and expires each take-profit."""
    async with served("ccxt", tmp_path) as server:
        quantity = server.fake.quantity
        placed = await server.client.submit_bracket(
            ACCOUNT, server.fake.symbol, "buy", quantity, stop_loss="percent:5",
            take_profits=["percent:5@0.5", "percent:10@0.5"], client_order_id="crash-rungs",
        )  # fmt: skip
        await server.until(placed.list_id, OrderState.FILLED)
        rungs = {"sl.1", "tp.1", "sl.2", "tp.2"}
        await server.eventually(lambda: _has_all(server, placed.list_id, rungs))
        sent = await server.placed()

        async def crashes() -> None:
            await server.move(server.price_at("0.90"))

        await server.crash(while_down=crashes)

        await server.eventually(lambda: _state_is(server, placed.list_id, "DONE"))
        members = await server.members(placed.list_id)
        assert {r: members[r].state for r in ("sl.1", "sl.2")} == dict.fromkeys(
            ("sl.1", "sl.2"), OrderState.FILLED
        )
        assert await server.position() == 0
        assert await server.placed() == sent  # the venue did it all: nothing placed after
        await server.reconciled()


async def _has_all(server: Served, list_id: str, roles: set[str]) -> bool:
    found = {r: m for r, m in (await server.members(list_id)).items() if m.state in OPEN_STATES}
    return roles <= set(found)


OPEN_STATES = (OrderState.NEW, OrderState.PARTIALLY_FILLED)
