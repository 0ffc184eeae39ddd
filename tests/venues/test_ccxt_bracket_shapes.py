"""Bracket shapes at Binance spot beyond one take-profit + fixed stop (issue 13).

A stop-limit with one take-profit rests as the ``STOP_LOSS_LIMIT`` leg of ONE OCO
order list; with a ladder, as that leg of one OCO list per rung. A
bracket with no take-profit has nothing else holding its coins, so its stop rests
at Binance alone. A trailing stop that cannot rest beside its take-profits
(an amount trail, or any trail beside a ladder) is held by fillgate and trails
the mark there.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import pytest
from fakes.binance import FakeBinance
from fakes.binance_book import BinanceError
from fakes.gateway import ACCOUNT, Gateway, buy_entry, eventually, running

from fillgate.contingent.spec import BracketSpec, Exit, ExitKind, TakeProfit
from fillgate.contingent.trailing import StopTerms
from fillgate.domain.commands import SetReferencePrice, SubmitOrder
from fillgate.domain.enums import OrderState, OrderType
from fillgate.domain.orders import Order
from fillgate.venues.runtime.client_ids import venue_client_id

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

QTY = Decimal("0.01")
OCO_PATH = "/api/v3/orderList/oco"
#: Stop 5 % under the 50000 fill (47500), its limit 100 lower (47400).
STOP_LIMIT = StopTerms(limit_offset=Decimal(100))


@pytest.fixture
async def gateway(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> AsyncIterator[Gateway]:
    async with running(FakeBinance(), monkeypatch, tmp_path / "journal") as gw:
        yield gw


def _spec(*fractions: str, stop: Exit | None = None) -> BracketSpec:
    return BracketSpec(
        stop or Exit(ExitKind.PERCENT, Decimal(5)),
        tuple(
            TakeProfit(Exit(ExitKind.PERCENT, Decimal(5 * n)), fraction=Decimal(f))
            for n, f in enumerate(fractions, 1)
        ),
        STOP_LIMIT,
    )


def _entry(client_order_id: str) -> SubmitOrder:
    return buy_entry("BTC-USD", QTY, client_order_id)


async def _armed(gw: Gateway, client_order_id: str, *fractions: str) -> tuple[str, Order]:
    """A filled bracket entry and its first take-profit, resting."""
    assert gw.parts is not None
    list_id = (await gw.parts.brackets.submit(_entry(client_order_id), _spec(*fractions))).list_id
    await gw.until(list_id, OrderState.FILLED)
    await eventually(lambda: gw.member(list_id, "tp.1") is not None)
    target = gw.member(list_id, "tp.1")
    assert target is not None
    return list_id, await gw.until(target.order_id, OrderState.NEW)


def _oco_posts(fake: FakeBinance) -> list[dict[str, str]]:
    return [dict(parse_qsl(r.params)) for r in fake.requests if r.path == OCO_PATH]


async def test_ccxt_bracket_stop_limit_with_one_take_profit_rests_as_stop_loss_limit_leg(
    gateway: Gateway,
) -> None:
    list_id, _ = await _armed(gateway, "sl-1", "1")
    stop = gateway.member(list_id, "sl")
    assert stop is not None

    (oco,) = _oco_posts(gateway.fake)
    assert (oco["belowType"], oco["belowTimeInForce"]) == ("STOP_LOSS_LIMIT", "GTC")
    assert (Decimal(oco["belowStopPrice"]), Decimal(oco["belowPrice"])) == (
        Decimal(47500),
        Decimal(47400),
    )
    assert (stop.type, dict(stop.tags).get("ct.native")) == (OrderType.STOP_LIMIT, "oco")


async def test_ccxt_oco_stop_limit_leg_triggered_fills_at_its_limit_and_position_is_flat(
    gateway: Gateway,
) -> None:
    list_id, target = await _armed(gateway, "sl-2", "1")
    stop = gateway.member(list_id, "sl")
    assert stop is not None

    gateway.fake.set_price(Decimal(47450))  # through the stop, not through its limit

    filled = await gateway.until(stop.order_id, OrderState.FILLED)
    await gateway.until(target.order_id, OrderState.EXPIRED)
    price = filled.average_fill_price
    assert filled.filled_quantity == QTY and price is not None and price >= Decimal(47400)
    assert gateway.parts is not None
    assert gateway.parts.engine.book.quantity(ACCOUNT, "BTC-USD") == 0


async def test_ccxt_ladder_with_stop_limit_rests_a_stop_loss_limit_leg_per_rung_and_closes(
    gateway: Gateway,
) -> None:
    list_id, target = await _armed(gateway, "sl-3", "0.5", "0.5")
    await eventually(lambda: len(_oco_posts(gateway.fake)) == 2)
    for oco in _oco_posts(gateway.fake):  # one order list per rung (contingent/rungs.py)
        assert (oco["belowType"], Decimal(oco["quantity"])) == ("STOP_LOSS_LIMIT", QTY / 2)
        assert (Decimal(oco["belowStopPrice"]), Decimal(oco["belowPrice"])) == (
            Decimal(47500),
            Decimal(47400),
        )
    stops = [gateway.member(list_id, f"sl.{n}") for n in (1, 2)]
    assert gateway.member(list_id, "sl") is None and None not in stops

    gateway.fake.set_price(Decimal(47450))  # Binance triggers both, at their limit

    for stop in stops:
        assert stop is not None
        filled = await gateway.until(stop.order_id, OrderState.FILLED)
        assert filled.average_fill_price is not None
        assert filled.average_fill_price >= Decimal(47400)
    await gateway.until(target.order_id, OrderState.EXPIRED)
    assert gateway.parts is not None
    assert gateway.parts.engine.book.quantity(ACCOUNT, "BTC-USD") == 0


def _vid(gw: Gateway, order: Order) -> str:
    """The client id Binance knows ``order`` by."""
    assert gw.parts is not None
    driver = gw.parts.engine.venues[ACCOUNT].driver  # type: ignore[attr-defined]
    return venue_client_id(driver.client_ids, ACCOUNT, order.client_order_id, order.version)


def _position(gw: Gateway) -> Decimal:
    assert gw.parts is not None
    return gw.parts.engine.book.quantity(ACCOUNT, "BTC-USD")


def _mark(gw: Gateway, price: int) -> None:
    assert gw.parts is not None
    gw.fake.set_price(Decimal(price))
    gw.parts.engine.set_reference_price(SetReferencePrice(symbol="BTC-USD", price=Decimal(price)))


async def _trailed_to_50500(gw: Gateway, client_order_id: str) -> str:
    """A bracket with an amount trail of 500 and one take-profit, filled at 50000, after
    the mark rose to 51000."""
    assert gw.parts is not None
    spec = _spec("1", stop=Exit(ExitKind.TRAIL, Decimal(500)))
    list_id = (await gw.parts.brackets.submit(_entry(client_order_id), spec)).list_id
    await eventually(lambda: gw.member(list_id, "tp.1") is not None)
    _mark(gw, 51000)
    await gw.parts.brackets.settle()
    return list_id


async def test_ccxt_bracket_amount_trail_with_take_profit_is_held_and_trails_the_mark(
    gateway: Gateway,
) -> None:
    list_id = await _trailed_to_50500(gateway, "sl-4")

    assert gateway.parts is not None
    found = gateway.parts.brackets.get(list_id)
    assert (found.held_stop_price, gateway.member(list_id, "sl")) == (Decimal(50500), None)


async def test_ccxt_bracket_held_trailing_stop_reached_closes_with_a_limit_at_its_limit(
    gateway: Gateway,
) -> None:
    list_id = await _trailed_to_50500(gateway, "sl-6")

    _mark(gateway, 50450)  # through the trailed stop at 50500, above its limit 50400

    await eventually(lambda: gateway.member(list_id, "sl") is not None)
    stop = gateway.member(list_id, "sl")
    assert stop is not None
    assert (stop.type, stop.limit_price) == (OrderType.LIMIT, Decimal(50400))
    await gateway.until(stop.order_id, OrderState.FILLED)
    assert gateway.parts is not None
    assert gateway.parts.engine.book.quantity(ACCOUNT, "BTC-USD") == 0


async def test_ccxt_bracket_without_take_profit_rests_its_stop_at_the_venue(
    gateway: Gateway,
) -> None:
    list_id = await _stop_only(gateway, "sl-5")
    stop = gateway.member(list_id, "sl")
    assert stop is not None

    resting = [o for o in gateway.fake.book.orders if o.is_open]
    assert [(o.type, o.side, o.qty, o.stop) for o in resting] == [
        ("STOP_LOSS_LIMIT", "SELL", QTY, Decimal(47500))
    ]
    assert resting[0].price == Decimal(47400)


async def test_ccxt_stop_only_bracket_triggered_while_fillgate_down_closes_once(
    gateway: Gateway,
) -> None:
    list_id = await _stop_only(gateway, "sl-6")
    stop = gateway.member(list_id, "sl")
    assert stop is not None
    await gateway.stop()

    gateway.fake.set_price(Decimal(47450))  # Binance triggers the resting stop-limit
    await asyncio.sleep(0.05)
    parts = await gateway.start()

    await gateway.until(stop.order_id, OrderState.FILLED)
    await parts.brackets.settle()
    assert parts.brackets.get(list_id).state == "DONE"
    assert gateway.member(list_id, "fix") is None
    assert parts.engine.book.quantity(ACCOUNT, "BTC-USD") == 0
    assert await parts.reconciler.reconcile(ACCOUNT) == []


async def _stop_only(gw: Gateway, client_order_id: str) -> str:
    """A filled bracket entry with only a stop-limit, resting (NEW)."""
    assert gw.parts is not None
    list_id = (await gw.parts.brackets.submit(_entry(client_order_id), _spec())).list_id
    await gw.until(list_id, OrderState.FILLED)
    await eventually(lambda: gw.member(list_id, "sl") is not None)
    stop = gw.member(list_id, "sl")
    assert stop is not None
    await gw.until(stop.order_id, OrderState.NEW)
    return list_id


async def test_ccxt_trailing_stop_without_take_profit_rests_and_follows_the_mark(
    gateway: Gateway,
) -> None:
    assert gateway.parts is not None
    spec = BracketSpec(Exit(ExitKind.TRAIL, Decimal(1000)))
    list_id = (await gateway.parts.brackets.submit(_entry("sl-7"), spec)).list_id
    await gateway.until(list_id, OrderState.FILLED)
    await eventually(lambda: gateway.member(list_id, "sl") is not None)
    first = gateway.member(list_id, "sl")
    assert first is not None and first.stop_price == Decimal(49000)

    gateway.fake.set_price(Decimal(51000))
    gateway.parts.engine.set_reference_price(
        SetReferencePrice(symbol="BTC-USD", price=Decimal(51000))
    )

    def moved() -> bool:
        stop = gateway.member(list_id, "sl")
        return stop is not None and stop.stop_price == Decimal(50000)

    await eventually(moved)
    await gateway.parts.brackets.settle()
    resting = [(o.type, o.stop) for o in gateway.fake.book.orders if o.is_open]
    assert resting == [("STOP_LOSS", Decimal(50000))]


async def _filled_at_49000(gw: Gateway, client_order_id: str) -> str:
    """A bracket with a stop 1 % under its fill (48510) whose LIMIT entry Binance has just
    filled at 49000: fillgate has not heard of the fill yet."""
    assert gw.parts is not None
    entry = buy_entry("BTC-USD", QTY, client_order_id, limit=Decimal(49000))
    spec = BracketSpec(Exit(ExitKind.PERCENT, Decimal(1)))
    list_id = (await gw.parts.brackets.submit(entry, spec)).list_id
    await gw.until(list_id, OrderState.NEW)
    gw.fake.fill(_vid(gw, gw.order(list_id)), QTY, Decimal(49000))
    return list_id


async def test_ccxt_bracket_stop_refused_as_the_price_is_already_through_it_closes_at_market(
    gateway: Gateway,
) -> None:
    """The price gaps through the stop between the entry's fill and the stop's placement:
    Binance refuses the stop (-2010 would trigger immediately). Fillgate must not leave
    the position open: it holds the stop, which the mark has already reached."""
    list_id = await _filled_at_49000(gateway, "gap-1")
    _mark(gateway, 48000)  # before fillgate hears of the fill

    await gateway.until(list_id, OrderState.FILLED)
    await eventually(lambda: _position(gateway) == 0)
    assert gateway.parts is not None
    members = gateway.parts.brackets.get(list_id).members
    refused = [(m.type, m.stop_price) for m in members if m.state is OrderState.REJECTED]
    assert refused == [(OrderType.STOP, Decimal(48510))]
    await gateway.parts.brackets.settle()
    assert gateway.parts.brackets.get(list_id).state == "DONE"


async def test_ccxt_held_stop_close_refused_by_binance_is_sent_three_times_in_all(
    gateway: Gateway, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The coins are gone when fillgate's held stop triggers: Binance refuses its close
    (a limit sell at the stop-limit's limit). Before, every plan sent another one (about
    20 per mark tick)."""
    list_id = await _trailed_to_50500(gateway, "sl-9")
    book = gateway.fake.book
    place = book.new_order
    refused: list[str] = []

    def no_coins(p: dict[str, str], client_id: str) -> Any:
        if p.get("side") == "SELL":
            refused.append(client_id)
            raise BinanceError(400, -2010, "Account has insufficient balance for requested action.")
        return place(p, client_id)

    monkeypatch.setattr(book, "new_order", no_coins)
    told: list[dict[str, Any]] = []
    assert gateway.parts is not None
    gateway.parts.brackets.on_close_given_up = lambda **kw: told.append(kw)

    _mark(gateway, 50400)  # through the held stop
    await eventually(lambda: len(refused) >= 3)
    for price in (50300, 50200, 50100):  # the market keeps falling: each tick replans
        _mark(gateway, price)
        assert gateway.parts is not None
        await gateway.parts.brackets.settle()
        await asyncio.sleep(0.1)

    assert len(refused) == 3
    assert "event=bracket_close_given_up" in caplog.text
    assert [(t["list_id"], t["role"], t["attempts"]) for t in told] == [(list_id, "sl", 3)]


async def test_ccxt_bracket_stop_refused_then_restart_still_holds_it_and_sends_it_no_more(
    gateway: Gateway,
) -> None:
    """Binance refused the stop (its last trade is through it) while fillgate's mark is
    not yet: fillgate holds the stop. A restart keeps holding it, from the journal."""
    list_id = await _filled_at_49000(gateway, "gap-3")
    gateway.fake.set_price(Decimal(48000))  # the venue's price only
    await gateway.until(list_id, OrderState.FILLED)
    await eventually(
        lambda: (
            gateway.parts is not None
            and gateway.parts.brackets.get(list_id).held_stop_price == Decimal(48510)
        )
    )
    await gateway.stop()

    parts = await gateway.start()

    await parts.brackets.settle()
    assert parts.brackets.get(list_id).held_stop_price == Decimal(48510)
    stops = [r for r in gateway.fake.requests if "STOP_LOSS" in r.params]
    assert len(stops) == 1  # the refused one; never sent again
    assert _position(gateway) == QTY
    _mark(gateway, 48400)
    await eventually(lambda: _position(gateway) == 0)
