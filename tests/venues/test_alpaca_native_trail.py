"""Venue-trailed stops at Alpaca (issue 13): a bracket's plain trailing stop (an amount or a
percent, no activation price, no stop-limit) rests as a ``type=trailing_stop`` order that
Alpaca moves from its high-water mark and fills when the price comes back, fillgate up or
not; fillgate never moves it. A trailing stop cannot be an OCO leg at Alpaca, so fillgate
still cancels the take-profit once the stop has filled (after a restart, if it was down).

Every other shape, and a refused trailing stop, keeps today's stop that fillgate moves.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fakes.alpaca import FakeAlpaca
from fakes.alpaca_book import Order as FakeOrder
from fakes.alpaca_harness import posted_orders
from fakes.gateway import ACCOUNT, eventually, running
from test_oanda_native_oco import Gateway  # (a role names its newest member)

from fillgate.contingent.spec import BracketSpec, Exit, ExitKind, TakeProfit
from fillgate.contingent.trailing import StopTerms
from fillgate.domain.commands import SubmitOrder
from fillgate.domain.enums import OrderState, OrderType, Side, TimeInForce
from fillgate.domain.orders import Order

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

QTY = Decimal(2)
TP = (TakeProfit(Exit(ExitKind.PERCENT, Decimal(10)), fraction=Decimal(1)),)
TRAIL = BracketSpec(Exit(ExitKind.TRAIL, Decimal(5)), TP)


@pytest.fixture
async def gateway(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> AsyncIterator[Gateway]:
    async with running(FakeAlpaca(), monkeypatch, tmp_path / "journal", Gateway) as gw:
        yield gw


async def _armed(gw: Gateway, cid: str, spec: BracketSpec = TRAIL) -> tuple[str, Order, Order]:
    """A filled bracket entry and its resting stop and take-profit."""
    assert gw.parts is not None
    entry = SubmitOrder(
        account=ACCOUNT,
        symbol=gw.fake.symbol,
        side=Side.BUY,
        quantity=QTY,
        type=OrderType.MARKET,
        time_in_force=TimeInForce.GTC,
        client_order_id=cid,
    )
    list_id = (await gw.parts.brackets.submit(entry, spec)).list_id
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


def _move(gw: Gateway, price: str) -> None:
    """The price moves at Alpaca, and fillgate's mark with it (as its quotes would)."""
    gw.fake.set_price(Decimal(price))
    if gw.parts is not None:
        gw.parts.engine.on_quote(gw.fake.symbol, bid=Decimal(price), ask=Decimal(price))


def _stop_posts(fake: FakeAlpaca) -> list[dict[str, Any]]:
    return [b for b in posted_orders(fake) if b.get("side") == "sell" and b["type"] != "limit"]


def _patches(fake: FakeAlpaca) -> list[Any]:
    return [r for r in fake.requests if r.method == "PATCH"]


def _venue_stop(fake: FakeAlpaca) -> FakeOrder:
    (order,) = [o for o in fake.book.orders if o.type == "trailing_stop"]
    return order


async def _flat_and_done(gw: Gateway, list_id: str) -> None:
    parts = gw.parts
    assert parts is not None
    await parts.brackets.settle()
    assert parts.brackets.get(list_id).state == "DONE"
    assert gw.member(list_id, "fix") is None  # nothing closed twice
    assert parts.engine.book.quantity(ACCOUNT, gw.fake.symbol) == 0
    assert gw.fake.book.positions.get(gw.fake.symbol, (Decimal(0),))[0] == 0
    assert await parts.reconciler.reconcile(ACCOUNT) == []


async def test_alpaca_trailing_amount_bracket_places_trailing_stop_with_trail_price(
    gateway: Gateway,
) -> None:
    _, stop, _ = await _armed(gateway, "trail-1")

    (sent,) = _stop_posts(gateway.fake)
    assert (sent["type"], Decimal(str(sent["trail_price"]))) == ("trailing_stop", 5)
    assert "stop_price" not in sent and "trail_percent" not in sent
    assert sent["client_order_id"] == stop.client_order_id
    assert dict(stop.tags)["ct.trail"] == "trail:5"
    assert _venue_stop(gateway.fake).stop_price == Decimal("185.25")


async def test_alpaca_trailing_percent_bracket_places_trailing_stop_with_trail_percent(
    gateway: Gateway,
) -> None:
    spec = BracketSpec(Exit(ExitKind.TRAIL_PERCENT, Decimal(2)), TP)
    _, stop, _ = await _armed(gateway, "trail-2", spec)

    (sent,) = _stop_posts(gateway.fake)
    assert (sent["type"], Decimal(str(sent["trail_percent"]))) == ("trailing_stop", 2)
    assert "trail_price" not in sent
    assert dict(stop.tags)["ct.trail"] == "trail_percent:2"


