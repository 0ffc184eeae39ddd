"""Native OCO exits at Alpaca (issue 13): a bracket's one take-profit and fixed stop rest
as ONE order_class=oco order, so Alpaca cancels the other when one fills, fillgate up or not.

Both stay ordinary fillgate members: the take-profit is the OCO's parent (our client
id), the stop its leg (mapped by the leg's venue order id). Every other shape is
emulated as before: separate orders, fillgate cancels the other.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fakes.alpaca import FakeAlpaca
from fakes.alpaca_harness import posted_orders
from fakes.gateway import ACCOUNT, Gateway, buy_entry, eventually, running

from fillgate.contingent.spec import BracketSpec, Exit, ExitKind, TakeProfit, role_of
from fillgate.domain.enums import OrderState
from fillgate.domain.orders import Order

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

QTY = Decimal(2)


@pytest.fixture
async def gateway(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> AsyncIterator[Gateway]:
    async with running(FakeAlpaca(), monkeypatch, tmp_path / "journal") as gw:
        yield gw


def _spec(*fractions: str) -> BracketSpec:
    return BracketSpec(
        Exit(ExitKind.PERCENT, Decimal(5)),
        tuple(
            TakeProfit(Exit(ExitKind.PERCENT, Decimal(5 * n)), fraction=Decimal(f))
            for n, f in enumerate(fractions, 1)
        ),
    )


async def _armed(gw: Gateway, client_order_id: str, *fractions: str) -> tuple[str, Order, Order]:
    """A filled bracket entry and its resting stop and first take-profit."""
    assert gw.parts is not None
    entry = buy_entry(gw.fake.symbol, QTY, client_order_id)
    list_id = (await gw.parts.brackets.submit(entry, _spec(*fractions or ("1",)))).list_id
    await gw.until(list_id, OrderState.FILLED)
    await eventually(
        lambda: gw.member(list_id, "sl") is not None and gw.member(list_id, "tp.1") is not None
    )
    stop, target = gw.member(list_id, "sl"), gw.member(list_id, "tp.1")
    assert stop is not None and target is not None
    return (
        list_id,
        await gw.until(stop.order_id, OrderState.NEW),
        await gw.until(target.order_id, OrderState.NEW),
    )


async def _resting(gw: Gateway, client_order_id: str) -> str:
    """A bracket (one take-profit) whose LIMIT entry for QTY at 190.25 rests at Alpaca."""
    assert gw.parts is not None
    entry = buy_entry(gw.fake.symbol, QTY, client_order_id, limit=Decimal("190.25"))
    list_id = (await gw.parts.brackets.submit(entry, _spec("1"))).list_id
    await gw.until(list_id, OrderState.NEW)
    return list_id


def _oco_posts(fake: FakeAlpaca) -> list[dict[str, Any]]:
    return [b for b in posted_orders(fake) if b.get("order_class") == "oco"]


async def test_alpaca_bracket_one_take_profit_and_fixed_stop_sent_as_one_oco_order(
    gateway: Gateway,
) -> None:
    _, stop, target = await _armed(gateway, "oco-1")

    (oco,) = _oco_posts(gateway.fake)
    assert oco["client_order_id"] == target.client_order_id
    assert Decimal(str(oco["take_profit"]["limit_price"])) == target.limit_price
    assert Decimal(str(oco["stop_loss"]["stop_price"])) == stop.stop_price
    assert len(posted_orders(gateway.fake)) == 2  # the entry, then the one OCO order
    leg = gateway.fake.oco_leg(target.client_order_id)
    assert stop.venue_order_id == leg.venue_order_id
    assert stop.quantity == target.quantity == QTY


async def test_alpaca_oco_take_profit_fill_cancels_stop_member_and_position_is_flat(
    gateway: Gateway,
) -> None:
    list_id, stop, target = await _armed(gateway, "oco-2")
    assert target.limit_price is not None

    gateway.fake.fill(target.client_order_id, QTY, target.limit_price)

    await gateway.until(target.order_id, OrderState.FILLED)
    await gateway.until(stop.order_id, OrderState.CANCELED)
    assert gateway.fake.oco_leg(target.client_order_id).status == "canceled"
    parts = gateway.parts
    assert parts is not None
    await parts.brackets.settle()
    assert parts.brackets.get(list_id).state == "DONE"
    assert parts.engine.book.quantity(ACCOUNT, gateway.fake.symbol) == 0


async def test_alpaca_oco_stop_leg_fill_lands_once_on_the_stop_member(gateway: Gateway) -> None:
    _, stop, target = await _armed(gateway, "oco-3")
    leg = gateway.fake.oco_leg(target.client_order_id)

    gateway.fake.fill(leg.venue_order_id, QTY, Decimal("180.74"))

    filled = await gateway.until(stop.order_id, OrderState.FILLED)
    await gateway.until(target.order_id, OrderState.CANCELED)
    assert filled.filled_quantity == QTY
    parts = gateway.parts
    assert parts is not None
    assert parts.engine.book.quantity(ACCOUNT, gateway.fake.symbol) == 0


async def test_alpaca_oco_leg_fills_while_fillgate_stopped_restart_has_no_overfill_or_drift(
    gateway: Gateway,
) -> None:
    list_id, stop, target = await _armed(gateway, "oco-4")
    leg = gateway.fake.oco_leg(target.client_order_id)
    await gateway.stop()

    gateway.fake.fill(leg.venue_order_id, QTY, Decimal("180.74"))  # Alpaca cancels the TP
    await asyncio.sleep(0.05)
    parts = await gateway.start()

    await gateway.until(stop.order_id, OrderState.FILLED)
    await gateway.until(target.order_id, OrderState.CANCELED)
    await parts.brackets.settle()
    assert parts.brackets.get(list_id).state == "DONE"
    assert gateway.member(list_id, "fix") is None  # nothing to close: no overfill
    assert parts.engine.book.quantity(ACCOUNT, gateway.fake.symbol) == 0
    assert gateway.fake.book.positions[gateway.fake.symbol][0] == 0
    assert await parts.reconciler.reconcile(ACCOUNT) == []


async def test_alpaca_bracket_with_two_take_profits_stays_emulated_as_separate_orders(
    gateway: Gateway,
) -> None:
    _, stop, target = await _armed(gateway, "oco-5", "0.5", "0.5")

    assert _oco_posts(gateway.fake) == []
    kinds = sorted(b["type"] for b in posted_orders(gateway.fake)[1:])
    assert kinds[:2] == ["limit", "limit"] and kinds[-1] == "stop"
    assert "ct.native" not in dict(stop.tags) and "ct.native" not in dict(target.tags)


def _open_at_venue(fake: FakeAlpaca) -> list[tuple[str, str, Decimal]]:
    return sorted((o.order_class, o.type, o.qty) for o in fake.book.orders if o.is_open)


async def test_alpaca_oco_entry_fill_growing_replaces_the_oco_as_a_whole(gateway: Gateway) -> None:
    list_id = await _resting(gateway, "oco-6")
    assert gateway.parts is not None
    gateway.fake.fill("oco-6", Decimal(1), Decimal("190.25"))
    await eventually(lambda: len(_oco_posts(gateway.fake)) == 1)

    gateway.fake.fill("oco-6", Decimal(1), Decimal("190.25"))

    await eventually(lambda: len(_oco_posts(gateway.fake)) == 2)
    assert Decimal(str(_oco_posts(gateway.fake)[1]["qty"])) == QTY
    await eventually(
        lambda: _open_at_venue(gateway.fake) == [("oco", "limit", QTY), ("oco", "stop", QTY)]
    )
    await gateway.parts.brackets.settle()
    live = [m for m in gateway.parts.brackets.get(list_id).members if m.is_open]
    assert sorted((role_of(m)[1], m.quantity) for m in live) == [("sl", QTY), ("tp.1", QTY)]


async def test_alpaca_oco_take_profit_partial_fill_places_the_rest_as_a_new_oco(
    gateway: Gateway,
) -> None:
    list_id, _, target = await _armed(gateway, "oco-7")
    assert target.limit_price is not None and gateway.parts is not None

    gateway.fake.fill(target.client_order_id, Decimal(1), target.limit_price)

    await eventually(lambda: len(_oco_posts(gateway.fake)) == 2)
    one = Decimal(1)
    await eventually(
        lambda: _open_at_venue(gateway.fake) == [("oco", "limit", one), ("oco", "stop", one)]
    )
    await gateway.parts.brackets.settle()
    live = [m for m in gateway.parts.brackets.get(list_id).members if m.is_open]
    assert sorted((role_of(m)[1], m.quantity) for m in live) == [("sl", one), ("tp.1", one)]
    assert gateway.parts.engine.book.quantity(ACCOUNT, gateway.fake.symbol) == one


async def test_alpaca_oco_unanswered_placement_resolves_both_members_without_a_second_order(
    gateway: Gateway,
) -> None:
    list_id = await _resting(gateway, "oco-8")
    assert gateway.parts is not None
    gateway.fake.lose_next_order_response()  # the OCO reaches Alpaca; its answer is lost

    gateway.fake.fill("oco-8", QTY, Decimal("190.25"))

    await eventually(lambda: gateway.member(list_id, "tp.1") is not None)
    target = gateway.member(list_id, "tp.1")
    stop = gateway.member(list_id, "sl")
    assert target is not None and stop is not None
    await gateway.until(target.order_id, OrderState.NEW)
    stop = await gateway.until(stop.order_id, OrderState.NEW)
    assert len(_oco_posts(gateway.fake)) == 1
    assert stop.venue_order_id == gateway.fake.oco_leg(target.client_order_id).venue_order_id
    assert await gateway.parts.reconciler.reconcile(ACCOUNT) == []


async def test_alpaca_oco_placed_while_fillgate_stopped_binds_the_stop_leg_after_restart(
    gateway: Gateway,
) -> None:
    list_id = await _resting(gateway, "oco-9")
    assert gateway.parts is not None
    gateway.fake.slow("POST", "/v2/orders", 1.0)  # the OCO lands after fillgate stopped
    gateway.fake.fill("oco-9", QTY, Decimal("190.25"))
    await eventually(lambda: len(_oco_posts(gateway.fake)) == 1)
    await gateway.stop()
    await eventually(
        lambda: (
            gateway.fake.book.by_client_id(_oco_posts(gateway.fake)[0]["client_order_id"])
            is not None
        )
    )

    parts = await gateway.start()

    stop, target = gateway.member(list_id, "sl"), gateway.member(list_id, "tp.1")
    assert stop is not None and target is not None
    stop = await gateway.until(stop.order_id, OrderState.NEW)
    await gateway.until(target.order_id, OrderState.NEW)
    assert stop.venue_order_id == gateway.fake.oco_leg(target.client_order_id).venue_order_id
    await parts.brackets.settle()
    assert len(_oco_posts(gateway.fake)) == 1  # nothing placed twice
    assert await parts.reconciler.reconcile(ACCOUNT) == []


async def test_alpaca_oco_take_profit_fills_while_fillgate_stopped_restart_cancels_stop_member(
    gateway: Gateway,
) -> None:
    list_id, stop, target = await _armed(gateway, "oco-10")
    assert target.limit_price is not None
    await gateway.stop()

    gateway.fake.fill(target.client_order_id, QTY, target.limit_price)  # Alpaca cancels the stop
    await asyncio.sleep(0.05)
    parts = await gateway.start()

    await gateway.until(target.order_id, OrderState.FILLED)
    await gateway.until(stop.order_id, OrderState.CANCELED)
    await parts.brackets.settle()
    assert parts.brackets.get(list_id).state == "DONE"
    assert parts.engine.book.quantity(ACCOUNT, gateway.fake.symbol) == 0
    assert await parts.reconciler.reconcile(ACCOUNT) == []


async def test_alpaca_oco_refused_by_the_venue_places_stop_and_take_profit_alone(
    gateway: Gateway,
) -> None:
    list_id = await _resting(gateway, "oco-9")
    assert gateway.parts is not None
    gateway.fake.reject_next_order()  # the OCO's post

    gateway.fake.fill("oco-9", QTY, Decimal("190.25"))

    await eventually(lambda: len(_oco_posts(gateway.fake)) == 1)
    await eventually(
        lambda: _open_at_venue(gateway.fake) == [("", "limit", QTY), ("", "stop", QTY)]
    )
    await gateway.parts.brackets.settle()
    members = gateway.parts.brackets.get(list_id).members
    assert [m for m in members if m.state is OrderState.PENDING_NEW] == []
    assert len(_oco_posts(gateway.fake)) == 1  # not paired again
