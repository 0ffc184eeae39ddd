"""A take-profit ladder at Binance spot (issue 13): one OCO order list per rung.

Rung N's take-profit (``LIMIT_MAKER``, its size) and a stop of the same size rest as
ONE ``orderList/oco``; each list locks its rung once, so together they lock what is
open and Binance protects the position while fillgate is down. What the rungs leave
over rests as a plain stop.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace
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
HALF = QTY / 2
OCO_PATH = "/api/v3/orderList/oco"
STOP = Decimal(47500)  # 5 % under the fake's 50000
ROLES = ("sl.1", "tp.1", "sl.2", "tp.2")


@pytest.fixture
async def gateway(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> AsyncIterator[Gateway]:
    async with running(FakeBinance(), monkeypatch, tmp_path / "journal") as gw:
        yield gw


def _spec(*fractions: str) -> BracketSpec:
    """Stop 5 % under the fill; take-profits 5 % (52500) and 10 % (55000) over it."""
    return BracketSpec(
        Exit(ExitKind.PERCENT, Decimal(5)),
        tuple(
            TakeProfit(Exit(ExitKind.PERCENT, Decimal(5 * n)), fraction=Decimal(f))
            for n, f in enumerate(fractions, 1)
        ),
    )


def _entry(client_order_id: str) -> SubmitOrder:
    return buy_entry("BTC-USD", QTY, client_order_id)


def _vid(gw: Gateway, order: Order) -> str:
    """The client id Binance knows ``order`` by."""
    assert gw.parts is not None
    driver = gw.parts.engine.venues[ACCOUNT].driver  # type: ignore[attr-defined]
    return venue_client_id(driver.client_ids, ACCOUNT, order.client_order_id, order.version)


async def _ladder(
    gw: Gateway, client_order_id: str, *fractions: str
) -> tuple[str, dict[str, Order]]:
    """A filled bracket entry with a two-rung ladder, and its four members resting."""
    assert gw.parts is not None
    spec = _spec(*fractions or ("0.5", "0.5"))
    list_id = (await gw.parts.brackets.submit(_entry(client_order_id), spec)).list_id
    await gw.until(list_id, OrderState.FILLED)
    await eventually(lambda: all(gw.member(list_id, r) is not None for r in ROLES))
    members = {}
    for role in ROLES:
        member = gw.member(list_id, role)
        assert member is not None
        members[role] = await gw.until(member.order_id, OrderState.NEW)
    return list_id, members


def _oco_posts(fake: FakeBinance) -> list[dict[str, str]]:
    return [dict(parse_qsl(r.params)) for r in fake.requests if r.path == OCO_PATH]


def _order_posts(fake: FakeBinance) -> int:
    return sum(1 for r in fake.requests if r.method == "POST" and r.path == "/api/v3/order")


def _open_at_venue(fake: FakeBinance) -> list[tuple[int, str, Decimal]]:
    return sorted((o.list_id, o.type, o.qty) for o in fake.book.orders if o.is_open)


def _position(gw: Gateway) -> Decimal:
    assert gw.parts is not None
    return gw.parts.engine.book.quantity(ACCOUNT, "BTC-USD")


async def test_ccxt_ladder_rests_as_one_oco_order_list_per_rung_with_our_client_ids(
    gateway: Gateway,
) -> None:
    _, m = await _ladder(gateway, "rung-1")

    first, second = _oco_posts(gateway.fake)
    for post, n, price in ((first, 1, 52500), (second, 2, 55000)):
        assert (post["side"], Decimal(post["quantity"])) == ("SELL", HALF)
        assert (post["aboveType"], post["belowType"]) == ("LIMIT_MAKER", "STOP_LOSS")
        assert post["aboveClientOrderId"] == _vid(gateway, m[f"tp.{n}"])
        assert post["belowClientOrderId"] == _vid(gateway, m[f"sl.{n}"])
        assert (Decimal(post["abovePrice"]), Decimal(post["belowStopPrice"])) == (price, STOP)
    assert _order_posts(gateway.fake) == 1  # the entry; the exits went as the two lists
    assert gateway.fake.book.balances["BTC"] == [0, QTY]  # both rungs locked, once each
    assert dict(m["sl.2"].tags)["ct.pair"] == dict(m["tp.2"].tags)["ct.pair"] == "2"


async def test_ccxt_ladder_first_take_profit_fill_expires_its_stop_and_rung_two_stays_paired(
    gateway: Gateway,
) -> None:
    list_id, m = await _ladder(gateway, "rung-2")

    gateway.fake.fill(_vid(gateway, m["tp.1"]), HALF, Decimal(52500))

    await gateway.until(m["tp.1"].order_id, OrderState.FILLED)
    await gateway.until(m["sl.1"].order_id, OrderState.EXPIRED)
    assert gateway.parts is not None
    await gateway.parts.brackets.settle()
    second = max(gateway.fake.order_lists.lists)
    assert _open_at_venue(gateway.fake) == [
        (second, "LIMIT_MAKER", HALF),
        (second, "STOP_LOSS", HALF),
    ]
    assert gateway.order(m["sl.2"].order_id).state is OrderState.NEW
    assert len(_oco_posts(gateway.fake)) == 2  # nothing placed again
    assert _position(gateway) == HALF
    assert gateway.parts.brackets.get(list_id).state == "ACTIVE"


async def test_ccxt_ladder_price_through_the_stop_fills_both_stops_and_the_bracket_is_done(
    gateway: Gateway,
) -> None:
    list_id, m = await _ladder(gateway, "rung-3")

    gateway.fake.set_price(Decimal(47000))  # Binance sells both stops, expires both tps

    for role, state in zip(ROLES, (OrderState.FILLED, OrderState.EXPIRED) * 2, strict=True):
        await gateway.until(m[role].order_id, state)
    assert gateway.parts is not None
    await gateway.parts.brackets.settle()
    assert gateway.parts.brackets.get(list_id).state == "DONE"
    assert gateway.member(list_id, "sl") is None and gateway.member(list_id, "fix") is None
    assert _position(gateway) == 0
    assert gateway.fake.book.balances["BTC"] == [0, 0]


async def test_ccxt_ladder_stop_reached_while_fillgate_down_closes_at_the_venue_only(
    gateway: Gateway,
) -> None:
    list_id, m = await _ladder(gateway, "rung-4")
    await gateway.stop()

    gateway.fake.set_price(Decimal(47000))  # Binance closes the position alone
    await asyncio.sleep(0.05)
    assert gateway.fake.book.balances["BTC"] == [0, 0]
    parts = await gateway.start()

    await gateway.until(m["sl.1"].order_id, OrderState.FILLED)
    await gateway.until(m["sl.2"].order_id, OrderState.FILLED)
    await parts.brackets.settle()
    assert parts.brackets.get(list_id).state == "DONE"
    assert (len(_oco_posts(gateway.fake)), _order_posts(gateway.fake)) == (2, 1)  # none since
    assert gateway.member(list_id, "sl") is None and gateway.member(list_id, "fix") is None
    assert _position(gateway) == 0
    assert await parts.reconciler.reconcile(ACCOUNT) == []


async def test_ccxt_ladder_take_profit_partial_fill_pairs_its_rest_again(
    gateway: Gateway,
) -> None:
    list_id, m = await _ladder(gateway, "rung-5")
    part, rest = Decimal("0.002"), Decimal("0.003")

    gateway.fake.fill(_vid(gateway, m["tp.1"]), part, Decimal(52500))  # sl.1 expires

    await eventually(lambda: len(_oco_posts(gateway.fake)) == 3)
    assert Decimal(_oco_posts(gateway.fake)[2]["quantity"]) == rest
    second, third = sorted(gateway.fake.order_lists.lists)[1:]
    await eventually(
        lambda: (
            _open_at_venue(gateway.fake)
            == [
                (second, "LIMIT_MAKER", HALF),
                (second, "STOP_LOSS", HALF),
                (third, "LIMIT_MAKER", rest),
                (third, "STOP_LOSS", rest),
            ]
        )
    )
    assert gateway.parts is not None
    await gateway.parts.brackets.settle()
    live = [o for o in gateway.parts.brackets.get(list_id).members if o.is_open]
    assert sorted((role_of(o)[1], o.quantity - o.filled_quantity) for o in live) == [
        ("sl.1", rest),
        ("sl.2", HALF),
        ("tp.1", rest),
        ("tp.2", HALF),
    ]
    assert _position(gateway) == QTY - part


async def test_ccxt_ladder_fractions_under_one_rest_the_remainder_as_a_plain_stop(
    gateway: Gateway,
) -> None:
    list_id, _ = await _ladder(gateway, "rung-6", "0.5", "0.25")
    await eventually(lambda: gateway.member(list_id, "sl") is not None)
    plain = gateway.member(list_id, "sl")
    assert plain is not None
    await gateway.until(plain.order_id, OrderState.NEW)

    lone = [(o.type, o.qty, o.stop) for o in gateway.fake.book.orders if o.list_id < 0]
    assert ("STOP_LOSS", Decimal("0.0025"), STOP) in lone
    assert gateway.fake.book.balances["BTC"] == [0, QTY]

    gateway.fake.set_price(Decimal(47000))

    await gateway.until(plain.order_id, OrderState.FILLED)
    await eventually(lambda: _position(gateway) == 0)
    assert gateway.parts is not None
    await gateway.parts.brackets.settle()
    assert gateway.parts.brackets.get(list_id).state == "DONE"


async def test_ccxt_ladder_rung_refused_by_binance_leaves_its_rest_to_a_plain_stop(
    gateway: Gateway,
) -> None:
    assert gateway.parts is not None
    entry = replace(_entry("rung-7"), type=OrderType.LIMIT, limit_price=Decimal(49000))
    list_id = (await gateway.parts.brackets.submit(entry, _spec("0.5", "0.5"))).list_id
    await gateway.until(list_id, OrderState.NEW)
    gateway.fake.set_price(Decimal(52000))  # above rung 1's 51450, below rung 2's 53900

    gateway.fake.fill(_vid(gateway, gateway.order(list_id)), QTY, Decimal(49000))

    await eventually(lambda: gateway.member(list_id, "tp.1") is not None)
    target = gateway.member(list_id, "tp.1")
    assert target is not None
    await gateway.until(target.order_id, OrderState.REJECTED)
    await eventually(lambda: gateway.member(list_id, "sl") is not None)
    plain = gateway.member(list_id, "sl")
    assert plain is not None
    await gateway.until(plain.order_id, OrderState.NEW)
    await gateway.parts.brackets.settle()
    resting = sorted((o.list_id < 0, o.type, o.qty) for o in gateway.fake.book.orders if o.is_open)
    assert resting == [
        (False, "LIMIT_MAKER", HALF),
        (False, "STOP_LOSS", HALF),
        (True, "STOP_LOSS", HALF),  # rung 1's rest, alone
    ]
    assert gateway.fake.book.balances["BTC"] == [0, QTY]
    assert len(_oco_posts(gateway.fake)) == 2  # the refused rung is not tried again


async def test_ccxt_ladder_entry_filling_in_parts_replaces_each_rungs_list_at_the_new_size(
    gateway: Gateway,
) -> None:
    assert gateway.parts is not None
    entry = replace(_entry("rung-8"), type=OrderType.LIMIT, limit_price=Decimal(49000))
    list_id = (await gateway.parts.brackets.submit(entry, _spec("0.5", "0.5"))).list_id
    await gateway.until(list_id, OrderState.NEW)
    entry_vid = _vid(gateway, gateway.order(list_id))
    gateway.fake.fill(entry_vid, HALF, Decimal(49000))
    await eventually(lambda: len(_oco_posts(gateway.fake)) == 2)

    gateway.fake.fill(entry_vid, HALF, Decimal(49000))

    await eventually(lambda: len(_oco_posts(gateway.fake)) == 4)
    assert [Decimal(p["quantity"]) for p in _oco_posts(gateway.fake)] == [HALF / 2] * 2 + [HALF] * 2
    third, fourth = sorted(gateway.fake.order_lists.lists)[2:]
    await eventually(
        lambda: (
            _open_at_venue(gateway.fake)
            == [
                (third, "LIMIT_MAKER", HALF),
                (third, "STOP_LOSS", HALF),
                (fourth, "LIMIT_MAKER", HALF),
                (fourth, "STOP_LOSS", HALF),
            ]
        )
    )
    await gateway.parts.brackets.settle()
    assert gateway.fake.book.balances["BTC"] == [0, QTY]
    assert await gateway.parts.reconciler.reconcile(ACCOUNT) == []


async def _held_ladder(gw: Gateway, client_order_id: str) -> str:
    """A filled two-rung ladder whose stop fillgate holds: both take-profits resting."""
    assert gw.parts is not None
    list_id = (await gw.parts.brackets.submit(_entry(client_order_id), _spec("0.5", "0.5"))).list_id
    await gw.until(list_id, OrderState.FILLED)
    for role in ("tp.1", "tp.2"):
        await eventually(lambda role=role: gw.member(list_id, role) is not None)
        member = gw.member(list_id, role)
        assert member is not None
        await gw.until(member.order_id, OrderState.NEW, OrderState.REJECTED)
    await gw.parts.brackets.settle()
    return list_id


async def _buy_stop_resting(gw: Gateway) -> None:
    """A buy stop far above the price: one of BTCUSDT's algo orders, outside any bracket."""
    assert gw.parts is not None
    other = replace(
        _entry("buy-stop"), type=OrderType.STOP, stop_price=Decimal(60000), quantity=HALF
    )
    placed = await gw.parts.engine.submit(other)
    await gw.until(placed.order.order_id, OrderState.NEW)


