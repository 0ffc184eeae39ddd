"""Binance spot brackets whose lone stop rides on the entry (issue 13): a LIMIT GTC entry
with a fixed stop and NO take-profit goes as ONE OTO order list
(``POST /api/v3/orderList/oto``): the working order is the entry, the pending order a
``STOP_LOSS`` under the stop member's client id, which Binance puts on the book once the
entry is fully filled, fillgate up or not. The stop member binds to it after the fill.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path

import pytest
from ccxt_entry_support import (
    ENTRY,
    QTY,
    list_posts,
    partly_filled_then_canceled,
    resting,
    venue_id,
)
from ccxt_entry_support import posts as _posts
from ccxt_entry_support import working_stops as _working_stops
from fakes.binance import FakeBinance
from fakes.binance_book import Order as VenueOrder
from fakes.gateway import ACCOUNT, Gateway, buy_entry, eventually, running

from fillgate.contingent.spec import BracketSpec, Exit, ExitKind, member_client_order_id
from fillgate.domain.commands import SubmitOrder
from fillgate.domain.enums import OrderState, OrderType, Side, TimeInForce
from fillgate.domain.orders import Order
from fillgate.venues.ccxt.otoco import oto_params
from fillgate.venues.types import EntryProtection, PlaceRequest

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

STOP = Decimal("47000")
OTO_PATH = "/api/v3/orderList/oto"
FIXED_STOP = Exit(ExitKind.PRICE, STOP)


def _vid(gw: Gateway, client_order_id: str) -> str:
    return venue_id(gw, client_order_id)


def _oto_posts(fake: FakeBinance) -> list[dict[str, str]]:
    return list_posts(fake, OTO_PATH)


async def _resting(gw: Gateway, client_order_id: str) -> str:
    return await resting(gw, client_order_id, BracketSpec(FIXED_STOP))


@pytest.fixture
async def gateway(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> AsyncIterator[Gateway]:
    async with running(FakeBinance(), monkeypatch, tmp_path / "journal") as gw:
        yield gw


def _entry(client_order_id: str, limit: Decimal | None = ENTRY) -> SubmitOrder:
    return buy_entry("BTC-USD", QTY, client_order_id, limit)


def _legs(fake: FakeBinance) -> tuple[VenueOrder, VenueOrder]:
    """The one OTO's working order and pending stop at the venue."""
    (listed,) = fake.order_lists.lists.values()
    assert listed.working is not None  # type: ignore[attr-defined]
    (stop,) = listed.legs
    return listed.working, stop  # type: ignore[attr-defined]


async def _bound_stop(gw: Gateway, list_id: str) -> Order:
    await eventually(lambda: gw.member(list_id, "sl") is not None)
    stop = gw.member(list_id, "sl")
    assert stop is not None
    return await gw.until(stop.order_id, OrderState.NEW)


async def test_ccxt_oto_limit_entry_sent_as_one_oto_list_with_the_stop_members_client_id(
    gateway: Gateway,
) -> None:
    list_id = await _resting(gateway, "lone-1")

    (sent,) = _oto_posts(gateway.fake)
    assert (sent["workingType"], sent["workingSide"]) == ("LIMIT", "BUY")
    assert sent["workingClientOrderId"] == _vid(gateway, "lone-1")
    assert (sent["pendingType"], sent["pendingSide"]) == ("STOP_LOSS", "SELL")
    assert sent["pendingClientOrderId"] == _vid(gateway, member_client_order_id(list_id, "sl", 1))
    assert (Decimal(sent["pendingStopPrice"]), Decimal(sent["pendingQuantity"])) == (STOP, QTY)
    assert _posts(gateway.fake, "/api/v3/order") == 0  # the entry went as the list
    assert _posts(gateway.fake, "/api/v3/orderList/otoco") == 0


