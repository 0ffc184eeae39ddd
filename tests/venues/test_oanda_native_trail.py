"""Venue-trailed stops at OANDA (issue 13): a bracket's amount trail (no activation price,
no stop-limit) with its one take-profit rests as a TRAILING_STOP_LOSS (``distance``) and a
TAKE_PROFIT on the trade its entry opened. OANDA moves the stop behind the price, closes
the trade there and cancels the take-profit, fillgate up or not; fillgate never moves it.

Every other shape, and a trade that cannot hold it, keeps today's stop that fillgate moves.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fakes.gateway import ACCOUNT, buy_entry, eventually, running
from fakes.oanda import FakeOanda
from fakes.oanda_harness import sent_orders
from test_oanda_native_oco import Gateway

from fillgate.contingent.spec import BracketSpec, Exit, ExitKind, TakeProfit
from fillgate.contingent.trailing import StopTerms
from fillgate.domain.commands import SubmitOrder
from fillgate.domain.enums import OrderState, OrderType
from fillgate.domain.orders import Order

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

QTY = Decimal(1000)
TP = (TakeProfit(Exit(ExitKind.PERCENT, Decimal(5)), fraction=Decimal(1)),)
TRAIL = BracketSpec(Exit(ExitKind.TRAIL, Decimal("0.005")), TP)


@pytest.fixture
async def gateway(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> AsyncIterator[Gateway]:
    async with running(FakeOanda(), monkeypatch, tmp_path / "journal", Gateway) as gw:
        yield gw


def _entry(client_order_id: str, kind: OrderType = OrderType.MARKET) -> SubmitOrder:
    limit = Decimal("1.08462") if kind is OrderType.LIMIT else None
    return buy_entry("EUR-USD", QTY, client_order_id, limit)


async def _armed(gw: Gateway, cid: str, spec: BracketSpec = TRAIL) -> tuple[str, Order, Order]:
    assert gw.parts is not None
    list_id = (await gw.parts.brackets.submit(_entry(cid), spec)).list_id
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
    """The price moves at OANDA, and fillgate's mark with it (as its quote stream would)."""
    gw.fake.set_price(Decimal(price))
    if gw.parts is not None:
        gw.parts.engine.on_quote("EUR-USD", bid=Decimal(price), ask=Decimal(price))


def _trailing(fake: FakeOanda) -> list[dict[str, Any]]:
    return [o for o in sent_orders(fake) if o.get("type") == "TRAILING_STOP_LOSS"]


def _pending(fake: FakeOanda) -> list[str]:
    return sorted(o.type for o in fake.account.orders.values() if o.state == "PENDING")


def _value(fake: FakeOanda) -> Decimal:
    (order,) = [o for o in fake.account.orders.values() if o.type == "TRAILING_STOP_LOSS"]
    return Decimal(order.extra["trailingStopValue"])


async def _flat_and_done(gw: Gateway, list_id: str) -> None:
    parts = gw.parts
    assert parts is not None
    await parts.brackets.settle()
    assert parts.brackets.get(list_id).state == "DONE"
    assert gw.member(list_id, "fix") is None  # nothing closed twice
    assert parts.engine.book.quantity(ACCOUNT, "EUR-USD") == 0
    assert gw.fake.account.positions["EUR_USD"][0] == 0
    assert await parts.reconciler.reconcile(ACCOUNT) == []


async def test_oanda_trailing_bracket_places_trailing_stop_loss_with_distance_on_entry_trade(
    gateway: Gateway,
) -> None:
    _, stop, target = await _armed(gateway, "trail-1")

    (trade,) = gateway.fake.account.trades.open_trades()
    (sent,) = _trailing(gateway.fake)
    assert (sent["tradeID"], sent["distance"], sent["timeInForce"]) == (trade.id, "0.005", "GTC")
    assert "price" not in sent
    assert stop.venue_order_id == trade.orders["TRAILING_STOP_LOSS"]
    assert target.venue_order_id == trade.orders["TAKE_PROFIT"]
    assert dict(stop.tags)["ct.trail"] == "trail:0.005"
    assert _pending(gateway.fake) == ["TAKE_PROFIT", "TRAILING_STOP_LOSS"]


