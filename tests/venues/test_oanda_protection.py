"""The OANDA driver's venue-held protection (place_oco on the entry's trade), run with the
real oandapyV20 SDK against the fake OANDA venue: when it goes on the trade, and when it
answers None so the runtime places separate orders instead."""

from __future__ import annotations

from decimal import Decimal

from fakes.oanda import FakeOanda
from fakes.oanda_harness import market, new_driver, sent_orders

from fillgate.domain.enums import OrderType, Side, TimeInForce
from fillgate.venues.oanda.driver import OandaDriver
from fillgate.venues.types import PlaceRequest, VenueStatus


def make_fake() -> FakeOanda:
    return FakeOanda(heartbeat_s=0.2)


make_driver = new_driver


def _exit(client_id: str, kind: OrderType, price: str, quantity: str = "1000") -> PlaceRequest:
    return PlaceRequest(
        client_id=client_id,
        symbol="EUR-USD",
        side=Side.SELL,
        type=kind,
        time_in_force=TimeInForce.GTC,
        quantity=Decimal(quantity),
        limit_price=Decimal(price) if kind is OrderType.LIMIT else None,
        stop_price=Decimal(price) if kind is OrderType.STOP else None,
        reduce_only=True,
    )


TP = ("tp-1", OrderType.LIMIT, "1.13885")
SL = ("sl-1", OrderType.STOP, "1.03039")


def _on_trade(fake: FakeOanda) -> list[str]:
    return [str(o["type"]) for o in sent_orders(fake) if "tradeID" in o]


async def test_oanda_place_oco_puts_stop_then_take_profit_on_the_entry_trade(
    driver: OandaDriver, fake: FakeOanda
) -> None:
    await driver.place(market("entry-1"))

    placed = await driver.place_oco(_exit(*TP), _exit(*SL), "entry-1")

    assert placed is not None
    report, leg = placed
    assert report.order is not None and leg is not None
    assert (report.order.status, leg.status) == (VenueStatus.NEW, VenueStatus.NEW)
    assert (leg.client_id, leg.stop_price, leg.quantity) == ("sl-1", Decimal("1.03039"), 1000)
    assert _on_trade(fake) == ["STOP_LOSS", "TAKE_PROFIT"]


async def test_oanda_place_oco_quantity_not_the_trade_units_returns_none_sends_nothing(
    driver: OandaDriver, fake: FakeOanda
) -> None:
    await driver.place(market("entry-2"))

    placed = await driver.place_oco(_exit(*TP, "600"), _exit(*SL, "600"), "entry-2")

    assert placed is None
    assert _on_trade(fake) == []


async def test_oanda_place_oco_trade_opened_by_another_order_returns_none(
    driver: OandaDriver, fake: FakeOanda
) -> None:
    await driver.place(market("someone-else"))

    placed = await driver.place_oco(_exit(*TP), _exit(*SL), "entry-3")

    assert placed is None
    assert _on_trade(fake) == []


async def test_oanda_place_oco_trade_already_holding_a_stop_loss_returns_none(
    driver: OandaDriver, fake: FakeOanda
) -> None:
    await driver.place(market("entry-4"))
    assert await driver.place_oco(_exit(*TP), _exit(*SL), "entry-4") is not None

    placed = await driver.place_oco(_exit("tp-2", *TP[1:]), _exit("sl-2", *SL[1:]), "entry-4")

    assert placed is None
    assert _on_trade(fake) == ["STOP_LOSS", "TAKE_PROFIT"]


async def test_oanda_place_oco_stop_loss_refused_returns_none_for_separate_orders(
    driver: OandaDriver, fake: FakeOanda
) -> None:
    await driver.place(market("entry-5"))

    placed = await driver.place_oco(
        _exit(*TP), _exit("sl-5", OrderType.STOP, "1.030391"), "entry-5"
    )

    assert placed is None
    assert not [o for o in fake.account.orders.values() if o.trade_id and o.state == "PENDING"]


async def test_oanda_place_oco_take_profit_refused_keeps_the_stop_loss_on_the_trade(
    driver: OandaDriver, fake: FakeOanda
) -> None:
    await driver.place(market("entry-6"))

    placed = await driver.place_oco(
        _exit("tp-6", OrderType.LIMIT, "1.138851"), _exit(*SL), "entry-6"
    )

    assert placed is not None
    report, leg = placed
    assert report.order is not None and report.order.status is VenueStatus.REJECTED
    assert leg is not None and leg.status is VenueStatus.NEW
    (trade,) = fake.account.trades.open_trades()
    assert fake.account.orders[trade.orders["STOP_LOSS"]].state == "PENDING"
