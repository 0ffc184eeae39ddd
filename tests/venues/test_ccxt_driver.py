"""The ccxt driver's REST side against the fake Binance, through the real ccxt.pro."""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace
from decimal import Decimal
from types import MappingProxyType

import pytest
from fakes.binance import FakeBinance

from fillgate.domain.enums import OrderType, Side, TimeInForce
from fillgate.domain.values import SystemClock
from fillgate.venues.ccxt import build_driver
from fillgate.venues.ccxt import driver as ccxt_driver
from fillgate.venues.ccxt.driver import CcxtDriver
from fillgate.venues.ccxt.exchange import create_exchange
from fillgate.venues.driver import Credentials, VenueSettings
from fillgate.venues.errors import ErrorKind, VenueFailure
from fillgate.venues.types import (
    PlaceRequest,
    VenueRef,
    VenueStatus,
)

Q = Decimal("0.01")
BELOW = Decimal("45000")


def make_fake() -> FakeBinance:
    return FakeBinance(base_balance=Decimal("1"))


def make_driver(fake: FakeBinance, **overrides: object) -> CcxtDriver:
    return build_driver(fake.settings(**overrides), fake.credentials(), clock=SystemClock())


def request(
    client_id: str,
    *,
    side: Side = Side.BUY,
    type: OrderType = OrderType.MARKET,
    quantity: Decimal = Q,
    limit: Decimal | None = None,
    stop: Decimal | None = None,
    tif: TimeInForce = TimeInForce.GTC,
) -> PlaceRequest:
    return PlaceRequest(
        client_id=client_id,
        symbol="BTC-USD",
        side=side,
        type=type,
        time_in_force=tif,
        quantity=quantity,
        limit_price=limit,
        stop_price=stop,
    )


# -- open ---------------------------------------------------------------------------


async def test_open_mapped_symbol_returns_increments_from_exchange_info(fake: FakeBinance) -> None:
    driver = make_driver(fake)
    try:
        instruments = await driver.open()
    finally:
        await driver.close()

    btc = instruments["BTC-USD"]
    assert (btc.venue_symbol, btc.price_increment, btc.quantity_increment) == (
        "BTC/USDT",
        Decimal("0.01"),
        Decimal("0.00001"),
    )
    assert btc.min_quantity == Decimal("0.00001")


async def test_open_reads_the_symbols_algo_order_limit_from_exchange_info() -> None:
    fake = FakeBinance(max_algo_orders=3)
    await fake.start()
    driver = make_driver(fake)
    try:
        instruments = await driver.open()
    finally:
        await driver.close()
        await fake.stop()

    assert instruments["BTC-USD"].max_algo_orders == 3


def test_driver_describes_binance_rules_without_secrets(fake: FakeBinance) -> None:
    driver = make_driver(fake)

    assert (driver.name, driver.native_replace) == ("ccxt:binance", False)
    assert driver.client_ids.max_length == 36
    assert fake.api_key not in repr(driver) and fake.api_secret not in repr(driver)


def test_driver_unknown_environment_is_refused(fake: FakeBinance) -> None:
    with pytest.raises(ValueError, match="environment"):
        make_driver(fake, environment="paper")


async def test_exchange_api_url_rewrites_hosts_and_keeps_paths(fake: FakeBinance) -> None:
    exchange = create_exchange(
        VenueSettings(account="a", venue="ccxt", api_url=fake.url, stream_url="ws://10.0.0.9:81"),
        Credentials(),
    )
    try:
        urls = exchange.urls["api"]
    finally:
        await exchange.close()

    assert urls["public"] == f"{fake.url}/api/v3"
    assert urls["ws"]["ws-api"]["spot"] == "ws://10.0.0.9:81/ws-api/v3"


async def test_exchange_testnet_with_api_url_keeps_the_override(fake: FakeBinance) -> None:
    exchange = create_exchange(
        VenueSettings(account="a", venue="ccxt", environment="testnet", api_url=fake.url),
        Credentials(),
    )
    try:
        urls, sandbox = exchange.urls["api"], exchange.isSandboxModeEnabled
    finally:
        await exchange.close()

    assert sandbox
    assert urls["private"] == f"{fake.url}/api/v3"
    assert urls["ws"]["ws-api"]["spot"] == f"ws://127.0.0.1:{fake.port}/ws-api/v3"


# -- place ----------------------------------------------------------------------------


async def test_place_market_buy_returns_filled_snapshot_and_fill(
    driver: CcxtDriver, fake: FakeBinance
) -> None:
    report = await driver.place(request("mkt-1"))

    assert report.order is not None
    assert (report.order.client_id, report.order.status) == ("mkt-1", VenueStatus.FILLED)
    assert report.order.filled_quantity == Q
    assert report.order.average_price == Decimal("50000")
    [fill] = report.fills
    assert (fill.quantity, fill.price, fill.cumulative) == (Q, Decimal("50000"), Q)
    assert fill.fee == Decimal("0.5")
    assert fill.trade_id and fill.venue_order_id == report.order.venue_order_id


