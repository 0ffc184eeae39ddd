"""The ccxt driver's user-data stream against the fake Binance's WebSocket API."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from decimal import Decimal

import pytest
from fakes.binance import FakeBinance

from fillgate.domain.enums import OrderType, Side, TimeInForce
from fillgate.domain.values import SystemClock
from fillgate.venues.ccxt import build_driver
from fillgate.venues.ccxt.driver import CcxtDriver
from fillgate.venues.types import PlaceRequest, StreamStatus, VenueRef, VenueReport, VenueStatus

Q = Decimal("0.01")
BELOW = Decimal("45000")


def make_fake() -> FakeBinance:
    return FakeBinance(base_balance=Decimal("1"))


def make_driver(fake: FakeBinance) -> CcxtDriver:
    return build_driver(fake.settings(), fake.credentials(), clock=SystemClock())


def request(
    client_id: str,
    *,
    side: Side = Side.BUY,
    type: OrderType = OrderType.LIMIT,
    limit: Decimal | None = BELOW,
    stop: Decimal | None = None,
) -> PlaceRequest:
    return PlaceRequest(
        client_id=client_id,
        symbol="BTC-USD",
        side=side,
        type=type,
        time_in_force=TimeInForce.GTC,
        quantity=Q,
        limit_price=limit,
        stop_price=stop,
    )


async def next_report(items: AsyncIterator[VenueReport | StreamStatus]) -> VenueReport:
    while True:
        item = await asyncio.wait_for(anext(items), 3)
        if isinstance(item, VenueReport):
            return item


# -- stream ------------------------------------------------------------------------------------


async def test_stream_yields_up_then_new_and_trade_reports(
    driver: CcxtDriver, fake: FakeBinance
) -> None:
    items = driver.stream()
    assert await asyncio.wait_for(anext(items), 3) == StreamStatus(up=True)

    await driver.place(request("s-1"))
    new = await next_report(items)
    fake.fill("s-1", Decimal("0.004"))
    trade = await next_report(items)
    await items.aclose()

    assert new.order is not None and new.order.status is VenueStatus.NEW
    assert trade.order is not None and trade.order.status is VenueStatus.PARTIALLY_FILLED
    [fill] = trade.fills
    assert (fill.client_id, fill.quantity, fill.price, fill.cumulative) == (
        "s-1",
        Decimal("0.004"),
        BELOW,
        Decimal("0.004"),
    )


async def test_stream_back_to_back_fills_each_arrive_with_their_trade_id(
    driver: CcxtDriver, fake: FakeBinance
) -> None:
    items = driver.stream()
    await asyncio.wait_for(anext(items), 3)
    await driver.place(request("s-2"))
    await next_report(items)

    fake.fill("s-2", Decimal("0.004"))
    fake.fill("s-2", Decimal("0.006"))
    reports = [await next_report(items), await next_report(items)]
    await items.aclose()

    fills = [f for r in reports for f in r.fills]
    assert [f.cumulative for f in fills] == [Decimal("0.004"), Q]
    assert len({f.trade_id for f in fills}) == 2


async def test_stream_cancel_reports_canceled_under_original_client_id(
    driver: CcxtDriver,
) -> None:
    items = driver.stream()
    await asyncio.wait_for(anext(items), 3)
    placed = await driver.place(request("s-3"))
    assert placed.order is not None
    await next_report(items)

    await driver.cancel(
        VenueRef(client_id="s-3", venue_order_id=placed.order.venue_order_id, symbol="BTC-USD")
    )
    canceled = await next_report(items)
    await items.aclose()

    assert canceled.order is not None
    assert (canceled.order.client_id, canceled.order.status) == ("s-3", VenueStatus.CANCELED)


async def test_stream_stop_order_fills_once_price_crosses_its_stop(
    driver: CcxtDriver, fake: FakeBinance
) -> None:
    items = driver.stream()
    await asyncio.wait_for(anext(items), 3)
    await driver.place(
        request("s-5", side=Side.SELL, type=OrderType.STOP, limit=None, stop=Decimal("49000"))
    )
    await next_report(items)

    fake.set_price(Decimal("48900"))
    trade = await next_report(items)
    await items.aclose()

    assert trade.order is not None and trade.order.status is VenueStatus.FILLED
    assert [(f.side, f.quantity, f.price) for f in trade.fills] == [
        (Side.SELL, Q, Decimal("48900"))
    ]


async def test_stream_after_drop_yields_down_then_up_again_and_resumes(
    driver: CcxtDriver, fake: FakeBinance
) -> None:
    items = driver.stream()
    await asyncio.wait_for(anext(items), 3)

    await fake.drop_streams(refuse_s=0.3)
    down = await asyncio.wait_for(anext(items), 3)
    statuses = [down]
    while statuses[-1] != StreamStatus(up=True):
        statuses.append(await asyncio.wait_for(anext(items), 3))
    await driver.place(request("s-4"))
    report = await next_report(items)
    await items.aclose()

    assert isinstance(down, StreamStatus) and not down.up and down.detail
    assert report.order is not None and report.order.client_id == "s-4"


async def test_stream_ends_when_driver_closes(fake: FakeBinance) -> None:
    driver = build_driver(fake.settings(), fake.credentials(), clock=SystemClock())
    await driver.open()
    items = driver.stream()
    await asyncio.wait_for(anext(items), 3)

    pending = asyncio.ensure_future(anext(items))
    await driver.close()

    with pytest.raises(StopAsyncIteration):
        await asyncio.wait_for(pending, 3)


async def test_stream_consumer_cancelled_stops_cleanly(driver: CcxtDriver) -> None:
    items = driver.stream()
    await asyncio.wait_for(anext(items), 3)
    consumer = asyncio.ensure_future(anext(items))
    await asyncio.sleep(0.05)

    consumer.cancel()

    with pytest.raises(asyncio.CancelledError):
        await consumer
    assert await driver.fetch_open_orders() == []
