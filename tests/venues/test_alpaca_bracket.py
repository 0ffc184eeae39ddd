"""Alpaca bracket orders (issue 13): a bracket whose one take-profit and fixed stop are
prices goes to Alpaca WITH its entry as ONE ``order_class=bracket`` order. Alpaca holds
the legs until the entry fills, then works them as an OCO pair, fillgate up or not.
After the fill the stop and take-profit members bind to the legs (by the legs' venue
order ids, read from the parent's ``legs``) instead of being placed: one stop only.
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

from fillgate.contingent.spec import BracketSpec, Exit, ExitKind, TakeProfit
from fillgate.domain.commands import SubmitOrder
from fillgate.domain.enums import OrderState
from fillgate.domain.orders import Order

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

QTY = Decimal(2)
STOP, TARGET = Decimal("150.5"), Decimal("210.25")


@pytest.fixture
async def gateway(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> AsyncIterator[Gateway]:
    async with running(FakeAlpaca(), monkeypatch, tmp_path / "journal") as gw:
        yield gw


FIXED_STOP = Exit(ExitKind.PRICE, STOP)


def _spec(stop: Exit = FIXED_STOP) -> BracketSpec:
    return BracketSpec(stop, (TakeProfit(Exit(ExitKind.PRICE, TARGET), fraction=Decimal(1)),))


def _entry(gw: Gateway, client_order_id: str, limit: Decimal | None = None) -> SubmitOrder:
    return buy_entry(gw.fake.symbol, QTY, client_order_id, limit)


def _brackets(fake: FakeAlpaca) -> list[dict[str, Any]]:
    return [b for b in posted_orders(fake) if b.get("order_class") == "bracket"]


def _legs(fake: FakeAlpaca, client_order_id: str) -> dict[str, Any]:
    """The parent's legs at the venue, by type ("limit": take-profit, "stop": stop-loss)."""
    parent = fake.book.by_client_id(client_order_id)
    assert parent is not None
    return {leg.type: leg for leg in parent.legs}


def _working_stops(fake: FakeAlpaca) -> list[Any]:
    return [o for o in fake.book.orders if o.type == "stop" and o.is_open]


async def _bound(gw: Gateway, list_id: str) -> tuple[Order, Order]:
    await eventually(lambda: gw.member(list_id, "sl") is not None)
    await eventually(lambda: gw.member(list_id, "tp.1") is not None)
    stop, target = gw.member(list_id, "sl"), gw.member(list_id, "tp.1")
    assert stop is not None and target is not None
    return (
        await gw.until(stop.order_id, OrderState.NEW),
        await gw.until(target.order_id, OrderState.NEW),
    )


async def test_alpaca_bracket_entry_sent_as_one_bracket_order_with_both_prices(
    gateway: Gateway,
) -> None:
    assert gateway.parts is not None
    await gateway.parts.brackets.submit(_entry(gateway, "brk-1"), _spec())

    (sent,) = _brackets(gateway.fake)
    assert sent["client_order_id"] == "brk-1"
    assert Decimal(str(sent["take_profit"]["limit_price"])) == TARGET
    assert Decimal(str(sent["stop_loss"]["stop_price"])) == STOP


async def test_alpaca_bracket_market_entry_binds_members_to_the_legs(gateway: Gateway) -> None:
    parts = gateway.parts
    assert parts is not None
    list_id = (await parts.brackets.submit(_entry(gateway, "brk-2"), _spec())).list_id

    stop, target = await _bound(gateway, list_id)

    legs = _legs(gateway.fake, "brk-2")
    assert stop.venue_order_id == legs["stop"].id
    assert target.venue_order_id == legs["limit"].id
    await parts.brackets.settle()
    assert len(posted_orders(gateway.fake)) == 1  # the bracket order only: nothing placed
    assert await parts.reconciler.reconcile(ACCOUNT) == []


async def test_alpaca_bracket_limit_entry_fills_while_fillgate_down_stop_bound_after_restart(
    gateway: Gateway,
) -> None:
    parts = gateway.parts
    assert parts is not None
    entry = _entry(gateway, "brk-3", limit=Decimal("170"))
    list_id = (await parts.brackets.submit(entry, _spec())).list_id
    await gateway.until(list_id, OrderState.NEW)
    assert [leg.status for leg in _legs(gateway.fake, "brk-3").values()] == ["held", "held"]
    assert await parts.reconciler.reconcile(ACCOUNT) == []  # held legs are not foreign
    await gateway.stop()

    gateway.fake.fill("brk-3", QTY, Decimal("170"))  # fillgate is down: Alpaca works the legs
    assert len(_working_stops(gateway.fake)) == 1
    parts = await gateway.start()

    await gateway.until(list_id, OrderState.FILLED)
    stop, target = await _bound(gateway, list_id)
    await parts.brackets.settle()
    assert stop.venue_order_id == _legs(gateway.fake, "brk-3")["stop"].id
    assert target.venue_order_id == _legs(gateway.fake, "brk-3")["limit"].id
    assert len(posted_orders(gateway.fake)) == 1  # no second stop placed
    assert len(_working_stops(gateway.fake)) == 1
    assert await parts.reconciler.reconcile(ACCOUNT) == []