async def test_oanda_price_rises_venue_trails_the_stop_and_fillgate_sends_no_replace(
    gateway: Gateway,
) -> None:
    _, stop, _ = await _armed(gateway, "trail-2")
    sent_before = len(sent_orders(gateway.fake))

    for price in ("1.09000", "1.10000", "1.09800"):
        _move(gateway, price)
        await asyncio.sleep(0.05)
    assert gateway.parts is not None
    await gateway.parts.brackets.settle()

    assert _value(gateway.fake) == Decimal("1.09500")
    assert len(sent_orders(gateway.fake)) == sent_before
    assert not [r for r in gateway.fake.requests if r[0] == "PUT" and "/orders/" in r[1]]
    assert gateway.order(stop.order_id).state is OrderState.NEW


async def test_oanda_trailing_stop_triggers_closes_trade_once_and_cancels_take_profit(
    gateway: Gateway,
) -> None:
    list_id, stop, target = await _armed(gateway, "trail-3")

    _move(gateway, "1.10000")  # the stop trails to 1.09500
    _move(gateway, "1.09400")  # and triggers there

    filled = await gateway.until(stop.order_id, OrderState.FILLED)
    await gateway.until(target.order_id, OrderState.CANCELED)
    assert filled.average_fill_price == Decimal("1.09500")
    (cancel,) = [
        t
        for t in gateway.fake.account.transactions
        if t["type"] == "ORDER_CANCEL" and t["orderID"] == target.venue_order_id
    ]
    assert cancel["reason"] == "LINKED_TRADE_CLOSED"
    await _flat_and_done(gateway, list_id)


async def test_oanda_trailing_stop_triggers_while_fillgate_stopped_restart_is_flat_and_clean(
    gateway: Gateway,
) -> None:
    list_id, stop, target = await _armed(gateway, "trail-4")
    await gateway.stop()

    gateway.fake.set_price(Decimal("1.10000"))  # OANDA trails while fillgate is down,
    gateway.fake.set_price(Decimal("1.09400"))  # closes the trade, cancels the take-profit
    await asyncio.sleep(0.05)
    await gateway.start()

    filled = await gateway.until(stop.order_id, OrderState.FILLED)
    await gateway.until(target.order_id, OrderState.CANCELED)
    assert filled.filled_quantity == QTY and filled.average_fill_price == Decimal("1.09500")
    await _flat_and_done(gateway, list_id)


async def test_oanda_trailing_stop_after_restart_still_venue_trailed_no_replace(
    gateway: Gateway,
) -> None:
    _, stop, _ = await _armed(gateway, "trail-5")
    await gateway.stop()
    parts = await gateway.start()
    sent_before = len(sent_orders(gateway.fake))

    _move(gateway, "1.10000")
    await asyncio.sleep(0.1)
    await parts.brackets.settle()

    assert dict(gateway.order(stop.order_id).tags)["ct.trail"] == "trail:0.005"
    assert len(sent_orders(gateway.fake)) == sent_before
    assert _value(gateway.fake) == Decimal("1.09500")


async def test_oanda_trailing_stop_with_activation_price_stays_a_stop_fillgate_moves(
    gateway: Gateway,
) -> None:
    spec = BracketSpec(TRAIL.stop_loss, TP, StopTerms(activation=Decimal("1.08500")))
    _, stop, _ = await _armed(gateway, "trail-6", spec)

    assert _trailing(gateway.fake) == []
    assert "ct.trail" not in dict(stop.tags)
    assert _pending(gateway.fake) == ["LIMIT", "STOP"]
    _move(gateway, "1.10000")  # active: fillgate moves the stop itself (a replace)
    await eventually(lambda: gateway.order(stop.order_id).stop_price == Decimal("1.09500"))


