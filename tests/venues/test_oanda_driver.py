"""The OANDA driver, running the real oandapyV20 SDK against the fake OANDA venue."""

from __future__ import annotations

import logging
import time
from decimal import Decimal

import oandapyV20.oandapyV20 as oanda_core
import pytest
from fakes.oanda import FakeOanda
from fakes.oanda_harness import ACCOUNT_PATH, limit, market, new_driver, sent_orders, settings_for

from fillgate.domain.enums import OrderType, Side, TimeInForce
from fillgate.domain.values import SystemClock
from fillgate.venues.driver import Credentials
from fillgate.venues.errors import ErrorKind, Secret, VenueFailure
from fillgate.venues.oanda import build_driver
from fillgate.venues.oanda.driver import OandaDriver
from fillgate.venues.types import PlaceRequest, VenueRef, VenueStatus


def make_fake() -> FakeOanda:
    return FakeOanda(heartbeat_s=0.2)


make_driver = new_driver


# -- open ----------------------------------------------------------------------------


async def test_open_mapped_symbol_gets_increments_from_instrument_precisions(
    fake: FakeOanda,
) -> None:
    driver = new_driver(fake)
    try:
        instruments = await driver.open()
    finally:
        await driver.close()
    eur = instruments["EUR-USD"]
    assert eur.venue_symbol == "EUR_USD"
    assert eur.price_increment == Decimal("0.00001")
    assert eur.quantity_increment == Decimal("1")
    assert eur.min_quantity == Decimal("1")
    assert set(instruments) == {"EUR-USD"}


async def test_open_without_symbol_map_uses_default_rule_for_every_instrument(
    fake: FakeOanda,
) -> None:
    driver = new_driver(fake, symbols={})
    try:
        instruments = await driver.open()
    finally:
        await driver.close()
    assert instruments["USD-JPY"].venue_symbol == "USD_JPY"
    assert instruments["USD-JPY"].price_increment == Decimal("0.001")


async def test_open_retried_after_failure_registers_one_environment(fake: FakeOanda) -> None:
    before = len(oanda_core.TRADING_ENVIRONMENTS)
    fake.fail("GET", ACCOUNT_PATH + "/instruments", 503)
    driver = new_driver(fake)
    try:
        with pytest.raises(Exception) as raised:
            await driver.open()
        assert driver.classify(raised.value).kind is ErrorKind.UNKNOWN_OUTCOME
        assert "EUR-USD" in await driver.open()
        assert len(oanda_core.TRADING_ENVIRONMENTS) == before + 1
    finally:
        await driver.close()
        await driver.close()  # a second close is harmless


async def test_stream_before_open_raises_fatal_without_connecting(fake: FakeOanda) -> None:
    driver = new_driver(fake)
    with pytest.raises(VenueFailure) as failure:
        await anext(driver.stream())
    await driver.close()
    assert failure.value.kind is ErrorKind.FATAL
    assert fake.stream_connections == 0


async def test_open_symbol_unknown_at_venue_raises_fatal(fake: FakeOanda) -> None:
    driver = new_driver(fake, symbols={"XAU-USD": "XAU_USD"})
    try:
        with pytest.raises(VenueFailure) as failure:
            await driver.open()
    finally:
        await driver.close()
    assert failure.value.kind is ErrorKind.FATAL


async def test_close_private_environment_is_unregistered(fake: FakeOanda) -> None:
    before = set(oanda_core.TRADING_ENVIRONMENTS)
    driver = new_driver(fake)
    await driver.open()
    assert len(oanda_core.TRADING_ENVIRONMENTS) == len(before) + 1
    await driver.close()
    assert set(oanda_core.TRADING_ENVIRONMENTS) == before


# -- place -----------------------------------------------------------------------------