async def test_alpaca_bracket_take_profit_fill_cancels_stop_and_ends_bracket(
    gateway: Gateway,
) -> None:
    parts = gateway.parts
    assert parts is not None
    list_id = (await parts.brackets.submit(_entry(gateway, "brk-4"), _spec())).list_id
    stop, target = await _bound(gateway, list_id)

    gateway.fake.fill(_legs(gateway.fake, "brk-4")["limit"].id, QTY, TARGET)

    await gateway.until(target.order_id, OrderState.FILLED)
    await gateway.until(stop.order_id, OrderState.CANCELED)
    await parts.brackets.settle()
    assert parts.brackets.get(list_id).state == "DONE"
    assert gateway.member(list_id, "fix") is None
    assert parts.engine.book.quantity(ACCOUNT, gateway.fake.symbol) == 0


async def test_alpaca_bracket_entry_canceled_unfilled_cancels_held_legs(gateway: Gateway) -> None:
    parts = gateway.parts
    assert parts is not None
    entry = _entry(gateway, "brk-5", limit=Decimal("170"))
    list_id = (await parts.brackets.submit(entry, _spec())).list_id
    await gateway.until(list_id, OrderState.NEW)

    state = (await parts.brackets.cancel_list(list_id)).state

    assert state == "CANCELED"
    await eventually(
        lambda: all(leg.status == "canceled" for leg in _legs(gateway.fake, "brk-5").values())
    )
    await asyncio.sleep(0.05)
    assert gateway.member(list_id, "sl") is None
    assert await parts.reconciler.reconcile(ACCOUNT) == []


async def test_alpaca_bracket_relative_stop_does_not_fit_stays_on_oco_path(
    gateway: Gateway,
) -> None:
    parts = gateway.parts
    assert parts is not None
    spec = _spec(Exit(ExitKind.OFFSET, Decimal(10)))
    list_id = (await parts.brackets.submit(_entry(gateway, "brk-6"), spec)).list_id
    await _bound(gateway, list_id)

    assert _brackets(gateway.fake) == []
    assert [b.get("order_class") for b in posted_orders(gateway.fake)] == [None, "oco"]


async def test_alpaca_bracket_stop_leg_fills_while_fillgate_down_lands_once_after_restart(
    gateway: Gateway,
) -> None:
    parts = gateway.parts
    assert parts is not None
    list_id = (await parts.brackets.submit(_entry(gateway, "brk-7"), _spec())).list_id
    stop, target = await _bound(gateway, list_id)
    await gateway.stop()
    gateway.fake.fill(_legs(gateway.fake, "brk-7")["stop"].id, QTY, STOP)  # Alpaca cancels TP

    parts = await gateway.start()

    filled = await gateway.until(stop.order_id, OrderState.FILLED)
    await gateway.until(target.order_id, OrderState.CANCELED)
    await parts.brackets.settle()
    assert filled.filled_quantity == QTY
    assert parts.brackets.get(list_id).state == "DONE"
    assert parts.engine.book.quantity(ACCOUNT, gateway.fake.symbol) == 0
    assert len(posted_orders(gateway.fake)) == 1


async def test_alpaca_bracket_restart_while_binding_binds_the_leg_places_no_stop(
    gateway: Gateway,
) -> None:
    parts = gateway.parts
    assert parts is not None
    gateway.fake.slow("GET", "/v2/orders:by_client_order_id", 1.0, times=1)
    submitting = asyncio.ensure_future(parts.brackets.submit(_entry(gateway, "brk-8"), _spec()))
    await eventually(
        lambda: any(o.client_order_id.endswith(".sl.1") for _, o in parts.engine.orders())
    )
    list_id = next(o.order_id for _, o in parts.engine.orders() if o.client_order_id == "brk-8")
    stop = gateway.member(list_id, "sl")
    assert stop is not None and stop.state is OrderState.PENDING_NEW
    await gateway.stop()
    submitting.cancel()

    parts = await gateway.start()

    stop = await gateway.until(stop.order_id, OrderState.NEW)
    assert stop.venue_order_id == _legs(gateway.fake, "brk-8")["stop"].id
    await parts.brackets.settle()
    assert len(posted_orders(gateway.fake)) == 1
    assert len(_working_stops(gateway.fake)) == 1