async def test_place_sends_client_id_and_exact_decimal_strings(
    driver: CcxtDriver, fake: FakeBinance
) -> None:
    await driver.place(
        request("exact:1", type=OrderType.LIMIT, quantity=Decimal("0.01234"), limit=BELOW)
    )

    sent = fake.requests[-1].params
    assert "newClientOrderId=exact%3A1" in sent
    assert "quantity=0.01234&price=45000&timeInForce=GTC" in sent


async def test_place_limit_below_market_rests_as_new_without_fills(driver: CcxtDriver) -> None:
    report = await driver.place(request("lim-1", type=OrderType.LIMIT, limit=BELOW))

    assert report.order is not None
    assert report.order.status is VenueStatus.NEW
    assert report.order.limit_price == BELOW
    assert report.fills == ()


async def test_place_ioc_limit_that_cannot_trade_returns_expired(driver: CcxtDriver) -> None:
    report = await driver.place(
        request("ioc-1", type=OrderType.LIMIT, limit=BELOW, tif=TimeInForce.IOC)
    )

    assert report.order is not None
    assert (report.order.status, report.order.filled_quantity) == (VenueStatus.EXPIRED, Decimal(0))


async def test_place_stop_limit_rests_with_its_stop_price(
    driver: CcxtDriver, fake: FakeBinance
) -> None:
    report = await driver.place(
        request(
            "stp-1", side=Side.SELL, type=OrderType.STOP_LIMIT, limit=BELOW, stop=Decimal("46000")
        )
    )

    assert report.order is not None
    assert (report.order.status, report.order.stop_price) == (VenueStatus.NEW, Decimal("46000"))
    assert "type=STOP_LOSS_LIMIT" in fake.requests[-1].params


async def test_place_day_time_in_force_is_rejected_before_sending(
    driver: CcxtDriver, fake: FakeBinance
) -> None:
    sent = len(fake.requests)

    with pytest.raises(Exception) as raised:
        await driver.place(request("day-1", type=OrderType.LIMIT, limit=BELOW, tif=TimeInForce.DAY))

    assert driver.classify(raised.value).kind is ErrorKind.REJECTED
    assert len(fake.requests) == sent


async def test_place_insufficient_balance_classifies_rejected(
    driver: CcxtDriver, fake: FakeBinance
) -> None:
    fake.reject_next_order()

    with pytest.raises(Exception) as raised:
        await driver.place(request("rej-1"))

    failure = driver.classify(raised.value)
    assert (failure.kind, failure.code) == (ErrorKind.REJECTED, "-2010")


# -- fetch_order / cancel -----------------------------------------------------------------


async def test_fetch_order_unknown_client_id_returns_none(driver: CcxtDriver) -> None:
    assert await driver.fetch_order("BTC-USD", "never-placed") is None


async def test_fetch_order_after_lost_response_finds_order_with_fills(
    driver: CcxtDriver, fake: FakeBinance
) -> None:
    fake.lose_next_order_response()
    with pytest.raises(Exception) as raised:
        await driver.place(request("lost-1"))
    assert driver.classify(raised.value).kind is ErrorKind.UNKNOWN_OUTCOME

    report = await driver.fetch_order("BTC-USD", "lost-1")

    assert report is not None and report.order is not None
    assert report.order.status is VenueStatus.FILLED
    assert [(f.client_id, f.quantity, f.cumulative) for f in report.fills] == [("lost-1", Q, Q)]


async def test_fetch_order_partial_fills_carry_running_cumulative(
    driver: CcxtDriver, fake: FakeBinance
) -> None:
    await driver.place(request("part-1", type=OrderType.LIMIT, limit=BELOW))
    fake.fill("part-1", Decimal("0.004"))
    fake.fill("part-1", Decimal("0.002"))

    report = await driver.fetch_order("BTC-USD", "part-1")

    assert report is not None and report.order is not None
    assert report.order.status is VenueStatus.PARTIALLY_FILLED
    assert [f.cumulative for f in report.fills] == [Decimal("0.004"), Decimal("0.006")]


async def test_cancel_resting_order_returns_canceled_snapshot_under_our_client_id(
    driver: CcxtDriver,
) -> None:
    placed = await driver.place(request("cxl-1", type=OrderType.LIMIT, limit=BELOW))
    assert placed.order is not None

    report = await driver.cancel(
        VenueRef(client_id="cxl-1", venue_order_id=placed.order.venue_order_id, symbol="BTC-USD")
    )

    assert report is not None and report.order is not None
    assert (report.order.client_id, report.order.status) == ("cxl-1", VenueStatus.CANCELED)


async def test_cancel_without_venue_order_id_goes_by_client_id(driver: CcxtDriver) -> None:
    await driver.place(request("cxl-2", type=OrderType.LIMIT, limit=BELOW))

    report = await driver.cancel(VenueRef(client_id="cxl-2", venue_order_id="", symbol="BTC-USD"))

    assert report is not None and report.order is not None
    assert (report.order.client_id, report.order.status) == ("cxl-2", VenueStatus.CANCELED)