def _refused(gw: Gateway, list_id: str) -> list[str]:
    assert gw.parts is not None
    members = gw.parts.brackets.get(list_id).members
    return [role_of(m)[1] for m in members if m.state is OrderState.REJECTED]


async def test_ccxt_ladder_beyond_the_symbols_algo_order_limit_keeps_its_stop_in_fillgate(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """BTCUSDT takes one stop at a time: the two rungs' stops cannot all rest there."""
    fake = FakeBinance(max_algo_orders=1)
    async with running(fake, monkeypatch, tmp_path / "journal") as gw:
        list_id = await _held_ladder(gw, "rung-9")

        assert _refused(gw, list_id) == []
        assert _oco_posts(fake) == []
        assert gw.parts is not None
        assert gw.parts.brackets.get(list_id).held_stop_price == STOP
        assert sorted((o.type, o.qty) for o in fake.book.orders if o.is_open) == [
            ("LIMIT", HALF),
            ("LIMIT", HALF),
        ]

        gw.fake.set_price(Decimal(47000))
        gw.parts.engine.set_reference_price(
            SetReferencePrice(symbol="BTC-USD", price=Decimal(47000))
        )

        await eventually(lambda: _position(gw) == 0)  # fillgate's stop closed it


async def test_ccxt_ladder_with_the_symbols_algo_room_taken_by_other_stops_keeps_its_stop_held(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Two stops at a time on BTCUSDT, one of them a buy stop already resting."""
    fake = FakeBinance(max_algo_orders=2)
    async with running(fake, monkeypatch, tmp_path / "journal") as gw:
        await _buy_stop_resting(gw)
        assert gw.parts is not None

        list_id = await _held_ladder(gw, "rung-10")

        assert _refused(gw, list_id) == []
        assert _oco_posts(fake) == []
        assert gw.parts.brackets.get(list_id).held_stop_price == STOP


async def test_ccxt_bracket_oco_refused_by_binance_falls_back_to_a_stop_held_by_fillgate(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """One stop at a time on BTCUSDT, taken by a buy stop: Binance refuses the bracket's
    OCO list (-1013 MAX_NUM_ALGO_ORDERS). The position must not be left without a stop."""
    fake = FakeBinance(max_algo_orders=1)
    async with running(fake, monkeypatch, tmp_path / "journal") as gw:
        await _buy_stop_resting(gw)
        assert gw.parts is not None
        list_id = (await gw.parts.brackets.submit(_entry("oco-1"), _spec("1"))).list_id
        await gw.until(list_id, OrderState.FILLED)
        await eventually(lambda: len(_oco_posts(fake)) == 1)

        await eventually(
            lambda: gw.parts is not None and gw.parts.brackets.get(list_id).held_stop_price == STOP
        )
        await gw.parts.brackets.settle()
        waiting = [
            m for m in gw.parts.brackets.get(list_id).members if m.state is OrderState.PENDING_NEW
        ]
        assert waiting == []
        resting = sorted((o.side, o.type, o.qty) for o in fake.book.orders if o.is_open)
        assert resting == [("BUY", "STOP_LOSS", HALF), ("SELL", "LIMIT", QTY)]  # tp alone
        gw.fake.set_price(Decimal(47000))
        gw.parts.engine.set_reference_price(
            SetReferencePrice(symbol="BTC-USD", price=Decimal(47000))
        )

        await eventually(lambda: _position(gw) == 0)  # fillgate's stop closed it
