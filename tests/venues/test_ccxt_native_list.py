"""OCO lists from SubmitOrderList at Binance spot (issue 13): a limit and a stop that sell
(or buy) the same quantity go as ONE venue OCO order list. Separate orders cannot both
rest there: the first sell locks the coins and Binance refused the second for
insufficient balance, so the list protected nothing.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from urllib.parse import parse_qsl

import pytest
from fakes.binance import FakeBinance
from fakes.gateway import ACCOUNT, Gateway, running

from fillgate.contingent.order_list import Leg
from fillgate.domain.commands import SubmitOrder
from fillgate.domain.enums import OrderState, OrderType, Side, TimeInForce
from fillgate.domain.orders import Order
from fillgate.venues.runtime.client_ids import venue_client_id

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

QTY = Decimal("0.01")
OCO_PATH = "/api/v3/orderList/oco"
TAKE = Decimal(52000)  # above the fake's 50000
STOP = Decimal(48000)


@pytest.fixture
async def gateway(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> AsyncIterator[Gateway]:
    async with running(FakeBinance(), monkeypatch, tmp_path / "journal") as gw:
        yield gw


def _command(client_order_id: str, side: Side, kind: OrderType, **prices: Decimal) -> SubmitOrder:
    return SubmitOrder(
        account=ACCOUNT,
        symbol="BTC-USD",
        side=side,
        quantity=QTY,
        type=kind,
        time_in_force=TimeInForce.IOC if kind is OrderType.MARKET else TimeInForce.GTC,
        client_order_id=client_order_id,
        **prices,
    )


async def _exit_list(gw: Gateway, client_order_id: str) -> tuple[str, Order, Order]:
    """Long QTY, then an OCO list that sells it: a limit above the market, a stop below."""
    assert gw.parts is not None
    bought = await gw.parts.engine.submit(
        _command(f"{client_order_id}-buy", Side.BUY, OrderType.MARKET)
    )
    await gw.until(bought.order.order_id, OrderState.FILLED)
    first = _command(client_order_id, Side.SELL, OrderType.LIMIT, limit_price=TAKE)
    stop = Leg(Side.SELL, OrderType.STOP, QTY, TimeInForce.GTC, stop_price=STOP)
    listed = await gw.parts.brackets.submit_list("oco", first, [stop])
    list_id = listed.list_id
    (second,) = gw.parts.brackets.get(list_id).members
    return (
        list_id,
        await gw.until(list_id, OrderState.NEW),
        await gw.until(second.order_id, OrderState.NEW),
    )


def _vid(gw: Gateway, order: Order) -> str:
    assert gw.parts is not None
    driver = gw.parts.engine.venues[ACCOUNT].driver  # type: ignore[attr-defined]
    return venue_client_id(driver.client_ids, ACCOUNT, order.client_order_id, order.version)


def _oco_posts(fake: FakeBinance) -> list[dict[str, str]]:
    return [dict(parse_qsl(r.params)) for r in fake.requests if r.path == OCO_PATH]


async def test_ccxt_oco_list_of_a_limit_and_a_stop_rests_as_one_order_list(
    gateway: Gateway,
) -> None:
    _, limit, stop = await _exit_list(gateway, "ls-1")

    (oco,) = _oco_posts(gateway.fake)
    assert (oco["side"], Decimal(oco["quantity"])) == ("SELL", QTY)
    assert (oco["aboveType"], oco["aboveClientOrderId"]) == ("LIMIT_MAKER", _vid(gateway, limit))
    assert (oco["belowType"], oco["belowClientOrderId"]) == ("STOP_LOSS", _vid(gateway, stop))
    assert (Decimal(oco["abovePrice"]), Decimal(oco["belowStopPrice"])) == (TAKE, STOP)


async def test_ccxt_oco_list_limit_fill_expires_the_stop_and_the_list_is_done(
    gateway: Gateway,
) -> None:
    list_id, limit, stop = await _exit_list(gateway, "ls-2")

    gateway.fake.fill(_vid(gateway, limit), QTY, TAKE)

    await gateway.until(list_id, OrderState.FILLED)
    await gateway.until(stop.order_id, OrderState.EXPIRED)
    assert gateway.parts is not None
    await gateway.parts.brackets.settle()
    assert gateway.parts.brackets.get(list_id).state == "DONE"
    assert gateway.parts.engine.book.quantity(ACCOUNT, "BTC-USD") == 0


async def test_ccxt_oco_list_stop_triggered_while_fillgate_down_closes_once(
    gateway: Gateway,
) -> None:
    list_id, _, stop = await _exit_list(gateway, "ls-3")
    await gateway.stop()

    gateway.fake.set_price(Decimal(47000))  # Binance sells, and expires the limit
    await asyncio.sleep(0.05)
    parts = await gateway.start()

    await gateway.until(stop.order_id, OrderState.FILLED)
    await gateway.until(list_id, OrderState.EXPIRED)
    await parts.brackets.settle()
    assert parts.engine.book.quantity(ACCOUNT, "BTC-USD") == 0
    assert gateway.fake.book.balances["BTC"] == [0, 0]
    assert await parts.reconciler.reconcile(ACCOUNT) == []


async def test_ccxt_oco_list_canceled_cancels_both_legs_at_the_venue(gateway: Gateway) -> None:
    list_id, limit, stop = await _exit_list(gateway, "ls-4")
    assert gateway.parts is not None

    await gateway.parts.brackets.cancel_list(list_id)

    await gateway.until(limit.order_id, OrderState.CANCELED)
    await gateway.until(stop.order_id, OrderState.CANCELED)
    assert [o for o in gateway.fake.book.orders if o.is_open] == []
