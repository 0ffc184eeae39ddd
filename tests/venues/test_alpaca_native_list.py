"""OCO lists from SubmitOrderList at Alpaca (issue 13): a limit and a stop that close a
position held go as ONE order_class=oco order (Alpaca's OCO orders are exits), so Alpaca
cancels the other leg when one fills, fillgate up or not. A list that does not close a
position held stays emulated: separate orders.
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
from fakes.gateway import ACCOUNT, Gateway, running

from fillgate.contingent.order_list import Leg
from fillgate.domain.commands import SubmitOrder
from fillgate.domain.enums import OrderState, OrderType, Side, TimeInForce
from fillgate.domain.orders import Order

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

QTY = Decimal(2)
TAKE = Decimal("200.00")  # above the fake's 190.25
STOP = Decimal("180.00")


@pytest.fixture
async def gateway(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> AsyncIterator[Gateway]:
    async with running(FakeAlpaca(), monkeypatch, tmp_path / "journal") as gw:
        yield gw


def _command(gw: Gateway, client_order_id: str, side: Side, **prices: Decimal) -> SubmitOrder:
    return SubmitOrder(
        account=ACCOUNT,
        symbol=gw.fake.symbol,
        side=side,
        quantity=QTY,
        type=OrderType.LIMIT if prices else OrderType.MARKET,
        time_in_force=TimeInForce.GTC,
        client_order_id=client_order_id,
        **prices,
    )


async def _list(gw: Gateway, client_order_id: str, long: bool = True) -> tuple[str, Order, Order]:
    """(Long QTY, then) an OCO list selling QTY: a limit above the market, a stop below."""
    assert gw.parts is not None
    if long:
        bought = await gw.parts.engine.submit(_command(gw, f"{client_order_id}-buy", Side.BUY))
        await gw.until(bought.order.order_id, OrderState.FILLED)
    first = _command(gw, client_order_id, Side.SELL, limit_price=TAKE)
    stop = Leg(Side.SELL, OrderType.STOP, QTY, TimeInForce.GTC, stop_price=STOP)
    list_id = (await gw.parts.brackets.submit_list("oco", first, [stop])).list_id
    (second,) = gw.parts.brackets.get(list_id).members
    return (
        list_id,
        await gw.until(list_id, OrderState.NEW),
        await gw.until(second.order_id, OrderState.NEW),
    )


def _oco_posts(fake: FakeAlpaca) -> list[dict[str, Any]]:
    return [b for b in posted_orders(fake) if b.get("order_class") == "oco"]


async def test_alpaca_oco_list_closing_a_long_is_sent_as_one_oco_order(gateway: Gateway) -> None:
    _, limit, stop = await _list(gateway, "al-1")

    (oco,) = _oco_posts(gateway.fake)
    assert oco["client_order_id"] == limit.client_order_id
    assert Decimal(str(oco["take_profit"]["limit_price"])) == TAKE
    assert Decimal(str(oco["stop_loss"]["stop_price"])) == STOP
    leg = gateway.fake.oco_leg(limit.client_order_id)
    assert stop.venue_order_id == leg.venue_order_id


async def test_alpaca_oco_list_stop_fills_while_fillgate_down_limit_canceled_no_overfill(
    gateway: Gateway,
) -> None:
    list_id, limit, stop = await _list(gateway, "al-2")
    leg = gateway.fake.oco_leg(limit.client_order_id)
    await gateway.stop()

    gateway.fake.fill(leg.venue_order_id, QTY, Decimal("179.90"))  # Alpaca cancels the limit
    await asyncio.sleep(0.05)
    parts = await gateway.start()

    await gateway.until(stop.order_id, OrderState.FILLED)
    await gateway.until(list_id, OrderState.CANCELED)
    await parts.brackets.settle()
    assert parts.engine.book.quantity(ACCOUNT, gateway.fake.symbol) == 0
    assert await parts.reconciler.reconcile(ACCOUNT) == []


async def test_alpaca_oco_list_without_a_position_stays_separate_orders(
    gateway: Gateway,
) -> None:
    await _list(gateway, "al-3", long=False)

    assert _oco_posts(gateway.fake) == []
    assert len(posted_orders(gateway.fake)) == 2
