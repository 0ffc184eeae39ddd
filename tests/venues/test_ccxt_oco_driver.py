"""The ccxt driver's ``place_oco`` against the fake Binance's OCO order lists, through real ccxt."""

from __future__ import annotations

from decimal import Decimal

import pytest
from fakes.binance import FakeBinance

from fillgate.domain.enums import OrderType, Side, TimeInForce
from fillgate.domain.values import SystemClock
from fillgate.venues.ccxt.driver import CcxtDriver
from fillgate.venues.ccxt.oco import oco_params
from fillgate.venues.runtime.adapter import RemoteVenue
from fillgate.venues.types import PlaceRequest, VenueRef, VenueStatus

Q = Decimal("0.01")
ABOVE = Decimal("52500")
BELOW = Decimal("47500")


def make_fake() -> FakeBinance:
    return FakeBinance(base_balance=Decimal("1"))


def make_driver(fake: FakeBinance) -> CcxtDriver:
    return CcxtDriver(fake.settings(), fake.credentials())


def request(
    client_id: str,
    *,
    side: Side,
    type: OrderType,
    quantity: Decimal = Q,
    limit: Decimal | None = None,
    stop: Decimal | None = None,
) -> PlaceRequest:
    return PlaceRequest(
        client_id=client_id,
        symbol="BTC-USD",
        side=side,
        type=type,
        time_in_force=TimeInForce.GTC,
        quantity=quantity,
        limit_price=limit,
        stop_price=stop,
    )


def _pair(side: Side, tp: Decimal, sl: Decimal, n: int) -> tuple[PlaceRequest, PlaceRequest]:
    take_profit = request(f"tp-{n}", side=side, type=OrderType.LIMIT, limit=tp)
    stop = request(f"sl-{n}", side=side, type=OrderType.STOP, stop=sl)
    return take_profit, stop


async def test_place_oco_sell_rests_both_legs_under_our_client_ids(driver: CcxtDriver) -> None:
    report, leg = await driver.place_oco(*_pair(Side.SELL, ABOVE, BELOW, 1))

    assert report.order is not None and leg is not None
    assert (report.order.client_id, report.order.status) == ("tp-1", VenueStatus.NEW)
    assert (report.order.limit_price, report.order.quantity) == (ABOVE, Q)
    assert (leg.client_id, leg.status, leg.stop_price) == ("sl-1", VenueStatus.NEW, BELOW)


async def test_place_oco_locks_the_sold_balance_once_for_both_legs(
    driver: CcxtDriver, fake: FakeBinance
) -> None:
    await driver.place_oco(*_pair(Side.SELL, ABOVE, BELOW, 2))

    assert fake.book.balances["BTC"] == [Decimal(1) - Q, Q]


async def test_place_oco_buy_exit_puts_the_stop_above_and_the_take_profit_below(
    driver: CcxtDriver, fake: FakeBinance
) -> None:
    report, leg = await driver.place_oco(*_pair(Side.BUY, BELOW, ABOVE, 3))

    assert report.order is not None and leg is not None
    legs = {o.client_id: (o.type, o.side) for o in fake.book.orders if o.list_id >= 0}
    assert legs == {"tp-3": ("LIMIT_MAKER", "BUY"), "sl-3": ("STOP_LOSS", "BUY")}


async def test_cancel_of_one_oco_leg_cancels_the_whole_list(
    driver: CcxtDriver, fake: FakeBinance
) -> None:
    report, leg = await driver.place_oco(*_pair(Side.SELL, ABOVE, BELOW, 4))
    assert report.order is not None and leg is not None

    await driver.cancel(
        VenueRef(client_id="sl-4", venue_order_id=leg.venue_order_id, symbol="BTC-USD")
    )

    tp = await driver.fetch_order("BTC-USD", "tp-4")
    assert tp is not None and tp.order is not None
    assert tp.order.status is VenueStatus.CANCELED
    assert fake.book.balances["BTC"] == [Decimal(1), 0]


async def test_place_oco_take_profit_below_the_market_is_refused_as_it_would_take(
    driver: CcxtDriver, fake: FakeBinance
) -> None:
    with pytest.raises(Exception) as raised:
        await driver.place_oco(*_pair(Side.SELL, Decimal("49000"), BELOW, 5))

    assert "immediately match" in str(raised.value)
    assert [o for o in fake.book.orders if o.list_id >= 0] == []


def test_oco_params_for_legs_of_different_quantities_is_invalid() -> None:
    take_profit, stop = _pair(Side.SELL, ABOVE, BELOW, 6)
    stop = request("sl-6", side=Side.SELL, type=OrderType.STOP, stop=BELOW, quantity=Q * 2)

    with pytest.raises(Exception, match="one quantity"):
        oco_params("BTCUSDT", take_profit, stop)


def test_ccxt_exchange_other_than_binance_offers_no_native_oco(fake: FakeBinance) -> None:
    settings = fake.settings(exchange="kraken")
    venue = RemoteVenue(
        settings=settings, driver=CcxtDriver(settings, fake.credentials()), clock=SystemClock()
    )

    assert venue.native_oco is False


def test_ccxt_binance_venue_offers_native_oco(fake: FakeBinance) -> None:
    venue = RemoteVenue(settings=fake.settings(), driver=make_driver(fake), clock=SystemClock())

    assert venue.native_oco is True
