"""Protection that rides on the entry at OANDA (issue 13): a bracket whose one take-profit
is a fixed price and whose stop is a price, an offset or an amount trail sends them WITH
the entry (``takeProfitOnFill`` / ``stopLossOnFill`` / ``trailingStopLossOnFill``, each with
the member's client id), so OANDA puts them on the trade the moment the entry fills, also
while fillgate is down; a bracket with a stop and no take-profit sends the stop alone.
After the fill fillgate binds its members to those orders (by
client id) instead of placing new ones: never two stops on one position.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fakes.gateway import ACCOUNT, Gateway, buy_entry, eventually, running
from fakes.oanda import FakeOanda
from fakes.oanda_harness import sent_orders

from fillgate.contingent.spec import BracketSpec, Exit, ExitKind, TakeProfit
from fillgate.domain.commands import CancelOrder, OrderRef, SubmitOrder
from fillgate.domain.enums import OrderState, OrderType
from fillgate.domain.orders import Order
from fillgate.venues.oanda.driver import OandaDriver
from fillgate.venues.runtime.client_ids import venue_client_id

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

QTY = Decimal(1000)
FILL = Decimal("1.08462")


@pytest.fixture
async def gateway(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> AsyncIterator[Gateway]:
    async with running(FakeOanda(), monkeypatch, tmp_path / "journal") as gw:
        yield gw


def _spec(stop: Exit, take_profit: Exit | None = None) -> BracketSpec:
    target = take_profit or Exit(ExitKind.PRICE, Decimal("1.13885"))
    return BracketSpec(stop, (TakeProfit(target, fraction=Decimal(1)),))


FIXED = _spec(Exit(ExitKind.PRICE, Decimal("1.03039")))
OFFSET = _spec(Exit(ExitKind.OFFSET, Decimal("0.005")))
TRAILED = _spec(Exit(ExitKind.TRAIL, Decimal("0.005")))


def _entry(client_order_id: str, kind: OrderType = OrderType.MARKET) -> SubmitOrder:
    return buy_entry("EUR-USD", QTY, client_order_id, FILL if kind is OrderType.LIMIT else None)


def _venue_id(client_order_id: str) -> str:
    return venue_client_id(OandaDriver.client_ids, ACCOUNT, client_order_id, 0)


def _entry_body(fake: FakeOanda) -> dict[str, Any]:
    return next(o for o in sent_orders(fake) if o.get("type") in ("MARKET", "LIMIT"))


def _placed_exits(fake: FakeOanda) -> list[dict[str, Any]]:
    """Orders fillgate itself sent after the entry (none when the exits rode on it)."""
    return [o for o in sent_orders(fake) if o.get("type") not in ("MARKET", "LIMIT")]


def _pending(fake: FakeOanda) -> list[str]:
    return sorted(o.type for o in fake.account.orders.values() if o.state == "PENDING")


async def _bound(gw: Gateway, list_id: str) -> tuple[Order, Order]:
    await eventually(lambda: gw.member(list_id, "sl") is not None)
    await eventually(lambda: gw.member(list_id, "tp.1") is not None)
    stop, target = gw.member(list_id, "sl"), gw.member(list_id, "tp.1")
    assert stop is not None and target is not None
    return (
        await gw.until(stop.order_id, OrderState.NEW),
        await gw.until(target.order_id, OrderState.NEW),
    )


async def test_oanda_onfill_fixed_stop_sends_both_exits_with_member_client_ids(
    gateway: Gateway,
) -> None:
    assert gateway.parts is not None
    list_id = (await gateway.parts.brackets.submit(_entry("onfill-1"), FIXED)).list_id

    body = _entry_body(gateway.fake)
    assert body["stopLossOnFill"]["price"] == "1.03039"
    assert body["stopLossOnFill"]["clientExtensions"] == {"id": _venue_id(f"{list_id}.sl.1")}
    assert body["takeProfitOnFill"]["price"] == "1.13885"
    assert body["takeProfitOnFill"]["clientExtensions"] == {"id": _venue_id(f"{list_id}.tp.1.1")}
    assert "trailingStopLossOnFill" not in body


async def test_oanda_onfill_offset_stop_sent_as_distance_from_the_fill(gateway: Gateway) -> None:
    assert gateway.parts is not None
    list_id = (await gateway.parts.brackets.submit(_entry("onfill-2"), OFFSET)).list_id
    stop, _ = await _bound(gateway, list_id)

    assert _entry_body(gateway.fake)["stopLossOnFill"]["distance"] == "0.005"
    (trade,) = gateway.fake.account.trades.open_trades()
    venue_stop = gateway.fake.account.orders[trade.orders["STOP_LOSS"]]
    assert venue_stop.price == stop.stop_price == FILL - Decimal("0.005")


async def test_oanda_onfill_market_entry_binds_members_places_no_exit(gateway: Gateway) -> None:
    assert gateway.parts is not None
    list_id = (await gateway.parts.brackets.submit(_entry("onfill-3"), FIXED)).list_id

    stop, target = await _bound(gateway, list_id)

    (trade,) = gateway.fake.account.trades.open_trades()
    assert stop.venue_order_id == trade.orders["STOP_LOSS"]
    assert target.venue_order_id == trade.orders["TAKE_PROFIT"]
    await gateway.parts.brackets.settle()
    assert _placed_exits(gateway.fake) == []
    assert _pending(gateway.fake) == ["STOP_LOSS", "TAKE_PROFIT"]
    assert await gateway.parts.reconciler.reconcile(ACCOUNT) == []


async def test_oanda_onfill_trailing_stop_rides_as_trailing_stop_loss_on_fill(
    gateway: Gateway,
) -> None:
    assert gateway.parts is not None
    list_id = (await gateway.parts.brackets.submit(_entry("onfill-4"), TRAILED)).list_id

    stop, _ = await _bound(gateway, list_id)

    body = _entry_body(gateway.fake)
    assert body["trailingStopLossOnFill"]["distance"] == "0.005"
    assert "stopLossOnFill" not in body
    (trade,) = gateway.fake.account.trades.open_trades()
    assert stop.venue_order_id == trade.orders["TRAILING_STOP_LOSS"]
    assert _placed_exits(gateway.fake) == []


async def test_oanda_onfill_limit_entry_fills_while_fillgate_down_stop_bound_after_restart(
    gateway: Gateway,
) -> None:
    assert gateway.parts is not None
    gateway.fake.set_price(Decimal("1.09000"))  # the limit entry rests
    list_id = (
        await gateway.parts.brackets.submit(_entry("onfill-5", OrderType.LIMIT), FIXED)
    ).list_id
    await gateway.until(list_id, OrderState.NEW)
    await gateway.stop()

    gateway.fake.fill("onfill-5", QTY, FILL)  # fillgate is down: OANDA protects the trade
    assert _pending(gateway.fake) == ["STOP_LOSS", "TAKE_PROFIT"]
    parts = await gateway.start()

    await gateway.until(list_id, OrderState.FILLED)
    stop, target = await _bound(gateway, list_id)
    await parts.brackets.settle()
    (trade,) = gateway.fake.account.trades.open_trades()
    assert stop.venue_order_id == trade.orders["STOP_LOSS"]
    assert target.venue_order_id == trade.orders["TAKE_PROFIT"]
    assert _placed_exits(gateway.fake) == []  # no second stop
    assert _pending(gateway.fake) == ["STOP_LOSS", "TAKE_PROFIT"]
    assert await parts.reconciler.reconcile(ACCOUNT) == []


async def test_oanda_onfill_take_profit_fill_cancels_stop_and_ends_bracket(
    gateway: Gateway,
) -> None:
    parts = gateway.parts
    assert parts is not None
    list_id = (await parts.brackets.submit(_entry("onfill-6"), FIXED)).list_id
    stop, target = await _bound(gateway, list_id)

    gateway.fake.set_price(Decimal("1.14000"))

    await gateway.until(target.order_id, OrderState.FILLED)
    await gateway.until(stop.order_id, OrderState.CANCELED)
    await parts.brackets.settle()
    assert parts.brackets.get(list_id).state == "DONE"
    assert gateway.member(list_id, "fix") is None
    assert parts.engine.book.quantity(ACCOUNT, "EUR-USD") == 0
    assert await parts.reconciler.reconcile(ACCOUNT) == []


async def test_oanda_onfill_stop_fill_after_restart_binding_closes_position_once(
    gateway: Gateway,
) -> None:
    parts = gateway.parts
    assert parts is not None
    list_id = (await parts.brackets.submit(_entry("onfill-7"), FIXED)).list_id
    stop, target = await _bound(gateway, list_id)
    await gateway.stop()
    gateway.fake.set_price(Decimal("1.03000"))  # OANDA closes the trade, cancels the TP
    await asyncio.sleep(0.05)

    parts = await gateway.start()

    await gateway.until(stop.order_id, OrderState.FILLED)
    await gateway.until(target.order_id, OrderState.CANCELED)
    await parts.brackets.settle()
    assert parts.brackets.get(list_id).state == "DONE"
    assert parts.engine.book.quantity(ACCOUNT, "EUR-USD") == 0
    assert gateway.fake.account.positions["EUR_USD"][0] == 0


async def test_oanda_onfill_percent_stop_does_not_fit_stays_on_trade_path(
    gateway: Gateway,
) -> None:
    assert gateway.parts is not None
    spec = _spec(Exit(ExitKind.PERCENT, Decimal(5)))
    list_id = (await gateway.parts.brackets.submit(_entry("onfill-8"), spec)).list_id
    await _bound(gateway, list_id)

    body = _entry_body(gateway.fake)
    assert not {"stopLossOnFill", "takeProfitOnFill", "trailingStopLossOnFill"} & set(body)
    assert sorted(o["type"] for o in _placed_exits(gateway.fake)) == ["STOP_LOSS", "TAKE_PROFIT"]


async def test_oanda_onfill_relative_take_profit_does_not_fit_sends_nothing_with_entry(
    gateway: Gateway,
) -> None:
    assert gateway.parts is not None
    spec = _spec(Exit(ExitKind.PRICE, Decimal("1.03039")), Exit(ExitKind.OFFSET, Decimal("0.01")))
    await gateway.parts.brackets.submit(_entry("onfill-9"), spec)

    assert "takeProfitOnFill" not in _entry_body(gateway.fake)


async def test_oanda_onfill_partly_filled_entry_arms_nothing_then_binds_when_canceled(
    gateway: Gateway,
) -> None:
    parts = gateway.parts
    assert parts is not None
    gateway.fake.set_price(Decimal("1.09000"))  # the limit entry rests
    entry = _entry("onfill-11", OrderType.LIMIT)
    list_id = (await parts.brackets.submit(entry, FIXED)).list_id
    await gateway.until(list_id, OrderState.NEW)

    gateway.fake.fill("onfill-11", Decimal(500), FILL)
    await gateway.until(list_id, OrderState.PARTIALLY_FILLED)
    await parts.brackets.settle()
    assert gateway.member(list_id, "sl") is None  # OANDA holds the exits of what filled
    assert _pending(gateway.fake) == ["LIMIT", "STOP_LOSS", "TAKE_PROFIT"]
    await parts.engine.cancel(CancelOrder(ref=OrderRef(order_id=list_id)))

    stop, target = await _bound(gateway, list_id)

    (trade,) = gateway.fake.account.trades.open_trades()
    assert stop.venue_order_id == trade.orders["STOP_LOSS"]
    assert stop.quantity == target.quantity == 500
    assert _placed_exits(gateway.fake) == []
    assert await parts.reconciler.reconcile(ACCOUNT) == []


# -- a stop and no take-profit: stopLossOnFill (or trailingStopLossOnFill) alone ----------

LONE_STOP = BracketSpec(Exit(ExitKind.PRICE, Decimal("1.03039")))


async def _bound_stop(gw: Gateway, list_id: str) -> Order:
    await eventually(lambda: gw.member(list_id, "sl") is not None)
    stop = gw.member(list_id, "sl")
    assert stop is not None
    return await gw.until(stop.order_id, OrderState.NEW)


async def test_oanda_onfill_stop_alone_sends_stop_loss_on_fill_without_take_profit(
    gateway: Gateway,
) -> None:
    assert gateway.parts is not None
    list_id = (await gateway.parts.brackets.submit(_entry("onfill-21"), LONE_STOP)).list_id

    body = _entry_body(gateway.fake)
    assert body["stopLossOnFill"]["price"] == "1.03039"
    assert body["stopLossOnFill"]["clientExtensions"] == {"id": _venue_id(f"{list_id}.sl.1")}
    assert "takeProfitOnFill" not in body and "trailingStopLossOnFill" not in body


async def test_oanda_onfill_stop_alone_limit_entry_fills_while_down_bound_after_restart(
    gateway: Gateway,
) -> None:
    assert gateway.parts is not None
    gateway.fake.set_price(Decimal("1.09000"))  # the limit entry rests
    entry = _entry("onfill-22", OrderType.LIMIT)
    list_id = (await gateway.parts.brackets.submit(entry, LONE_STOP)).list_id
    await gateway.until(list_id, OrderState.NEW)
    await gateway.stop()

    gateway.fake.fill("onfill-22", QTY, FILL)  # fillgate is down: OANDA puts the stop on
    assert _pending(gateway.fake) == ["STOP_LOSS"]
    parts = await gateway.start()

    await gateway.until(list_id, OrderState.FILLED)
    stop = await _bound_stop(gateway, list_id)
    await parts.brackets.settle()
    (trade,) = gateway.fake.account.trades.open_trades()
    assert stop.venue_order_id == trade.orders["STOP_LOSS"]
    assert _placed_exits(gateway.fake) == []  # no second stop
    assert _pending(gateway.fake) == ["STOP_LOSS"]
    assert await parts.reconciler.reconcile(ACCOUNT) == []


async def test_oanda_onfill_stop_alone_triggers_closes_position_and_ends_bracket(
    gateway: Gateway,
) -> None:
    parts = gateway.parts
    assert parts is not None
    list_id = (await parts.brackets.submit(_entry("onfill-23"), LONE_STOP)).list_id
    stop = await _bound_stop(gateway, list_id)

    gateway.fake.set_price(Decimal("1.03000"))

    await gateway.until(stop.order_id, OrderState.FILLED)
    await parts.brackets.settle()
    assert parts.brackets.get(list_id).state == "DONE"
    assert parts.engine.book.quantity(ACCOUNT, "EUR-USD") == 0
    assert _placed_exits(gateway.fake) == []
    assert await parts.reconciler.reconcile(ACCOUNT) == []


async def test_oanda_onfill_trailing_stop_alone_rides_as_trailing_stop_loss_on_fill(
    gateway: Gateway,
) -> None:
    assert gateway.parts is not None
    spec = BracketSpec(Exit(ExitKind.TRAIL, Decimal("0.005")))
    list_id = (await gateway.parts.brackets.submit(_entry("onfill-24"), spec)).list_id

    stop = await _bound_stop(gateway, list_id)

    body = _entry_body(gateway.fake)
    assert body["trailingStopLossOnFill"]["distance"] == "0.005"
    assert "takeProfitOnFill" not in body and "stopLossOnFill" not in body
    (trade,) = gateway.fake.account.trades.open_trades()
    assert stop.venue_order_id == trade.orders["TRAILING_STOP_LOSS"]
    assert _placed_exits(gateway.fake) == []


async def test_oanda_onfill_percent_stop_alone_does_not_fit_placed_after_fill(
    gateway: Gateway,
) -> None:
    assert gateway.parts is not None
    spec = BracketSpec(Exit(ExitKind.PERCENT, Decimal(5)))
    list_id = (await gateway.parts.brackets.submit(_entry("onfill-25"), spec)).list_id
    await _bound_stop(gateway, list_id)

    assert "stopLossOnFill" not in _entry_body(gateway.fake)
    assert [o["type"] for o in _placed_exits(gateway.fake)] == ["STOP"]  # as before


async def test_oanda_onfill_stop_alone_entry_filled_as_two_trades_leaves_one_stop(
    gateway: Gateway,
) -> None:
    assert gateway.parts is not None
    gateway.fake.set_price(Decimal("1.09000"))  # the limit entry rests
    entry = _entry("onfill-26", OrderType.LIMIT)
    list_id = (await gateway.parts.brackets.submit(entry, LONE_STOP)).list_id
    await gateway.until(list_id, OrderState.NEW)

    gateway.fake.fill("onfill-26", Decimal(500), FILL)
    gateway.fake.fill("onfill-26", Decimal(500), FILL)  # a second trade, its own on-fill stop

    await eventually(lambda: _pending(gateway.fake) == ["STOP"])
    members = gateway.parts.brackets.get(list_id).members
    (live,) = [m for m in members if m.is_open]
    assert live.quantity == QTY  # the one stop, for the whole position
    assert [m.state for m in members if not m.is_open] == [OrderState.CANCELED]
    await gateway.until(live.order_id, OrderState.NEW)
    assert await gateway.parts.reconciler.reconcile(ACCOUNT) == []
