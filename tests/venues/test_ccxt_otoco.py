"""Binance spot brackets whose exits ride on the entry (issue 13): a LIMIT GTC entry with
one take-profit price and a fixed stop goes as ONE OTOCO order list
(``POST /api/v3/orderList/otoco``). Binance holds the exits (``PENDING_NEW``) until the
entry is fully filled, then works them as an OCO, fillgate up or not. The exits carry
the client ids of the bracket members they become, which bind to them after the fill.
"""

from __future__ import annotations

import asyncio
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

from fillgate.contingent.spec import (
    BracketSpec,
    Exit,
    ExitKind,
    TakeProfit,
    member_client_order_id,
)
from fillgate.domain.commands import OrderRef, ReplaceOrder, SubmitOrder
from fillgate.domain.enums import OrderState, OrderType, Side, TimeInForce
from fillgate.domain.orders import Order
from fillgate.venues.ccxt.otoco import otoco_params
from fillgate.venues.types import EntryProtection, PlaceRequest

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

STOP, TARGET = Decimal("47000"), Decimal("52000")
OTOCO_PATH = "/api/v3/orderList/otoco"


@pytest.fixture
async def gateway(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> AsyncIterator[Gateway]:
    async with running(FakeBinance(), monkeypatch, tmp_path / "journal") as gw:
        yield gw


def _spec() -> BracketSpec:
    return BracketSpec(
        Exit(ExitKind.PRICE, STOP),
        (TakeProfit(Exit(ExitKind.PRICE, TARGET), fraction=Decimal(1)),),
    )


def _entry(client_order_id: str, limit: Decimal | None = ENTRY) -> SubmitOrder:
    return buy_entry("BTC-USD", QTY, client_order_id, limit)


def _vid(gw: Gateway, client_order_id: str, version: int = 0) -> str:
    return venue_id(gw, client_order_id, version)


def _otoco_posts(fake: FakeBinance) -> list[dict[str, str]]:
    return list_posts(fake, OTOCO_PATH)


async def _resting(gw: Gateway, client_order_id: str) -> str:
    return await resting(gw, client_order_id, _spec())


def _member_vid(gw: Gateway, list_id: str, role: str) -> str:
    return _vid(gw, member_client_order_id(list_id, role, 1))


def _legs(fake: FakeBinance) -> tuple[VenueOrder, VenueOrder, VenueOrder]:
    """The one OTOCO's working order, stop and take-profit at the venue."""
    (listed,) = fake.order_lists.lists.values()
    assert listed.working is not None  # type: ignore[attr-defined]
    stop, target = listed.legs
    return listed.working, stop, target  # type: ignore[attr-defined]


async def _bound(gw: Gateway, list_id: str) -> tuple[Order, Order]:
    await eventually(
        lambda: gw.member(list_id, "sl") is not None and gw.member(list_id, "tp.1") is not None
    )
    stop, target = gw.member(list_id, "sl"), gw.member(list_id, "tp.1")
    assert stop is not None and target is not None
    return (
        await gw.until(stop.order_id, OrderState.NEW),
        await gw.until(target.order_id, OrderState.NEW),
    )


async def test_ccxt_otoco_limit_entry_sent_as_one_list_with_member_client_ids(
    gateway: Gateway,
) -> None:
    list_id = await _resting(gateway, "oto-1")

    (sent,) = _otoco_posts(gateway.fake)
    assert (sent["workingType"], sent["workingSide"]) == ("LIMIT", "BUY")
    assert sent["workingClientOrderId"] == _vid(gateway, "oto-1")
    assert (Decimal(sent["workingPrice"]), Decimal(sent["workingQuantity"])) == (ENTRY, QTY)
    assert (sent["pendingSide"], Decimal(sent["pendingQuantity"])) == ("SELL", QTY)
    assert sent["pendingAboveType"] == "LIMIT_MAKER"
    assert sent["pendingAboveClientOrderId"] == _member_vid(gateway, list_id, "tp.1")
    assert Decimal(sent["pendingAbovePrice"]) == TARGET
    assert sent["pendingBelowType"] == "STOP_LOSS"
    assert sent["pendingBelowClientOrderId"] == _member_vid(gateway, list_id, "sl")
    assert Decimal(sent["pendingBelowStopPrice"]) == STOP
    assert _posts(gateway.fake, "/api/v3/order") == 0  # the entry went as the list


async def test_ccxt_otoco_lost_answer_resolved_by_client_id_one_list_only(
    gateway: Gateway,
) -> None:
    gateway.fake.lose_next_order_response()  # the list reaches Binance; its answer is lost

    list_id = await _resting(gateway, "oto-11")

    assert len(_otoco_posts(gateway.fake)) == 1
    working, _, _ = _legs(gateway.fake)
    assert gateway.order(list_id).venue_order_id == str(working.order_id)
    gateway.fake.fill(_vid(gateway, "oto-11"), QTY, ENTRY)
    stop, _ = await _bound(gateway, list_id)
    assert stop.venue_order_id == str(_legs(gateway.fake)[1].order_id)
    assert len(_working_stops(gateway.fake)) == 1
    assert gateway.parts is not None
    assert await gateway.parts.reconciler.reconcile(ACCOUNT) == []


async def test_ccxt_otoco_resting_entry_exits_wait_at_venue_and_reconcile_clean(
    gateway: Gateway,
) -> None:
    parts = gateway.parts
    assert parts is not None
    list_id = await _resting(gateway, "oto-2")

    working, stop, target = _legs(gateway.fake)
    assert (working.status, stop.status, target.status) == ("NEW", "PENDING_NEW", "PENDING_NEW")
    assert gateway.member(list_id, "sl") is None
    assert await parts.reconciler.reconcile(ACCOUNT) == []  # pending exits are not foreign


async def test_ccxt_otoco_entry_fills_while_fillgate_down_exits_bound_after_restart(
    gateway: Gateway,
) -> None:
    list_id = await _resting(gateway, "oto-3")
    entry_vid = _vid(gateway, "oto-3")
    await gateway.stop()

    gateway.fake.fill(entry_vid, QTY, ENTRY)  # fillgate is down: Binance works the exits
    _, stop_leg, target_leg = _legs(gateway.fake)
    assert (stop_leg.status, target_leg.status) == ("NEW", "NEW")  # protected while down
    parts = await gateway.start()

    await gateway.until(list_id, OrderState.FILLED)
    stop, target = await _bound(gateway, list_id)
    await parts.brackets.settle()
    assert stop.venue_order_id == str(stop_leg.order_id)
    assert target.venue_order_id == str(target_leg.order_id)
    assert _posts(gateway.fake, "/api/v3/order") == 0  # no second stop placed
    assert _posts(gateway.fake, "/api/v3/orderList/oco") == 0
    assert len(_working_stops(gateway.fake)) == 1
    assert await parts.reconciler.reconcile(ACCOUNT) == []


async def test_ccxt_otoco_entry_and_take_profit_fill_while_down_land_once_after_restart(
    gateway: Gateway,
) -> None:
    list_id = await _resting(gateway, "oto-10")
    entry_vid, target_vid = _vid(gateway, "oto-10"), _member_vid(gateway, list_id, "tp.1")
    await gateway.stop()
    gateway.fake.fill(entry_vid, QTY, ENTRY)
    gateway.fake.fill(target_vid, QTY, TARGET)  # Binance expires the stop

    parts = await gateway.start()

    await gateway.until(list_id, OrderState.FILLED)
    await eventually(lambda: gateway.member(list_id, "tp.1") is not None)
    target = gateway.member(list_id, "tp.1")
    assert target is not None
    target = await gateway.until(target.order_id, OrderState.FILLED)
    await parts.brackets.settle()
    assert target.filled_quantity == QTY
    assert parts.brackets.get(list_id).state == "DONE"
    assert parts.engine.book.quantity(ACCOUNT, "BTC-USD") == 0
    assert _posts(gateway.fake, "/api/v3/order") == 0
    assert await parts.reconciler.reconcile(ACCOUNT) == []


async def test_ccxt_otoco_take_profit_fill_expires_stop_and_ends_bracket(
    gateway: Gateway,
) -> None:
    parts = gateway.parts
    assert parts is not None
    list_id = await _resting(gateway, "oto-4")
    gateway.fake.fill(_vid(gateway, "oto-4"), QTY, ENTRY)
    stop, target = await _bound(gateway, list_id)

    gateway.fake.fill(_member_vid(gateway, list_id, "tp.1"), QTY, TARGET)

    await gateway.until(target.order_id, OrderState.FILLED)
    await gateway.until(stop.order_id, OrderState.EXPIRED)
    await parts.brackets.settle()
    assert parts.brackets.get(list_id).state == "DONE"
    assert parts.engine.book.quantity(ACCOUNT, "BTC-USD") == 0
    assert gateway.fake.book.balances["BTC"] == [0, 0]


async def test_ccxt_otoco_partly_filled_entry_exits_wait_for_the_whole_fill(
    gateway: Gateway,
) -> None:
    list_id = await _resting(gateway, "oto-5")
    half = QTY / 2

    gateway.fake.fill(_vid(gateway, "oto-5"), half, ENTRY)
    await eventually(lambda: gateway.order(list_id).filled_quantity == half)
    await asyncio.sleep(0.1)
    _, stop_leg, target_leg = _legs(gateway.fake)
    assert (stop_leg.status, target_leg.status) == ("PENDING_NEW", "PENDING_NEW")
    assert gateway.member(list_id, "sl") is None  # nothing placed beside the pending pair

    gateway.fake.fill(_vid(gateway, "oto-5"), half, ENTRY)
    stop, _ = await _bound(gateway, list_id)
    assert stop.venue_order_id == str(stop_leg.order_id)
    assert len(_working_stops(gateway.fake)) == 1


async def test_ccxt_otoco_cancel_of_resting_entry_ends_the_whole_list(gateway: Gateway) -> None:
    parts = gateway.parts
    assert parts is not None
    list_id = await _resting(gateway, "oto-6")

    state = (await parts.brackets.cancel_list(list_id)).state

    assert state == "CANCELED"
    await eventually(lambda: [o.status for o in _legs(gateway.fake)] == ["CANCELED"] * 3)
    (listed,) = gateway.fake.order_lists.lists.values()
    assert listed.status == "ALL_DONE"
    await asyncio.sleep(0.05)
    assert gateway.member(list_id, "sl") is None
    assert await parts.reconciler.reconcile(ACCOUNT) == []


async def test_ccxt_otoco_replaced_entry_goes_as_a_new_list_and_the_old_one_ends(
    gateway: Gateway,
) -> None:
    parts = gateway.parts
    assert parts is not None
    list_id = await _resting(gateway, "oto-8")
    lower = ENTRY - 500

    await parts.engine.replace(ReplaceOrder(ref=OrderRef(order_id=list_id), limit_price=lower))

    await eventually(lambda: gateway.order(list_id).limit_price == lower)
    entry = await gateway.until(list_id, OrderState.NEW)
    old, new = gateway.fake.order_lists.lists.values()
    assert old.status == "ALL_DONE" and new.status == "EXECUTING"
    assert new.working is not None and new.working.price == lower  # type: ignore[attr-defined]
    assert [o.status for o in old.legs] == ["CANCELED", "CANCELED"]
    gateway.fake.fill(_vid(gateway, "oto-8", entry.version), QTY, lower)
    stop, _ = await _bound(gateway, list_id)
    assert stop.venue_order_id == str(new.legs[0].order_id)
    assert len(_working_stops(gateway.fake)) == 1


async def test_ccxt_otoco_partly_filled_entry_canceled_arms_exits_as_one_oco_list(
    gateway: Gateway,
) -> None:
    parts = gateway.parts
    assert parts is not None
    list_id = await _resting(gateway, "oto-9")

    stop = await partly_filled_then_canceled(gateway, list_id, "oto-9")

    assert (stop.qty, stop.list_id >= 0) == (QTY / 2, True)  # the new OCO list, for the half
    assert _posts(gateway.fake, "/api/v3/orderList/oco") == 1
    assert _posts(gateway.fake, "/api/v3/order") == 0  # nothing placed alone
    assert await parts.reconciler.reconcile(ACCOUNT) == []


async def test_ccxt_otoco_market_entry_stays_on_native_oco_path(gateway: Gateway) -> None:
    parts = gateway.parts
    assert parts is not None
    list_id = (await parts.brackets.submit(_entry("oto-7", limit=None), _spec())).list_id

    await _bound(gateway, list_id)

    assert _otoco_posts(gateway.fake) == []
    assert _posts(gateway.fake, "/api/v3/order") == 1  # the market entry
    assert _posts(gateway.fake, "/api/v3/orderList/oco") == 1  # exits armed after the fill


def test_ccxt_otoco_short_entry_puts_stop_above_and_take_profit_below() -> None:
    exits = EntryProtection(
        take_profit_price=Decimal("48000"),
        stop_price=Decimal("51000"),
        stop_client_id="s",
        take_profit_client_id="t",
    )
    entry = PlaceRequest(
        client_id="e",
        symbol="BTC-USD",
        side=Side.SELL,
        type=OrderType.LIMIT,
        time_in_force=TimeInForce.GTC,
        quantity=QTY,
        limit_price=Decimal("50500"),
        protection=exits,
    )

    sent = otoco_params("BTCUSDT", entry)

    assert (sent["workingSide"], sent["pendingSide"]) == ("SELL", "BUY")
    assert (sent["pendingAboveType"], sent["pendingAboveStopPrice"]) == ("STOP_LOSS", "51000")
    assert (sent["pendingBelowType"], sent["pendingBelowPrice"]) == ("LIMIT_MAKER", "48000")
    assert (sent["pendingAboveClientOrderId"], sent["pendingBelowClientOrderId"]) == ("s", "t")