async def test_oanda_trade_not_the_entrys_alone_rejects_trailing_stop_and_falls_back_to_plain(
    gateway: Gateway,
) -> None:
    assert gateway.parts is not None
    gateway.fake.set_price(Decimal("1.09000"))  # the limit entry rests
    list_id = (
        await gateway.parts.brackets.submit(_entry("trail-7", OrderType.LIMIT), TRAIL)
    ).list_id
    await gateway.until(list_id, OrderState.NEW)
    gateway.fake.fill("trail-7", Decimal(500), Decimal("1.08462"))
    await eventually(
        lambda: _pending(gateway.fake) == ["LIMIT", "TAKE_PROFIT", "TRAILING_STOP_LOSS"]
    )

    gateway.fake.fill("trail-7", Decimal(500), Decimal("1.08462"))  # a second trade

    await eventually(lambda: _pending(gateway.fake) == ["LIMIT", "STOP"])
    stop = gateway.member(list_id, "sl")
    assert stop is not None and "ct.trail" not in dict(stop.tags)
    stop = await gateway.until(stop.order_id, OrderState.NEW)
    members = gateway.parts.brackets.get(list_id).members
    assert any(m.state is OrderState.REJECTED and "NATIVE_TRAIL" in m.reason for m in members)
    assert stop.quantity == QTY
    _move(gateway, "1.10000")  # the plain stop: fillgate moves it
    await eventually(lambda: gateway.order(stop.order_id).stop_price == Decimal("1.09500"))


async def test_oanda_venue_moved_trailing_stop_price_shown_by_fillgate(gateway: Gateway) -> None:
    _, stop, _ = await _armed(gateway, "trail-8")

    _move(gateway, "1.10000")  # OANDA moves the stop to 1.09500; fillgate reads it back

    await eventually(lambda: gateway.order(stop.order_id).stop_price == Decimal("1.09500"))
    shown = gateway.order(stop.order_id)
    assert (shown.state, shown.version) == (OrderState.NEW, stop.version)
    assert not [r for r in gateway.fake.requests if r[0] == "PUT" and "/orders/" in r[1]]


ALONE = BracketSpec(TRAIL.stop_loss)


async def _armed_alone(gw: Gateway, cid: str) -> tuple[str, Order]:
    assert gw.parts is not None
    list_id = (await gw.parts.brackets.submit(_entry(cid), ALONE)).list_id
    await gw.until(list_id, OrderState.FILLED)
    await eventually(lambda: gw.member(list_id, "sl") is not None)
    stop = gw.member(list_id, "sl")
    assert stop is not None
    return list_id, await gw.until(stop.order_id, OrderState.NEW)


async def test_oanda_trailing_bracket_without_take_profit_trailing_stop_rides_on_the_entry(
    gateway: Gateway,
) -> None:
    _, stop = await _armed_alone(gateway, "trail-9")

    (trade,) = gateway.fake.account.trades.open_trades()
    assert _trailing(gateway.fake) == []  # trailingStopLossOnFill: none placed after the fill
    (entry,) = [o for o in sent_orders(gateway.fake) if o.get("type") == "MARKET"]
    assert entry["trailingStopLossOnFill"]["distance"] == "0.005"
    assert stop.venue_order_id == trade.orders["TRAILING_STOP_LOSS"]
    assert _pending(gateway.fake) == ["TRAILING_STOP_LOSS"]


async def test_oanda_trailing_stop_alone_triggers_while_fillgate_stopped_restart_is_flat(
    gateway: Gateway,
) -> None:
    list_id, stop = await _armed_alone(gateway, "trail-10")
    await gateway.stop()

    gateway.fake.set_price(Decimal("1.10000"))
    gateway.fake.set_price(Decimal("1.09400"))
    await asyncio.sleep(0.05)
    await gateway.start()

    filled = await gateway.until(stop.order_id, OrderState.FILLED)
    assert filled.average_fill_price == Decimal("1.09500")
    await _flat_and_done(gateway, list_id)


async def test_oanda_trailing_stop_alone_entry_filled_as_two_trades_falls_back_to_plain(
    gateway: Gateway,
) -> None:
    assert gateway.parts is not None
    gateway.fake.set_price(Decimal("1.09000"))  # the limit entry rests
    submitted = await gateway.parts.brackets.submit(_entry("trail-11", OrderType.LIMIT), ALONE)
    list_id = submitted.list_id
    await gateway.until(list_id, OrderState.NEW)
    gateway.fake.fill("trail-11", Decimal(500), Decimal("1.08462"))
    await eventually(lambda: _pending(gateway.fake) == ["LIMIT", "TRAILING_STOP_LOSS"])

    gateway.fake.fill("trail-11", Decimal(500), Decimal("1.08462"))  # a second trade

    await eventually(lambda: _pending(gateway.fake) == ["STOP"])
    stop = gateway.member(list_id, "sl")
    assert stop is not None and "ct.trail" not in dict(stop.tags)
    stop = await gateway.until(stop.order_id, OrderState.NEW)
    assert stop.quantity == QTY