async def test_place_market_order_is_filled_with_its_fill(driver: OandaDriver) -> None:
    report = await driver.place(market("mkt-1"))
    assert report.order is not None
    assert report.order.status is VenueStatus.FILLED
    assert report.order.filled_quantity == Decimal("1000")
    assert report.order.average_price == Decimal("1.08462")
    (fill,) = report.fills
    assert (fill.client_id, fill.venue_order_id) == ("mkt-1", report.order.venue_order_id)
    assert (fill.side, fill.quantity, fill.price, fill.fee) == (
        Side.BUY,
        Decimal("1000"),
        Decimal("1.08462"),
        Decimal(0),
    )
    assert fill.trade_id and fill.trade_id != report.order.venue_order_id
    assert abs(fill.ts_ns - time.time_ns()) < 5_000_000_000  # the venue's time, parsed


async def test_place_body_carries_client_id_and_exact_decimal_strings(
    driver: OandaDriver, fake: FakeOanda
) -> None:
    await driver.place(limit("lim-1", price="1.10000", quantity="1500"))
    (order,) = sent_orders(fake)
    assert order == {
        "instrument": "EUR_USD",
        "units": "-1500",
        "type": "LIMIT",
        "timeInForce": "GTC",
        "price": "1.10000",
        "positionFill": "DEFAULT",
        "clientExtensions": {"id": "lim-1"},
    }


async def test_place_reduce_only_sends_native_position_fill_reduce_only(
    driver: OandaDriver, fake: FakeOanda
) -> None:
    request = limit("lim-ro", price="1.10000")
    await driver.place(
        PlaceRequest(
            client_id=request.client_id,
            symbol=request.symbol,
            side=request.side,
            type=request.type,
            time_in_force=request.time_in_force,
            quantity=request.quantity,
            limit_price=request.limit_price,
            reduce_only=True,
        )
    )
    (order,) = sent_orders(fake)
    assert order["positionFill"] == "REDUCE_ONLY"


async def test_place_limit_not_marketable_rests_as_new(driver: OandaDriver) -> None:
    report = await driver.place(limit("lim-1"))
    assert report.order is not None
    assert report.order.status is VenueStatus.NEW
    assert report.order.limit_price == Decimal("1.10000")
    assert report.fills == ()


async def test_place_insufficient_margin_is_rejected_snapshot_with_reason(
    driver: OandaDriver, fake: FakeOanda
) -> None:
    fake.reject_next_order()
    report = await driver.place(market("mkt-1"))
    assert report.order is not None
    assert report.order.status is VenueStatus.REJECTED
    assert report.order.reason == "INSUFFICIENT_MARGIN"


async def test_place_invalid_units_raises_rejected_with_error_code(driver: OandaDriver) -> None:
    with pytest.raises(Exception) as raised:
        await driver.place(market("mkt-1", quantity="10.5"))
    failure = driver.classify(raised.value)
    assert (failure.kind, failure.code) == (ErrorKind.REJECTED, "UNITS_PRECISION_EXCEEDED")


async def test_place_stop_limit_is_rejected_before_sending(
    driver: OandaDriver, fake: FakeOanda
) -> None:
    request = PlaceRequest(
        client_id="sl-1",
        symbol="EUR-USD",
        side=Side.BUY,
        type=OrderType.STOP_LIMIT,
        time_in_force=TimeInForce.GTC,
        quantity=Decimal("1000"),
        limit_price=Decimal("1.1"),
        stop_price=Decimal("1.09"),
    )
    with pytest.raises(VenueFailure) as failure:
        await driver.place(request)
    assert failure.value.kind is ErrorKind.REJECTED
    assert sent_orders(fake) == []


async def test_place_lost_response_is_unknown_outcome_and_resolves_by_client_id(
    driver: OandaDriver, fake: FakeOanda
) -> None:
    fake.lose_next_order_response()
    with pytest.raises(Exception) as raised:
        await driver.place(market("mkt-1"))
    assert driver.classify(raised.value).kind is ErrorKind.UNKNOWN_OUTCOME
    report = await driver.fetch_order("EUR-USD", "mkt-1")
    assert report is not None and report.order is not None
    assert report.order.status is VenueStatus.FILLED
    assert [f.quantity for f in report.fills] == [Decimal("1000")]


