"""Venue-held protection at OANDA (issue 13): a bracket's one take-profit and fixed stop
rest as TAKE_PROFIT and STOP_LOSS orders ON the trade its entry opened, so OANDA closes
the trade on either and cancels the other (LINKED_TRADE_CLOSED), fillgate up or not.

Only when the trade is the entry's and its units are the pair's quantity; otherwise
both are placed as ordinary orders (emulated OCO), so the stop is never missing.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fakes.gateway import ACCOUNT, buy_entry, eventually, running
from fakes.gateway import Gateway as SharedGateway
from fakes.oanda import FakeOanda
from fakes.oanda_harness import sent_orders

from fillgate.contingent.spec import BracketSpec, Exit, ExitKind, TakeProfit, role_of
from fillgate.domain.commands import CancelOrder, OrderRef, SubmitOrder
from fillgate.domain.enums import OrderState, OrderType
from fillgate.domain.orders import Order

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

QTY = Decimal(1000)


class Gateway(SharedGateway):
    """The shared restartable gateway; a role names its newest member (resizes re-place)."""

    def member(self, list_id: str, role: str) -> Order | None:
        assert self.parts is not None
        found = self.parts.brackets.get(list_id).members
        return next((m for m in reversed(found) if role_of(m)[1] == role), None)


@pytest.fixture
async def gateway(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> AsyncIterator[Gateway]:
    async with running(FakeOanda(), monkeypatch, tmp_path / "journal", Gateway) as gw:
        yield gw


SPEC = BracketSpec(
    Exit(ExitKind.PERCENT, Decimal(5)),
    (TakeProfit(Exit(ExitKind.PERCENT, Decimal(5)), fraction=Decimal(1)),),
)


def _entry(client_order_id: str, kind: OrderType = OrderType.MARKET) -> SubmitOrder:
    limit = Decimal("1.08462") if kind is OrderType.LIMIT else None
    return buy_entry("EUR-USD", QTY, client_order_id, limit)


async def _armed(gw: Gateway, client_order_id: str) -> tuple[str, Order, Order]:
    """A filled bracket entry and its stop and take-profit resting on the trade."""
    assert gw.parts is not None
    list_id = (await gw.parts.brackets.submit(_entry(client_order_id), SPEC)).list_id
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


def _on_trade(fake: FakeOanda) -> list[dict[str, Any]]:
    return [o for o in sent_orders(fake) if o.get("type") in ("STOP_LOSS", "TAKE_PROFIT")]


def _pending(fake: FakeOanda) -> list[str]:
    """The types of the orders resting at the venue."""
    return sorted(o.type for o in fake.account.orders.values() if o.state == "PENDING")


async def _flat_and_done(gw: Gateway, list_id: str) -> None:
    parts = gw.parts
    assert parts is not None
    await parts.brackets.settle()
    assert parts.brackets.get(list_id).state == "DONE"
    assert gw.member(list_id, "fix") is None  # nothing closed twice
    assert parts.engine.book.quantity(ACCOUNT, "EUR-USD") == 0
    assert gw.fake.account.positions["EUR_USD"][0] == 0
    assert await parts.reconciler.reconcile(ACCOUNT) == []


async def test_oanda_bracket_stop_and_take_profit_placed_on_the_entry_trade(
    gateway: Gateway,
) -> None:
    _, stop, target = await _armed(gateway, "prot-1")

    (trade,) = gateway.fake.account.trades.open_trades()
    sent = {o["type"]: o for o in _on_trade(gateway.fake)}
    assert sorted(sent) == ["STOP_LOSS", "TAKE_PROFIT"]
    assert sent["STOP_LOSS"]["tradeID"] == sent["TAKE_PROFIT"]["tradeID"] == trade.id
    assert Decimal(sent["STOP_LOSS"]["price"]) == stop.stop_price
    assert Decimal(sent["TAKE_PROFIT"]["price"]) == target.limit_price
    assert stop.venue_order_id == trade.orders["STOP_LOSS"]
    assert target.venue_order_id == trade.orders["TAKE_PROFIT"]
    assert len(sent_orders(gateway.fake)) == 3  # the entry, then the two orders on its trade


async def test_oanda_stop_loss_triggers_and_venue_cancels_take_profit_linked_trade_closed(
    gateway: Gateway,
) -> None:
    list_id, stop, target = await _armed(gateway, "prot-2")

    gateway.fake.set_price(Decimal("1.03000"))

    await gateway.until(stop.order_id, OrderState.FILLED)
    await gateway.until(target.order_id, OrderState.CANCELED)
    (cancel,) = [
        t
        for t in gateway.fake.account.transactions
        if t["type"] == "ORDER_CANCEL" and t["orderID"] == target.venue_order_id
    ]
    assert cancel["reason"] == "LINKED_TRADE_CLOSED"
    await _flat_and_done(gateway, list_id)


async def test_oanda_take_profit_triggers_and_venue_cancels_stop_loss(gateway: Gateway) -> None:
    list_id, stop, target = await _armed(gateway, "prot-3")

    gateway.fake.set_price(Decimal("1.14000"))

    await gateway.until(target.order_id, OrderState.FILLED)
    await gateway.until(stop.order_id, OrderState.CANCELED)
    await _flat_and_done(gateway, list_id)


async def test_oanda_stop_loss_triggers_while_fillgate_stopped_restart_has_no_overfill(
    gateway: Gateway,
) -> None:
    list_id, stop, target = await _armed(gateway, "prot-4")
    await gateway.stop()

    gateway.fake.set_price(Decimal("1.03000"))  # OANDA closes the trade, cancels the TP
    await asyncio.sleep(0.05)
    await gateway.start()

    await gateway.until(stop.order_id, OrderState.FILLED)
    await gateway.until(target.order_id, OrderState.CANCELED)
    await _flat_and_done(gateway, list_id)


async def test_oanda_entry_filled_as_two_trades_falls_back_to_separate_reduce_only_orders(
    gateway: Gateway,
) -> None:
    assert gateway.parts is not None
    entry = _entry("prot-5", OrderType.LIMIT)
    gateway.fake.set_price(Decimal("1.09000"))  # the limit rests
    list_id = (await gateway.parts.brackets.submit(entry, SPEC)).list_id
    await gateway.until(list_id, OrderState.NEW)
    gateway.fake.fill("prot-5", Decimal(500), Decimal("1.08462"))
    await eventually(lambda: _pending(gateway.fake) == ["LIMIT", "STOP_LOSS", "TAKE_PROFIT"])

    gateway.fake.fill("prot-5", Decimal(500), Decimal("1.08462"))  # a second trade

    await eventually(lambda: _pending(gateway.fake) == ["LIMIT", "STOP"])
    stop = gateway.member(list_id, "sl")
    assert stop is not None
    stop = await gateway.until(stop.order_id, OrderState.NEW)
    assert stop.quantity == QTY
    emulated = [o for o in gateway.fake.account.orders.values() if o.state == "PENDING"]
    assert all(o.position_fill == "REDUCE_ONLY" and abs(o.units) == QTY for o in emulated)


async def test_oanda_stop_loss_placed_while_fillgate_stopped_binds_by_client_id_after_restart(
    gateway: Gateway,
) -> None:
    parts = gateway.parts
    assert parts is not None
    gateway.fake.slow("POST", "/v3/accounts/101-004-1234567-001/orders", 1.0, times=2)
    submitting = asyncio.ensure_future(parts.brackets.submit(_entry("prot-6"), SPEC))
    await eventually(lambda: len(_on_trade(gateway.fake)) == 1)  # the stop-loss, unanswered
    list_id = next(o.order_id for _, o in parts.engine.orders() if o.client_order_id == "prot-6")
    await gateway.stop()
    with contextlib.suppress(Exception):
        await submitting
    await eventually(lambda: "STOP_LOSS" in _pending(gateway.fake))

    parts = await gateway.start()

    stop = gateway.member(list_id, "sl")
    assert stop is not None
    stop = await gateway.until(stop.order_id, OrderState.NEW)
    (trade,) = gateway.fake.account.trades.open_trades()
    assert stop.venue_order_id == trade.orders["STOP_LOSS"]
    await parts.brackets.settle()
    assert len([o for o in _on_trade(gateway.fake) if o["type"] == "STOP_LOSS"]) == 1
    assert await parts.reconciler.reconcile(ACCOUNT) == []


async def test_oanda_entry_canceled_after_partial_fill_keeps_protection_on_its_trade(
    gateway: Gateway,
) -> None:
    parts = gateway.parts
    assert parts is not None
    gateway.fake.set_price(Decimal("1.09000"))  # the limit entry rests
    list_id = (await parts.brackets.submit(_entry("prot-7", OrderType.LIMIT), SPEC)).list_id
    await gateway.until(list_id, OrderState.NEW)
    gateway.fake.fill("prot-7", Decimal(500), Decimal("1.08462"))
    await eventually(lambda: _pending(gateway.fake) == ["LIMIT", "STOP_LOSS", "TAKE_PROFIT"])

    await parts.engine.cancel(CancelOrder(ref=OrderRef(order_id=list_id)))

    await gateway.until(list_id, OrderState.CANCELED)
    await parts.brackets.settle()
    assert _pending(gateway.fake) == ["STOP_LOSS", "TAKE_PROFIT"]
    stop = gateway.member(list_id, "sl")
    assert stop is not None and stop.is_open and stop.quantity == 500
    gateway.fake.set_price(Decimal("1.03000"))
    await gateway.until(stop.order_id, OrderState.FILLED)
    await _flat_and_done(gateway, list_id)
