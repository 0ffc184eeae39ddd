"""Venue-trailed stops at Binance spot (issue 13): a bracket's percent trail in whole basis
points rests as a ``STOP_LOSS`` with ``trailingDelta`` (Binance trails it from the best
trade price since placing, fillgate up or not), alone or as the stop leg of the OCO
order list with the one take-profit. fillgate never moves such a stop.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from urllib.parse import parse_qsl

import pytest
from fakes.binance import FakeBinance
from fakes.gateway import ACCOUNT, Gateway, buy_entry, eventually, running

from fillgate.contingent.spec import TRAIL, BracketSpec, Exit, ExitKind, TakeProfit
from fillgate.domain.commands import SetReferencePrice, SubmitOrder
from fillgate.domain.enums import OrderState
from fillgate.domain.orders import Order

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

QTY = Decimal("0.01")
OCO_PATH = "/api/v3/orderList/oco"
TP = (TakeProfit(Exit(ExitKind.PERCENT, Decimal(10)), fraction=Decimal(1)),)


@pytest.fixture
async def gateway(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> AsyncIterator[Gateway]:
    async with running(FakeBinance(), monkeypatch, tmp_path / "journal") as gw:
        yield gw


def _spec(percent: str, take_profits: tuple[TakeProfit, ...] = TP) -> BracketSpec:
    return BracketSpec(Exit(ExitKind.TRAIL_PERCENT, Decimal(percent)), take_profits)


def _entry(client_order_id: str) -> SubmitOrder:
    return buy_entry("BTC-USD", QTY, client_order_id)


async def _trailed(gw: Gateway, client_order_id: str, spec: BracketSpec) -> tuple[str, Order]:
    """A filled bracket entry and its stop, resting (NEW)."""
    assert gw.parts is not None
    list_id = (await gw.parts.brackets.submit(_entry(client_order_id), spec)).list_id
    await gw.until(list_id, OrderState.FILLED)
    await eventually(lambda: gw.member(list_id, "sl") is not None)
    stop = gw.member(list_id, "sl")
    assert stop is not None
    return list_id, await gw.until(stop.order_id, OrderState.NEW)


def _posts(fake: FakeBinance, path: str) -> list[dict[str, str]]:
    return [
        dict(parse_qsl(r.params)) for r in fake.requests if r.method == "POST" and r.path == path
    ]


def _move(gw: Gateway, price: str) -> None:
    """The venue trades at ``price`` and fillgate's mark follows."""
    assert gw.parts is not None
    gw.fake.set_price(Decimal(price))
    gw.parts.engine.set_reference_price(SetReferencePrice(symbol="BTC-USD", price=Decimal(price)))


async def test_ccxt_percent_trail_with_one_take_profit_rests_as_the_oco_trailing_leg(
    gateway: Gateway,
) -> None:
    _, stop = await _trailed(gateway, "nt-1", _spec("2"))

    (oco,) = _posts(gateway.fake, OCO_PATH)
    assert (oco["belowType"], oco["belowTrailingDelta"]) == ("STOP_LOSS", "200")
    assert "belowStopPrice" not in oco
    tags = dict(stop.tags)
    assert (tags.get(TRAIL), tags.get("ct.native")) == ("trail_percent:2", "oco")


async def test_ccxt_trailing_oco_leg_triggers_once_the_price_falls_back_from_its_high(
    gateway: Gateway,
) -> None:
    list_id, stop = await _trailed(gateway, "nt-2", _spec("2"))
    target = gateway.member(list_id, "tp.1")
    assert target is not None

    _move(gateway, "52000")  # the high: Binance's stop now sits at 50960
    _move(gateway, "51000")  # above it: nothing
    await asyncio.sleep(0.05)
    assert gateway.order(stop.order_id).state is OrderState.NEW
    _move(gateway, "50900")

    await gateway.until(stop.order_id, OrderState.FILLED)
    await gateway.until(target.order_id, OrderState.EXPIRED)
    assert gateway.parts is not None
    assert gateway.parts.engine.book.quantity(ACCOUNT, "BTC-USD") == 0


async def test_ccxt_percent_trail_alone_rests_as_a_trailing_stop_loss(gateway: Gateway) -> None:
    await _trailed(gateway, "nt-3", _spec("1.5", take_profits=()))

    orders = _posts(gateway.fake, "/api/v3/order")
    stop = orders[-1]  # the entry went first
    assert (stop["type"], stop["trailingDelta"]) == ("STOP_LOSS", "150")
    assert "stopPrice" not in stop


async def test_ccxt_fillgate_never_moves_a_venue_trailed_stop(gateway: Gateway) -> None:
    _, stop = await _trailed(gateway, "nt-4", _spec("2"))
    lists = len(_posts(gateway.fake, OCO_PATH))

    _move(gateway, "55000")
    await asyncio.sleep(0.1)
    assert gateway.parts is not None
    await gateway.parts.brackets.settle()

    assert len(_posts(gateway.fake, OCO_PATH)) == lists
    assert gateway.order(stop.order_id).stop_price == stop.stop_price


async def test_ccxt_venue_trailed_stop_triggered_while_fillgate_down_closes_once(
    gateway: Gateway,
) -> None:
    list_id, stop = await _trailed(gateway, "nt-5", _spec("2"))
    await gateway.stop()

    gateway.fake.set_price(Decimal("53000"))  # Binance keeps trailing: stop at 51940
    gateway.fake.set_price(Decimal("51900"))
    await asyncio.sleep(0.05)
    parts = await gateway.start()

    await gateway.until(stop.order_id, OrderState.FILLED)
    await parts.brackets.settle()
    assert parts.brackets.get(list_id).state == "DONE"
    assert gateway.member(list_id, "fix") is None
    assert parts.engine.book.quantity(ACCOUNT, "BTC-USD") == 0
    assert await parts.reconciler.reconcile(ACCOUNT) == []


async def test_ccxt_percent_trail_finer_than_a_basis_point_with_take_profit_is_held(
    gateway: Gateway,
) -> None:
    assert gateway.parts is not None

    list_id = (await gateway.parts.brackets.submit(_entry("nt-6"), _spec("1.255"))).list_id
    await eventually(lambda: gateway.member(list_id, "tp.1") is not None)

    held = gateway.parts.brackets.get(list_id).held_stop_price
    assert (held, gateway.member(list_id, "sl")) == (Decimal("49372.50"), None)
    assert not [r for r in gateway.fake.requests if "trailingDelta" in r.params]


async def test_ccxt_percent_trail_finer_than_a_basis_point_alone_is_moved_by_fillgate(
    gateway: Gateway,
) -> None:
    list_id, stop = await _trailed(gateway, "nt-7", _spec("1.255", take_profits=()))

    assert TRAIL not in dict(stop.tags) and stop.stop_price is not None
    _move(gateway, "52000")

    def moved() -> bool:
        now = gateway.member(list_id, "sl")
        return now is not None and now.stop_price is not None and now.stop_price > stop.stop_price

    await eventually(moved)
