"""Native OCO exits at Binance spot (issue 13): a bracket's one take-profit and fixed stop
rest as ONE OCO order list (``POST /api/v3/orderList/oco``), which locks the balance once,
so Binance expires the other leg when one trades, fillgate up or not.

Both legs carry our client ids; every other shape keeps the stop in fillgate (emulated).
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

from fillgate.contingent.spec import BracketSpec, Exit, ExitKind, TakeProfit, role_of
from fillgate.domain.commands import SetReferencePrice, SubmitOrder
from fillgate.domain.enums import OrderState, OrderType
from fillgate.domain.orders import Order
from fillgate.venues.runtime.client_ids import venue_client_id

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

QTY = Decimal("0.01")
ENTRY = Decimal("49000")  # a buy limit resting below the fake's 50000
OCO_PATH = "/api/v3/orderList/oco"


@pytest.fixture
async def gateway(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> AsyncIterator[Gateway]:
    async with running(FakeBinance(), monkeypatch, tmp_path / "journal") as gw:
        yield gw


def _spec(*fractions: str) -> BracketSpec:
    return BracketSpec(
        Exit(ExitKind.PERCENT, Decimal(5)),
        tuple(
            TakeProfit(Exit(ExitKind.PERCENT, Decimal(5 * n)), fraction=Decimal(f))
            for n, f in enumerate(fractions, 1)
        ),
    )


def _entry(client_order_id: str, limit: Decimal | None = None) -> SubmitOrder:
    return buy_entry("BTC-USD", QTY, client_order_id, limit)


def _vid(gw: Gateway, order: Order) -> str:
    """The client id Binance knows ``order`` by."""
    assert gw.parts is not None
    driver = gw.parts.engine.venues[ACCOUNT].driver  # type: ignore[attr-defined]
    return venue_client_id(driver.client_ids, ACCOUNT, order.client_order_id, order.version)


async def _armed(gw: Gateway, client_order_id: str, *fractions: str) -> tuple[str, Order, Order]:
    """A filled bracket entry and its resting stop and first take-profit."""
    assert gw.parts is not None
    spec = _spec(*fractions or ("1",))
    list_id = (await gw.parts.brackets.submit(_entry(client_order_id), spec)).list_id
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


def _oco_posts(fake: FakeBinance) -> list[dict[str, str]]:
    return [dict(parse_qsl(r.params)) for r in fake.requests if r.path == OCO_PATH]


def _order_posts(fake: FakeBinance) -> int:
    return sum(1 for r in fake.requests if r.method == "POST" and r.path == "/api/v3/order")


def _open_at_venue(fake: FakeBinance) -> list[tuple[int, str, Decimal]]:
    return sorted((o.list_id, o.type, o.qty) for o in fake.book.orders if o.is_open)


async def test_ccxt_bracket_one_take_profit_and_fixed_stop_rest_as_one_order_list(
    gateway: Gateway,
) -> None:
    _, stop, target = await _armed(gateway, "oco-1")

    (oco,) = _oco_posts(gateway.fake)
    assert (oco["side"], Decimal(oco["quantity"])) == ("SELL", QTY)
    assert (oco["aboveType"], oco["aboveClientOrderId"]) == ("LIMIT_MAKER", _vid(gateway, target))
    assert (oco["belowType"], oco["belowClientOrderId"]) == ("STOP_LOSS", _vid(gateway, stop))
    assert Decimal(oco["abovePrice"]) == target.limit_price
    assert Decimal(oco["belowStopPrice"]) == stop.stop_price
    assert _order_posts(gateway.fake) == 1  # the entry; the exits went as the one list
    (listed,) = gateway.fake.order_lists.lists.values()
    assert _open_at_venue(gateway.fake) == [
        (listed.list_id, "LIMIT_MAKER", QTY),
        (listed.list_id, "STOP_LOSS", QTY),
    ]
    assert stop.venue_order_id == str(listed.legs[0].order_id)


async def test_ccxt_oco_take_profit_fill_expires_stop_member_and_position_is_flat(
    gateway: Gateway,
) -> None:
    list_id, stop, target = await _armed(gateway, "oco-2")
    assert target.limit_price is not None

    gateway.fake.fill(_vid(gateway, target), QTY, target.limit_price)

    await gateway.until(target.order_id, OrderState.FILLED)
    await gateway.until(stop.order_id, OrderState.EXPIRED)
    parts = gateway.parts
    assert parts is not None
    await parts.brackets.settle()
    assert parts.brackets.get(list_id).state == "DONE"
    assert parts.engine.book.quantity(ACCOUNT, "BTC-USD") == 0
    assert gateway.fake.book.balances["BTC"] == [0, 0]


async def test_ccxt_oco_stop_leg_triggered_by_the_venue_price_fills_the_stop_member_once(
    gateway: Gateway,
) -> None:
    _, stop, target = await _armed(gateway, "oco-3")

    gateway.fake.set_price(Decimal("47000"))

    filled = await gateway.until(stop.order_id, OrderState.FILLED)
    await gateway.until(target.order_id, OrderState.EXPIRED)
    assert filled.filled_quantity == QTY
    parts = gateway.parts
    assert parts is not None
    assert parts.engine.book.quantity(ACCOUNT, "BTC-USD") == 0
    assert gateway.fake.book.balances["BTC"] == [0, 0]


async def test_ccxt_oco_stop_triggers_while_fillgate_stopped_restart_has_no_overfill_or_drift(
    gateway: Gateway,
) -> None:
    list_id, stop, target = await _armed(gateway, "oco-4")
    await gateway.stop()

    gateway.fake.set_price(Decimal("47000"))  # Binance sells, and expires the take-profit
    await asyncio.sleep(0.05)
    parts = await gateway.start()

    await gateway.until(stop.order_id, OrderState.FILLED)
    await gateway.until(target.order_id, OrderState.EXPIRED)
    await parts.brackets.settle()
    assert parts.brackets.get(list_id).state == "DONE"
    assert gateway.member(list_id, "fix") is None  # nothing to close: no overfill
    assert parts.engine.book.quantity(ACCOUNT, "BTC-USD") == 0
    assert gateway.fake.book.balances["BTC"] == [0, 0]
    assert await parts.reconciler.reconcile(ACCOUNT) == []


async def test_ccxt_bracket_with_five_take_profits_keeps_its_stop_in_fillgate(
    gateway: Gateway,
) -> None:
    list_id, target = await _ladder(gateway)  # a ladder of 2 to 4 rests per rung: test_ccxt_rungs

    assert _oco_posts(gateway.fake) == []
    assert gateway.member(list_id, "sl") is None  # emulated: triggers on the mark
    assert "ct.native" not in dict(target.tags)


async def _ladder(gw: Gateway) -> tuple[str, Order]:
    assert gw.parts is not None
    spec = _spec(*("0.2",) * 5)  # more stop legs than Binance lets a symbol have
    list_id = (await gw.parts.brackets.submit(_entry("oco-5"), spec)).list_id
    await gw.until(list_id, OrderState.FILLED)
    await eventually(lambda: gw.member(list_id, "tp.5") is not None)
    target = gw.member(list_id, "tp.1")
    assert target is not None
    return list_id, await gw.until(target.order_id, OrderState.NEW)


async def test_ccxt_oco_entry_fill_growing_replaces_the_order_list_as_a_whole(
    gateway: Gateway,
) -> None:
    assert gateway.parts is not None
    list_id = (await gateway.parts.brackets.submit(_entry("oco-6", ENTRY), _spec("1"))).list_id
    await gateway.until(list_id, OrderState.NEW)
    entry_id = _vid(gateway, gateway.order(list_id))
    half = QTY / 2
    gateway.fake.fill(entry_id, half, ENTRY)
    await eventually(lambda: len(_oco_posts(gateway.fake)) == 1)

    gateway.fake.fill(entry_id, half, ENTRY)

    await eventually(lambda: len(_oco_posts(gateway.fake)) == 2)
    assert Decimal(_oco_posts(gateway.fake)[1]["quantity"]) == QTY
    second = max(gateway.fake.order_lists.lists)
    await eventually(
        lambda: (
            _open_at_venue(gateway.fake)
            == [(second, "LIMIT_MAKER", QTY), (second, "STOP_LOSS", QTY)]
        )
    )
    await gateway.parts.brackets.settle()
    live = [m for m in gateway.parts.brackets.get(list_id).members if m.is_open]
    assert sorted((role_of(m)[1], m.quantity) for m in live) == [("sl", QTY), ("tp.1", QTY)]


async def test_ccxt_oco_unanswered_placement_resolves_both_members_without_a_second_list(
    gateway: Gateway,
) -> None:
    assert gateway.parts is not None
    list_id = (await gateway.parts.brackets.submit(_entry("oco-8", ENTRY), _spec("1"))).list_id
    await gateway.until(list_id, OrderState.NEW)
    gateway.fake.lose_next_order_response()  # the list reaches Binance; its answer is lost

    gateway.fake.fill(_vid(gateway, gateway.order(list_id)), QTY, ENTRY)

    await eventually(lambda: gateway.member(list_id, "tp.1") is not None)
    target, stop = gateway.member(list_id, "tp.1"), gateway.member(list_id, "sl")
    assert target is not None and stop is not None
    await gateway.until(target.order_id, OrderState.NEW)
    stop = await gateway.until(stop.order_id, OrderState.NEW)
    assert len(_oco_posts(gateway.fake)) == 1
    (listed,) = gateway.fake.order_lists.lists.values()
    assert stop.venue_order_id == str(listed.legs[0].order_id)
    assert await gateway.parts.reconciler.reconcile(ACCOUNT) == []


async def test_ccxt_oco_placed_while_fillgate_stopped_binds_both_members_after_restart(
    gateway: Gateway,
) -> None:
    assert gateway.parts is not None
    list_id = (await gateway.parts.brackets.submit(_entry("oco-9", ENTRY), _spec("1"))).list_id
    await gateway.until(list_id, OrderState.NEW)
    gateway.fake.slow("POST", OCO_PATH, 1.0)  # the list lands after fillgate stopped
    gateway.fake.fill(_vid(gateway, gateway.order(list_id)), QTY, ENTRY)
    await eventually(lambda: len(_oco_posts(gateway.fake)) == 1)
    await gateway.stop()
    await eventually(lambda: len(gateway.fake.order_lists.lists) == 1)

    parts = await gateway.start()

    stop, target = gateway.member(list_id, "sl"), gateway.member(list_id, "tp.1")
    assert stop is not None and target is not None
    stop = await gateway.until(stop.order_id, OrderState.NEW)
    await gateway.until(target.order_id, OrderState.NEW)
    (listed,) = gateway.fake.order_lists.lists.values()
    assert stop.venue_order_id == str(listed.legs[0].order_id)
    await parts.brackets.settle()
    assert len(_oco_posts(gateway.fake)) == 1  # nothing placed twice
    assert await parts.reconciler.reconcile(ACCOUNT) == []


async def test_ccxt_oco_refused_as_the_take_profit_would_take_places_it_alone_and_it_takes(
    gateway: Gateway,
) -> None:
    """Binance refuses the list (its LIMIT_MAKER would trade at once): the take-profit,
    placed again alone as a plain limit, takes the profit; the stop was held meanwhile."""
    assert gateway.parts is not None
    list_id = (await gateway.parts.brackets.submit(_entry("oco-11", ENTRY), _spec("1"))).list_id
    await gateway.until(list_id, OrderState.NEW)
    gateway.fake.set_price(Decimal("52000"))  # above the take-profit the fill will give

    gateway.fake.fill(_vid(gateway, gateway.order(list_id)), QTY, ENTRY)

    await eventually(lambda: gateway.member(list_id, "tp.1") is not None)
    target = gateway.member(list_id, "tp.1")
    assert target is not None
    await gateway.until(target.order_id, OrderState.REJECTED)
    await eventually(
        lambda: gateway.parts is not None and gateway.parts.brackets.get(list_id).state == "DONE"
    )
    members = gateway.parts.brackets.get(list_id).members
    closing = [m for m in members if role_of(m)[1] == "tp.1" and m.state is OrderState.FILLED]
    assert [m.type for m in closing] == [OrderType.LIMIT]
    assert len(_oco_posts(gateway.fake)) == 1  # never paired again
    assert not any(o.is_open for o in gateway.fake.book.orders)
    assert gateway.parts.engine.book.quantity(ACCOUNT, "BTC-USD") == 0


async def test_ccxt_oco_take_profit_partial_fill_places_the_rest_as_a_new_order_list(
    gateway: Gateway,
) -> None:
    list_id, _, target = await _armed(gateway, "oco-7")
    assert target.limit_price is not None and gateway.parts is not None
    half = QTY / 2

    gateway.fake.fill(_vid(gateway, target), half, target.limit_price)  # the stop expires

    await eventually(lambda: len(_oco_posts(gateway.fake)) == 2)
    second = max(gateway.fake.order_lists.lists)
    await eventually(
        lambda: (
            _open_at_venue(gateway.fake)
            == [(second, "LIMIT_MAKER", half), (second, "STOP_LOSS", half)]
        )
    )
    await gateway.parts.brackets.settle()
    live = [m for m in gateway.parts.brackets.get(list_id).members if m.is_open]
    assert sorted((role_of(m)[1], m.quantity) for m in live) == [("sl", half), ("tp.1", half)]
    assert gateway.parts.engine.book.quantity(ACCOUNT, "BTC-USD") == half


async def test_ccxt_bracket_armed_before_native_oco_keeps_its_stop_in_fillgate_after_restart(
    gateway: Gateway,
) -> None:
    assert gateway.parts is not None
    gateway.parts.engine.venues[ACCOUNT].native_oco = False  # type: ignore[attr-defined]
    list_id = (await gateway.parts.brackets.submit(_entry("oco-12"), _spec("1"))).list_id
    await gateway.until(list_id, OrderState.FILLED)
    await eventually(lambda: gateway.member(list_id, "tp.1") is not None)
    await gateway.stop()

    parts = await gateway.start()  # a release with native OCO: the take-profit rests alone
    await asyncio.sleep(0.3)
    await parts.brackets.settle()

    assert gateway.member(list_id, "sl") is None and _oco_posts(gateway.fake) == []
    gateway.fake.set_price(Decimal("47000"))
    parts.engine.set_reference_price(SetReferencePrice(symbol="BTC-USD", price=Decimal("47000")))
    await eventually(lambda: gateway.member(list_id, "sl") is not None)
    stop = gateway.member(list_id, "sl")
    assert stop is not None and stop.type is OrderType.MARKET
    await gateway.until(stop.order_id, OrderState.FILLED)
    assert parts.engine.book.quantity(ACCOUNT, "BTC-USD") == 0
