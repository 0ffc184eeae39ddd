"""The Alpaca driver's calls against the fake Alpaca, through the real alpaca-py."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from decimal import Decimal as D

import pytest
from fakes.alpaca import FakeAlpaca
from fakes.alpaca_harness import (
    Feed,
    credentials,
    fails,
    limit,
    posted_orders,
    request,
    settings_for,
)

from fillgate.domain.values import SystemClock
from fillgate.venues.alpaca import build_driver
from fillgate.venues.alpaca.driver import AlpacaDriver
from fillgate.venues.errors import ErrorKind
from fillgate.venues.types import VenueRef, VenueStatus

pytestmark = pytest.mark.filterwarnings("ignore:websockets.legacy is deprecated:DeprecationWarning")


def make_fake() -> FakeAlpaca:
    return FakeAlpaca()


def make_driver(fake: FakeAlpaca) -> AlpacaDriver:
    return build_driver(settings_for(fake), credentials(fake.key, fake.secret), clock=SystemClock())


@pytest.fixture
async def feed(driver: AlpacaDriver) -> AsyncIterator[Feed]:
    consumer = Feed(driver)
    await consumer.up()
    yield consumer
    await consumer.stop()


# -- open -------------------------------------------------------------------------------


async def test_open_mapped_symbols_loads_increments_from_asset_strings(driver: AlpacaDriver):
    instruments = await driver.open()

    aapl, btc = instruments["AAPL"], instruments["BTC-USD"]
    assert (aapl.venue_symbol, aapl.price_increment, aapl.quantity_increment) == (
        "AAPL",
        D("0.01"),
        D("0.000000001"),
    )
    assert (btc.venue_symbol, btc.price_increment, btc.quantity_increment) == (
        "BTC/USD",
        D(1),
        D("0.000000001"),
    )
    assert btc.min_quantity == D("0.0001")


async def test_open_unknown_symbol_is_fatal(fake: FakeAlpaca):
    driver = build_driver(
        settings_for(fake, symbols={"XYZ": "XYZ"}),
        credentials(fake.key, fake.secret),
        clock=SystemClock(),
    )
    try:
        assert (await fails(driver, driver.open())).kind is ErrorKind.FATAL
    finally:
        await driver.close()


async def test_open_wrong_secret_is_fatal(fake: FakeAlpaca):
    driver = build_driver(
        settings_for(fake), credentials(fake.key, "wrong-secret"), clock=SystemClock()
    )
    try:
        assert (await fails(driver, driver.open())).kind is ErrorKind.FATAL
    finally:
        await driver.close()


# -- orders -----------------------------------------------------------------------------


async def test_place_market_answers_pending_then_stream_reports_fill(driver, feed, fake):
    report = await driver.place(request("mkt-1"))

    assert report.order is not None and report.order.status is VenueStatus.PENDING
    assert report.fills == ()
    await feed.order("mkt-1", VenueStatus.NEW)
    filled = await feed.order("mkt-1", VenueStatus.FILLED)
    (fill,) = filled.fills
    assert (fill.quantity, fill.price, fill.cumulative) == (D(2), D("190.25"), D(2))
    assert fill.trade_id == fake.book.activities[-1]["id"].split("::")[1]
    assert fill.venue_order_id == report.order.venue_order_id


async def test_place_limit_rests_as_new_and_is_listed_open(driver, feed):
    await driver.place(limit("lim-1"))

    await feed.order("lim-1", VenueStatus.NEW)
    assert [o.client_id for o in await driver.fetch_open_orders()] == ["lim-1"]


async def test_partial_fills_carry_the_order_cumulative_quantity(driver, feed, fake):
    await driver.place(limit("lim-2"))
    await feed.order("lim-2", VenueStatus.NEW)

    fake.fill("lim-2", D(1), D("180.50"))
    fake.fill("lim-2", D(2), D("180.55"))

    first = await feed.order("lim-2", VenueStatus.PARTIALLY_FILLED)
    last = await feed.order("lim-2", VenueStatus.FILLED)
    assert [(f.quantity, f.price, f.cumulative) for f in first.fills + last.fills] == [
        (D(1), D("180.5"), D(1)),
        (D(2), D("180.55"), D(3)),
    ]


async def test_cancel_returns_none_then_stream_reports_canceled(driver, feed):
    placed = await driver.place(limit("lim-3"))
    assert placed.order is not None
    ref = VenueRef(client_id="lim-3", venue_order_id=placed.order.venue_order_id, symbol="AAPL")

    assert await driver.cancel(ref) is None
    await feed.order("lim-3", VenueStatus.CANCELED)


async def test_cancel_without_venue_id_finds_the_order_by_client_id(driver, feed):
    await driver.place(limit("lim-4"))

    await driver.cancel(VenueRef(client_id="lim-4", venue_order_id="", symbol="AAPL"))

    await feed.order("lim-4", VenueStatus.CANCELED)


async def test_cancel_unknown_order_is_not_found(driver):
    ref = VenueRef(
        client_id="x", venue_order_id="00000000-0000-0000-0000-000000000000", symbol="AAPL"
    )

    assert (await fails(driver, driver.cancel(ref))).kind is ErrorKind.NOT_FOUND


async def test_cancel_filled_order_is_rejected_as_not_cancelable(driver, feed):
    placed = await driver.place(request("mkt-2"))
    await feed.order("mkt-2", VenueStatus.FILLED)
    assert placed.order is not None
    ref = VenueRef(client_id="mkt-2", venue_order_id=placed.order.venue_order_id, symbol="AAPL")

    failed = await fails(driver, driver.cancel(ref))

    assert (failed.kind, failed.code) == (ErrorKind.REJECTED, "42210000")


async def test_replace_makes_a_new_venue_order_and_the_old_ends_replaced(driver, feed, fake):
    placed = await driver.place(limit("lim-5"))
    await feed.order("lim-5", VenueStatus.NEW)
    fake.fill("lim-5", D(1))
    assert placed.order is not None
    old = VenueRef(client_id="lim-5", venue_order_id=placed.order.venue_order_id, symbol="AAPL")

    report = await driver.replace(old, limit("lim-5:1", quantity="2", price="181.10"))

    new = report.order
    assert new is not None and new.client_id == "lim-5:1"
    assert (new.quantity, new.limit_price, new.replaces) == (D(2), D("181.1"), old.venue_order_id)
    assert new.venue_order_id != old.venue_order_id
    await feed.order("lim-5", VenueStatus.REPLACED)
    await feed.order("lim-5:1", VenueStatus.NEW)


async def test_replace_fractional_quantity_is_sent_exactly(driver, feed, fake):
    placed = await driver.place(limit("lim-6"))
    assert placed.order is not None
    old = VenueRef(client_id="lim-6", venue_order_id=placed.order.venue_order_id, symbol="AAPL")

    report = await driver.replace(old, limit("lim-6:1", quantity="1.5"))

    assert report.order is not None and report.order.quantity == D("1.5")
    patch = next(r for r in fake.requests if r.method == "PATCH")
    assert json.loads(patch.body, parse_float=D)["qty"] == D("1.5")


async def test_fetch_order_unknown_client_id_is_none(driver):
    assert await driver.fetch_order("AAPL", "never-sent") is None


async def test_fetch_order_known_client_id_returns_its_snapshot(driver):
    await driver.place(limit("lim-7"))

    report = await driver.fetch_order("AAPL", "lim-7")

    assert report is not None and report.order is not None
    assert (report.order.client_id, report.order.quantity) == ("lim-7", D(3))


async def test_place_without_buying_power_is_rejected(driver, fake):
    fake.reject_next_order()

    failed = await fails(driver, driver.place(request("mkt-3")))

    assert (failed.kind, failed.code) == (ErrorKind.REJECTED, "40310000")
    assert "buying power" in failed.message


async def test_place_duplicate_client_id_is_rejected(driver):
    await driver.place(limit("dup-1"))

    failed = await fails(driver, driver.place(limit("dup-1")))

    assert (failed.kind, failed.code) == (ErrorKind.REJECTED, "40010001")


async def test_place_sends_decimals_as_floats_that_read_back_exactly(driver, fake):
    await driver.place(limit("lim-8", quantity="0.123456789", price="190.27"))

    (body,) = posted_orders(fake)
    assert (body["qty"], body["limit_price"]) == (D("0.123456789"), D("190.27"))


async def test_place_with_more_than_15_significant_digits_is_refused_unsent(driver, fake):
    failed = await fails(driver, driver.place(limit("lim-9", price="190.2500000000001")))

    assert failed.kind is ErrorKind.REJECTED
    assert posted_orders(fake) == []


# -- reconciliation -----------------------------------------------------------------------


async def test_fetch_fills_since_returns_later_fills_with_stream_trade_ids(driver, feed, fake):
    await driver.place(request("mkt-4"))
    await feed.order("mkt-4", VenueStatus.FILLED)
    await asyncio.sleep(0.01)
    since_ns = time.time_ns()
    await asyncio.sleep(0.01)
    await driver.place(request("mkt-5", quantity=D(1)))
    later = await feed.order("mkt-5", VenueStatus.FILLED)

    fills = await driver.fetch_fills(since_ns)

    assert [(f.trade_id, f.quantity, f.cumulative) for f in fills] == [
        (later.fills[0].trade_id, D(1), D(1))
    ]
    assert later.order is not None and fills[0].venue_order_id == later.order.venue_order_id


async def test_fetch_positions_short_position_is_negative(driver, fake):
    fake.set_position(D(-3))

    (position,) = await driver.fetch_positions()

    assert (position.symbol, position.quantity) == ("AAPL", D(-3))


async def test_fetch_balances_reports_cash_and_buying_power(driver):
    (balance,) = await driver.fetch_balances()

    assert (balance.asset, balance.total, balance.available) == ("USD", D(100000), D(200000))