async def test_alpaca_price_rises_venue_trails_from_hwm_and_fillgate_sends_no_replace(
    gateway: Gateway,
) -> None:
    _, stop, _ = await _armed(gateway, "trail-3")

    for price in ("192.00", "200.00", "198.00"):
        _move(gateway, price)
        await asyncio.sleep(0.05)
    assert gateway.parts is not None
    await gateway.parts.brackets.settle()

    venue = _venue_stop(gateway.fake)
    assert (venue.hwm, venue.stop_price) == (Decimal("200.00"), Decimal("195.00"))
    assert _patches(gateway.fake) == []
    assert gateway.order(stop.order_id).state is OrderState.NEW


async def test_alpaca_trailing_stop_triggers_fills_once_and_take_profit_is_canceled(
    gateway: Gateway,
) -> None:
    list_id, stop, target = await _armed(gateway, "trail-4")

    _move(gateway, "200.00")  # the stop trails to 195.00
    _move(gateway, "194.90")  # and fills there

    filled = await gateway.until(stop.order_id, OrderState.FILLED)
    await gateway.until(target.order_id, OrderState.CANCELED)
    assert filled.filled_quantity == QTY
    await _flat_and_done(gateway, list_id)


async def test_alpaca_trailing_stop_fills_while_fillgate_stopped_restart_is_flat_and_clean(
    gateway: Gateway,
) -> None:
    list_id, stop, target = await _armed(gateway, "trail-5")
    await gateway.stop()

    gateway.fake.set_price(Decimal("200.00"))  # Alpaca trails while fillgate is down
    gateway.fake.set_price(Decimal("194.90"))  # and fills the stop
    await asyncio.sleep(0.05)
    await gateway.start()

    filled = await gateway.until(stop.order_id, OrderState.FILLED)
    await gateway.until(target.order_id, OrderState.CANCELED)  # fillgate, once back
    assert filled.filled_quantity == QTY
    await _flat_and_done(gateway, list_id)


async def test_alpaca_trailing_stop_with_activation_price_stays_a_stop_fillgate_moves(
    gateway: Gateway,
) -> None:
    spec = BracketSpec(TRAIL.stop_loss, TP, StopTerms(activation=Decimal("191.00")))
    _, stop, _ = await _armed(gateway, "trail-6", spec)

    (sent,) = _stop_posts(gateway.fake)
    assert sent["type"] == "stop" and "ct.trail" not in dict(stop.tags)
    _move(gateway, "200.00")  # active: fillgate moves the stop itself (a replace)
    await eventually(lambda: gateway.order(stop.order_id).stop_price == Decimal("195.00"))
    assert _patches(gateway.fake)


async def test_alpaca_trailing_stop_refused_falls_back_to_a_stop_fillgate_moves(
    gateway: Gateway,
) -> None:
    gateway.fake.refused_types.add("trailing_stop")
    list_id, stop, _ = await _armed(gateway, "trail-7")

    assert "ct.trail" not in dict(stop.tags)
    assert [b["type"] for b in _stop_posts(gateway.fake)] == ["trailing_stop", "stop"]
    assert gateway.parts is not None
    members = gateway.parts.brackets.get(list_id).members
    assert [m.state for m in members if m.order_id != stop.order_id and m.stop_price] == [
        OrderState.REJECTED
    ]
    _move(gateway, "200.00")
    await eventually(lambda: gateway.order(stop.order_id).stop_price == Decimal("195.00"))


async def test_alpaca_take_profit_part_fill_resizes_trailing_stop_keeping_its_trail(
    gateway: Gateway,
) -> None:
    ladder = tuple(
        TakeProfit(Exit(ExitKind.PERCENT, Decimal(n)), fraction=Decimal("0.5")) for n in (10, 20)
    )
    _, stop, target = await _armed(gateway, "trail-8", BracketSpec(TRAIL.stop_loss, ladder))
    assert target.limit_price is not None

    gateway.fake.fill(target.client_order_id, Decimal(1), target.limit_price)

    await eventually(
        lambda: (
            gateway.order(stop.order_id).quantity == 1
            and gateway.order(stop.order_id).state is OrderState.NEW
        )
    )
    (patch,) = [json.loads(r.body) for r in _patches(gateway.fake)]
    assert Decimal(str(patch["trail"])) == 5 and "stop_price" not in patch
    venue = [o for o in gateway.fake.book.orders if o.type == "trailing_stop"][-1]
    assert (venue.qty, venue.trail_price, venue.replaces) == (1, Decimal(5), stop.venue_order_id)


async def test_alpaca_venue_moved_trailing_stop_price_shown_by_fillgate(gateway: Gateway) -> None:
    _, stop, _ = await _armed(gateway, "trail-9")

    _move(gateway, "200.00")  # Alpaca moves the stop to 195.00; fillgate reads it back

    await eventually(lambda: gateway.order(stop.order_id).stop_price == Decimal("195.00"))
    shown = gateway.order(stop.order_id)
    assert (shown.state, shown.version) == (OrderState.NEW, stop.version)
    assert _patches(gateway.fake) == []