async def test_ccxt_oto_entry_fills_while_fillgate_down_stop_bound_after_restart(
    gateway: Gateway,
) -> None:
    list_id = await _resting(gateway, "lone-2")
    entry_vid = _vid(gateway, "lone-2")
    assert gateway.parts is not None
    assert _legs(gateway.fake)[1].status == "PENDING_NEW"
    assert await gateway.parts.reconciler.reconcile(ACCOUNT) == []  # the pending stop is ours
    await gateway.stop()

    gateway.fake.fill(entry_vid, QTY, ENTRY)  # fillgate is down: Binance works the stop
    _, stop_leg = _legs(gateway.fake)
    assert stop_leg.status == "NEW"  # protected while down
    parts = await gateway.start()

    await gateway.until(list_id, OrderState.FILLED)
    stop = await _bound_stop(gateway, list_id)
    await parts.brackets.settle()
    assert stop.venue_order_id == str(stop_leg.order_id)
    assert _posts(gateway.fake, "/api/v3/order") == 0  # no second stop placed
    assert len(_working_stops(gateway.fake)) == 1
    assert await parts.reconciler.reconcile(ACCOUNT) == []


async def test_ccxt_oto_stop_triggers_closes_position_and_ends_bracket(gateway: Gateway) -> None:
    parts = gateway.parts
    assert parts is not None
    list_id = await _resting(gateway, "lone-3")
    gateway.fake.fill(_vid(gateway, "lone-3"), QTY, ENTRY)
    stop = await _bound_stop(gateway, list_id)

    gateway.fake.set_price(STOP - 100)  # the stop triggers at the venue

    await gateway.until(stop.order_id, OrderState.FILLED)
    await parts.brackets.settle()
    assert parts.brackets.get(list_id).state == "DONE"
    assert parts.engine.book.quantity(ACCOUNT, "BTC-USD") == 0
    (listed,) = gateway.fake.order_lists.lists.values()
    assert listed.status == "ALL_DONE"
    assert _posts(gateway.fake, "/api/v3/order") == 0


async def test_ccxt_oto_partly_filled_entry_canceled_places_one_stop_for_what_filled(
    gateway: Gateway,
) -> None:
    parts = gateway.parts
    assert parts is not None
    list_id = await _resting(gateway, "lone-6")

    stop = await partly_filled_then_canceled(gateway, list_id, "lone-6")

    assert stop.qty == QTY / 2  # placed alone, under a new client id, for what filled
    assert stop.client_id != _vid(gateway, member_client_order_id(list_id, "sl", 1))
    assert await parts.reconciler.reconcile(ACCOUNT) == []


async def test_ccxt_oto_market_entry_does_not_fit_stop_placed_after_fill(
    gateway: Gateway,
) -> None:
    parts = gateway.parts
    assert parts is not None
    entry = _entry("lone-4", limit=None)
    list_id = (await parts.brackets.submit(entry, BracketSpec(FIXED_STOP))).list_id

    stop = await _bound_stop(gateway, list_id)

    assert _oto_posts(gateway.fake) == []
    assert _posts(gateway.fake, "/api/v3/order") == 2  # the market entry, then the stop
    assert stop.venue_order_id == str(_working_stops(gateway.fake)[0].order_id)


async def test_ccxt_oto_percent_stop_does_not_fit_stop_placed_after_fill(
    gateway: Gateway,
) -> None:
    parts = gateway.parts
    assert parts is not None
    spec = BracketSpec(Exit(ExitKind.PERCENT, Decimal(4)))
    list_id = (await parts.brackets.submit(_entry("lone-5"), spec)).list_id
    await gateway.until(list_id, OrderState.NEW)

    gateway.fake.fill(_vid(gateway, "lone-5"), QTY, ENTRY)
    await _bound_stop(gateway, list_id)

    assert _oto_posts(gateway.fake) == []
    assert _posts(gateway.fake, "/api/v3/order") == 2  # the limit entry, then the stop


def test_ccxt_oto_short_entry_buys_the_stop_back_above() -> None:
    entry = PlaceRequest(
        client_id="e",
        symbol="BTC-USD",
        side=Side.SELL,
        type=OrderType.LIMIT,
        time_in_force=TimeInForce.GTC,
        quantity=QTY,
        limit_price=Decimal("50500"),
        protection=EntryProtection(stop_price=Decimal("51000"), stop_client_id="s"),
    )

    sent = oto_params("BTCUSDT", entry)

    assert (sent["workingSide"], sent["pendingSide"]) == ("SELL", "BUY")
    assert (sent["pendingType"], sent["pendingStopPrice"]) == ("STOP_LOSS", "51000")
    assert sent["pendingClientOrderId"] == "s"
    assert not any(key.startswith(("pendingAbove", "pendingBelow")) for key in sent)
