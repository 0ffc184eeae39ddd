"""Alpaca OTO orders (issue 13): a bracket with a fixed stop and NO take-profit sends its
stop WITH the entry as ONE ``order_class=oto`` order. Alpaca holds the stop leg until
the entry fills, then works it, fillgate up or not. After the fill the stop member binds
to that leg (found in the parent's ``legs``) instead of being placed: one stop only.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fakes.alpaca import FakeAlpaca
from fakes.alpaca_harness import posted_orders
from fakes.gateway import ACCOUNT, Gateway, buy_entry, eventually, running

from fillgate.contingent.spec import BracketSpec, Exit, ExitKind
from fillgate.domain.commands import CancelOrder, OrderRef, SubmitOrder
from fillgate.domain.enums import OrderState
from fillgate.domain.orders import Order

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

QTY = Decimal(2)
STOP = Decimal("150.5")
ENTRY_LIMIT = Decimal(170)
FIXED_STOP = Exit(ExitKind.PRICE, STOP)


@pytest.fixture
async def gateway(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> AsyncIterator[Gateway]:
    async with running(FakeAlpaca(), monkeypatch, tmp_path / "journal") as gw:
        yield gw


def _spec(stop: Exit = FIXED_STOP) -> BracketSpec:
    return BracketSpec(stop)  # a stop and no take-profit


def _entry(gw: Gateway, client_order_id: str, limit: Decimal | None = None) -> SubmitOrder:
    return buy_entry(gw.fake.symbol, QTY, client_order_id, limit)


def _otos(fake: FakeAlpaca) -> list[dict[str, Any]]:
    return [b for b in posted_orders(fake) if b.get("order_class") == "oto"]


def _stop_leg(fake: FakeAlpaca, client_order_id: str) -> Any:
    parent = fake.book.by_client_id(client_order_id)
    assert parent is not None
    (leg,) = parent.legs
    assert leg.type == "stop"
    return leg


def _working_stops(fake: FakeAlpaca) -> list[Any]:
    return [o for o in fake.book.orders if o.type == "stop" and o.is_open]


async def _bound_stop(gw: Gateway, list_id: str) -> Order:
    await eventually(lambda: gw.member(list_id, "sl") is not None)
    stop = gw.member(list_id, "sl")
    assert stop is not None
    return await gw.until(stop.order_id, OrderState.NEW)


async def test_alpaca_oto_entry_sent_as_one_oto_order_with_the_stop_only(
    gateway: Gateway,
) -> None:
    assert gateway.parts is not None
    await gateway.parts.brackets.submit(_entry(gateway, "oto-1", ENTRY_LIMIT), _spec())

    (sent,) = _otos(gateway.fake)
    assert sent["client_order_id"] == "oto-1"
    assert Decimal(str(sent["stop_loss"]["stop_price"])) == STOP
    assert "take_profit" not in sent
    assert _stop_leg(gateway.fake, "oto-1").status == "held"


async def test_alpaca_oto_limit_entry_fills_while_fillgate_down_stop_bound_after_restart(
    gateway: Gateway,
) -> None:
    parts = gateway.parts
    assert parts is not None
    list_id = (await parts.brackets.submit(_entry(gateway, "oto-2", ENTRY_LIMIT), _spec())).list_id
    await gateway.until(list_id, OrderState.NEW)
    assert await parts.reconciler.reconcile(ACCOUNT) == []  # the held leg is not foreign
    await gateway.stop()

    gateway.fake.fill("oto-2", QTY, ENTRY_LIMIT)  # fillgate is down: Alpaca works the stop
    assert len(_working_stops(gateway.fake)) == 1
    parts = await gateway.start()

    await gateway.until(list_id, OrderState.FILLED)
    stop = await _bound_stop(gateway, list_id)
    await parts.brackets.settle()
    assert stop.venue_order_id == _stop_leg(gateway.fake, "oto-2").id
    assert stop.quantity == QTY
    assert len(posted_orders(gateway.fake)) == 1  # the OTO order only: no second stop
    assert len(_working_stops(gateway.fake)) == 1
    assert await parts.reconciler.reconcile(ACCOUNT) == []


async def test_alpaca_oto_stop_leg_fills_closes_position_and_ends_bracket(
    gateway: Gateway,
) -> None:
    parts = gateway.parts
    assert parts is not None
    list_id = (await parts.brackets.submit(_entry(gateway, "oto-3"), _spec())).list_id
    stop = await _bound_stop(gateway, list_id)

    gateway.fake.fill(_stop_leg(gateway.fake, "oto-3").id, QTY, STOP)

    await gateway.until(stop.order_id, OrderState.FILLED)
    await parts.brackets.settle()
    assert parts.brackets.get(list_id).state == "DONE"
    assert parts.engine.book.quantity(ACCOUNT, gateway.fake.symbol) == 0
    assert len(posted_orders(gateway.fake)) == 1


async def test_alpaca_oto_partly_filled_entry_canceled_places_one_stop_for_what_filled(
    gateway: Gateway,
) -> None:
    parts = gateway.parts
    assert parts is not None
    list_id = (await parts.brackets.submit(_entry(gateway, "oto-5", ENTRY_LIMIT), _spec())).list_id
    await gateway.until(list_id, OrderState.NEW)
    gateway.fake.fill("oto-5", Decimal(1), ENTRY_LIMIT)
    await gateway.until(list_id, OrderState.PARTIALLY_FILLED)

    await parts.engine.cancel(CancelOrder(ref=OrderRef(order_id=list_id)))

    await gateway.until(list_id, OrderState.CANCELED)
    await eventually(lambda: len(_working_stops(gateway.fake)) == 1)
    await parts.brackets.settle()
    (stop,) = _working_stops(gateway.fake)
    assert stop.qty == 1  # for what filled; the held leg was canceled with its parent
    assert _stop_leg(gateway.fake, "oto-5").status == "canceled"
    assert await parts.reconciler.reconcile(ACCOUNT) == []


async def test_alpaca_oto_percent_stop_does_not_fit_stop_placed_after_fill(
    gateway: Gateway,
) -> None:
    parts = gateway.parts
    assert parts is not None
    spec = _spec(Exit(ExitKind.PERCENT, Decimal(5)))
    list_id = (await parts.brackets.submit(_entry(gateway, "oto-4"), spec)).list_id
    stop = await _bound_stop(gateway, list_id)

    assert _otos(gateway.fake) == []
    sent = posted_orders(gateway.fake)
    assert [b.get("order_class") for b in sent] == [None, None]
    assert sent[1]["type"] == "stop"
    assert stop.venue_order_id == _working_stops(gateway.fake)[0].id
    assert len(_working_stops(gateway.fake)) == 1