async def test_place_answered_200_instead_of_201_is_unknown_outcome(
    driver: OandaDriver, fake: FakeOanda
) -> None:
    fake.fail("POST", ACCOUNT_PATH + "/orders", 200, {"orderCreateTransaction": {}})
    with pytest.raises(ValueError) as raised:
        await driver.place(market("mkt-1"))
    assert driver.classify(raised.value).kind is ErrorKind.UNKNOWN_OUTCOME


# -- fetch_order / cancel / replace -------------------------------------------------------


async def test_fetch_order_unknown_client_id_is_none(driver: OandaDriver) -> None:
    assert await driver.fetch_order("EUR-USD", "never-sent") is None


async def test_fetch_order_resting_limit_is_new(driver: OandaDriver) -> None:
    await driver.place(limit("lim-1"))
    report = await driver.fetch_order("EUR-USD", "lim-1")
    assert report is not None and report.order is not None
    assert (report.order.status, report.order.filled_quantity) == (VenueStatus.NEW, None)


async def test_fetch_order_refused_market_order_is_rejected_with_reason(
    driver: OandaDriver, fake: FakeOanda
) -> None:
    fake.reject_next_order()
    fake.lose_next_order_response()
    with pytest.raises(Exception):  # noqa: B017 - the lost answer; its kind is tested above
        await driver.place(market("mkt-1"))
    report = await driver.fetch_order("EUR-USD", "mkt-1")
    assert report is not None and report.order is not None
    assert (report.order.status, report.order.reason) == (
        VenueStatus.REJECTED,
        "INSUFFICIENT_MARGIN",
    )


async def test_fetch_order_whose_ending_transaction_is_gone_still_reports_state(
    driver: OandaDriver, fake: FakeOanda
) -> None:
    await driver.place(market("mkt-1"))
    gone = {"errorCode": "NO_SUCH_TRANSACTION", "errorMessage": "No such transaction"}
    fake.fail("GET", ACCOUNT_PATH + "/transactions/", 404, gone)
    report = await driver.fetch_order("EUR-USD", "mkt-1")
    assert report is not None and report.order is not None
    assert report.order.status is VenueStatus.FILLED


async def test_cancel_resting_order_returns_canceled_snapshot(
    driver: OandaDriver, fake: FakeOanda
) -> None:
    placed = await driver.place(limit("lim-1"))
    assert placed.order is not None
    ref = VenueRef(client_id="lim-1", venue_order_id=placed.order.venue_order_id, symbol="EUR-USD")
    report = await driver.cancel(ref)
    assert report is not None and report.order is not None
    assert (report.order.status, report.order.reason) == (VenueStatus.CANCELED, "CLIENT_REQUEST")
    assert [o.status for o in fake.orders()] == ["CANCELLED"]


async def test_cancel_unknown_order_is_not_found(driver: OandaDriver) -> None:
    ref = VenueRef(client_id="never-sent", venue_order_id="", symbol="EUR-USD")
    with pytest.raises(Exception) as raised:
        await driver.cancel(ref)
    failure = driver.classify(raised.value)
    assert (failure.kind, failure.code) == (ErrorKind.NOT_FOUND, "ORDER_DOESNT_EXIST")


async def test_replace_creates_order_with_new_client_id_and_cancels_old(
    driver: OandaDriver, fake: FakeOanda
) -> None:
    placed = await driver.place(limit("lim-1"))
    assert placed.order is not None
    ref = VenueRef(client_id="lim-1", venue_order_id=placed.order.venue_order_id, symbol="EUR-USD")
    report = await driver.replace(ref, limit("lim-1.1", price="1.10100", quantity="600"))
    assert report.order is not None
    assert (report.order.client_id, report.order.status) == ("lim-1.1", VenueStatus.NEW)
    assert report.order.replaces == placed.order.venue_order_id
    assert sent_orders(fake)[-1]["clientExtensions"] == {"id": "lim-1.1"}
    old, new = fake.orders()
    assert (old.client_id, old.status) == ("lim-1", "CANCELLED")
    assert (new.client_id, new.status, new.quantity) == ("lim-1.1", "PENDING", Decimal("600"))