async def test_cancel_filled_order_classifies_not_found(driver: CcxtDriver) -> None:
    placed = await driver.place(request("done-1"))
    assert placed.order is not None
    ref = VenueRef(client_id="done-1", venue_order_id=placed.order.venue_order_id, symbol="BTC-USD")

    with pytest.raises(Exception) as raised:
        await driver.cancel(ref)

    assert driver.classify(raised.value).kind is ErrorKind.NOT_FOUND


async def test_replace_is_not_native_and_classifies_fatal(driver: CcxtDriver) -> None:
    ref = VenueRef(client_id="x", venue_order_id="1", symbol="BTC-USD")

    with pytest.raises(Exception) as raised:
        await driver.replace(ref, request("x:1"))

    assert driver.classify(raised.value).kind is ErrorKind.FATAL


# -- reconciliation -------------------------------------------------------------------------


async def test_fetch_open_orders_lists_resting_orders_only(driver: CcxtDriver) -> None:
    await driver.place(request("open-1", type=OrderType.LIMIT, limit=BELOW))
    await driver.place(request("gone-1"))

    orders = await driver.fetch_open_orders()

    assert [(o.client_id, o.symbol, o.status) for o in orders] == [
        ("open-1", "BTC-USD", VenueStatus.NEW)
    ]


async def test_unmapped_symbol_maps_dash_to_slash_and_joins_reconciliation(
    fake: FakeBinance,
) -> None:
    driver = make_driver(fake, symbols=MappingProxyType({}))
    await driver.open()
    try:
        rule = PlaceRequest(
            client_id="rule-1",
            symbol="BTC-USDT",
            side=Side.BUY,
            type=OrderType.LIMIT,
            time_in_force=TimeInForce.GTC,
            quantity=Q,
            limit_price=BELOW,
        )
        await driver.place(rule)
        with pytest.raises(Exception) as raised:
            await driver.place(replace(rule, client_id="eth-1", symbol="ETH-USD"))
        orders = await driver.fetch_open_orders()
    finally:
        await driver.close()

    assert driver.classify(raised.value).kind is ErrorKind.FATAL
    assert [(o.client_id, o.symbol) for o in orders] == [("rule-1", "BTC-USDT")]


async def test_fetch_fills_since_returns_fills_after_that_time(
    driver: CcxtDriver, fake: FakeBinance
) -> None:
    await driver.place(request("f-1"))
    await asyncio.sleep(0.01)
    cutoff = time.time_ns()
    await asyncio.sleep(0.01)
    second = await driver.place(request("f-2"))

    fills = await driver.fetch_fills(cutoff)

    assert [f.trade_id for f in fills] == [second.fills[0].trade_id]
    assert (fills[0].symbol, fills[0].side, fills[0].quantity) == ("BTC-USD", Side.BUY, Q)


async def test_fetch_fills_pages_past_a_full_page_by_trade_id(
    driver: CcxtDriver, fake: FakeBinance, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ccxt_driver, "_PAGE", 2)
    since = time.time_ns() - 1_000_000_000
    for n in range(5):
        await driver.place(request(f"pg-{n}"))

    fills = await driver.fetch_fills(since)

    assert [f.trade_id for f in fills] == [str(t["id"]) for t in fake.book.trades]
    assert any("fromId=" in r.params for r in fake.requests)


async def test_fetch_fills_since_long_ago_returns_latest_fills(driver: CcxtDriver) -> None:
    placed = [await driver.place(request(f"old-{n}")) for n in range(2)]

    fills = await driver.fetch_fills(0)

    assert [f.trade_id for f in fills] == [r.fills[0].trade_id for r in placed]


async def test_fetch_balances_report_free_plus_locked(driver: CcxtDriver) -> None:
    await driver.place(
        request("bal-1", side=Side.SELL, type=OrderType.LIMIT, limit=Decimal("60000"))
    )

    balances = {b.asset: b for b in await driver.fetch_balances()}

    assert (balances["BTC"].total, balances["BTC"].available) == (Decimal("1"), Decimal("0.99"))
    assert balances["USDT"].total == Decimal("1000000")


async def test_fetch_positions_is_base_asset_balance(driver: CcxtDriver, fake: FakeBinance) -> None:
    fake.set_position(Decimal("0.25"))

    positions = await driver.fetch_positions()

    assert [(p.symbol, p.quantity) for p in positions] == [("BTC-USD", Decimal("0.25"))]


# -- secrets ---------------------------------------------------------------------------------------


async def test_failure_messages_never_contain_credentials(
    driver: CcxtDriver, fake: FakeBinance
) -> None:
    echo = {"code": -1013, "msg": f"bad request from {fake.api_key} signed {fake.api_secret}"}
    fake.fail("POST", "/api/v3/order", 400, echo)

    with pytest.raises(Exception) as raised:
        await driver.place(request("leak-1"))
    failure = driver.classify(raised.value)

    assert isinstance(failure, VenueFailure)
    for text in (failure.message, repr(failure), str(failure)):
        assert fake.api_key not in text and fake.api_secret not in text