async def test_fetch_open_orders_lists_resting_orders(driver: OandaDriver) -> None:
    await driver.place(limit("lim-1"))
    await driver.place(market("mkt-1"))
    orders = await driver.fetch_open_orders()
    assert [(o.client_id, o.status, o.side) for o in orders] == [
        ("lim-1", VenueStatus.NEW, Side.SELL)
    ]


# -- fills, positions, balances -------------------------------------------------------------


async def test_fetch_fills_returns_every_fill_since_time(
    driver: OandaDriver, fake: FakeOanda
) -> None:
    await driver.place(market("mkt-0"))
    since = time.time_ns()
    await driver.place(market("mkt-1"))
    await driver.place(limit("lim-1"))
    fake.fill("lim-1", Decimal("400"))
    fills = await driver.fetch_fills(since)
    got = {(f.client_id, f.quantity) for f in fills}
    assert {("mkt-1", Decimal("1000")), ("lim-1", Decimal("400"))} <= got
    assert any(query.startswith("id=") for _, path, query, _ in fake.requests if "sinceid" in path)


async def test_fetch_fills_before_any_known_id_searches_by_time(fake: FakeOanda) -> None:
    since = time.time_ns()
    fake.account.create({"order": {"type": "MARKET", "instrument": "EUR_USD", "units": "7"}})
    driver = new_driver(fake)
    await driver.open()
    try:
        fills = await driver.fetch_fills(since)
    finally:
        await driver.close()
    assert [(f.quantity, f.client_id) for f in fills] == [(Decimal("7"), "")]
    assert any(path.endswith("/transactions") for _, path, _, _ in fake.requests)


async def test_fetch_positions_nets_to_signed_quantity(
    driver: OandaDriver, fake: FakeOanda
) -> None:
    fake.set_position(Decimal("-2500"))
    (position,) = await driver.fetch_positions()
    assert (position.symbol, position.quantity) == ("EUR-USD", Decimal("-2500"))
    assert position.average_price == Decimal("1.08462")


async def test_fetch_balances_is_balance_and_margin_available(driver: OandaDriver) -> None:
    await driver.place(market("mkt-1"))
    (balance,) = await driver.fetch_balances()
    assert (balance.asset, balance.total) == ("USD", Decimal("100000"))
    # 1000 x 1.08462 x 0.0333 margin used, to the fake's 4 places
    assert balance.available == Decimal("99963.8822")


# -- secrets ------------------------------------------------------------------------


async def test_failure_message_never_contains_the_token(
    driver: OandaDriver, fake: FakeOanda
) -> None:
    echo = {"errorMessage": f"token {fake.token} refused", "errorCode": fake.token}
    fake.fail("GET", ACCOUNT_PATH + "/summary", 401, echo)
    with pytest.raises(Exception) as raised:
        await driver.fetch_balances()
    failure = driver.classify(raised.value)
    assert failure.kind is ErrorKind.FATAL
    assert fake.token not in failure.message + repr(failure) + failure.code


async def test_sdk_error_log_of_a_body_echoing_the_token_is_redacted(
    driver: OandaDriver, fake: FakeOanda, caplog: pytest.LogCaptureFixture
) -> None:
    fake.fail("GET", ACCOUNT_PATH + "/summary", 401, {"errorMessage": f"token {fake.token}"})
    with caplog.at_level(logging.INFO), pytest.raises(Exception):  # noqa: B017
        await driver.fetch_balances()
    lines = [r.getMessage() for r in caplog.records]
    assert any("failed" in line for line in lines)
    assert not [line for line in lines if fake.token in line]


async def test_wrong_token_is_fatal(fake: FakeOanda) -> None:
    driver = build_driver(
        settings_for(fake), Credentials(key=Secret("wrong-token")), clock=SystemClock()
    )
    try:
        with pytest.raises(Exception) as raised:
            await driver.open()
    finally:
        await driver.close()
    assert driver.classify(raised.value).kind is ErrorKind.FATAL
