"""The ccxt error table: complete over ccxt's exception tree, and right for what Binance sends."""

from __future__ import annotations

import inspect
import socket
from decimal import Decimal
from typing import Any

import aiohttp
import pytest
from ccxt.base import errors as ce
from fakes.binance import FakeBinance

from fillgate.domain.enums import OrderType, Side, TimeInForce
from fillgate.domain.values import SystemClock
from fillgate.venues.ccxt import build_driver
from fillgate.venues.ccxt.driver import CcxtDriver
from fillgate.venues.ccxt.errors import KINDS, classify
from fillgate.venues.driver import Credentials, VenueSettings
from fillgate.venues.errors import ErrorKind, Secret, VenueFailure
from fillgate.venues.types import PlaceRequest, VenueRef

R, J, N = ErrorKind.RETRYABLE, ErrorKind.REJECTED, ErrorKind.NOT_FOUND
F, U = ErrorKind.FATAL, ErrorKind.UNKNOWN_OUTCOME


def make_fake() -> FakeBinance:
    return FakeBinance()


def make_driver(fake: FakeBinance) -> CcxtDriver:
    return build_driver(fake.settings(), fake.credentials(), clock=SystemClock())


def ccxt_exception_classes() -> list[type[BaseException]]:
    return [
        cls
        for _, cls in inspect.getmembers(ce, inspect.isclass)
        if issubclass(cls, BaseException) and cls.__module__ == ce.__name__
    ]


async def failure_of(driver: CcxtDriver, call: Any) -> VenueFailure:
    with pytest.raises(Exception) as raised:
        await call
    return driver.classify(raised.value)


def market_buy(client_id: str = "e-1") -> PlaceRequest:
    return PlaceRequest(
        client_id=client_id,
        symbol="BTC-USD",
        side=Side.BUY,
        type=OrderType.MARKET,
        time_in_force=TimeInForce.IOC,
        quantity=Decimal("0.01"),
    )


# -- the table ----------------------------------------------------------------------------


def test_table_maps_every_ccxt_exception_class_explicitly() -> None:
    missing = [cls.__name__ for cls in ccxt_exception_classes() if cls not in KINDS]

    assert missing == []


@pytest.mark.parametrize(
    ("cls", "kind"),
    [
        (ce.InsufficientFunds, J),
        (ce.InvalidOrder, J),
        (ce.BadRequest, J),
        (ce.OrderImmediatelyFillable, J),
        (ce.OrderNotFound, N),
        (ce.AuthenticationError, F),
        (ce.PermissionDenied, F),
        (ce.AccountSuspended, F),
        (ce.BadSymbol, F),
        (ce.NotSupported, F),
        (ce.ExchangeError, F),
        (ce.RateLimitExceeded, R),
        (ce.DDoSProtection, R),
        (ce.OnMaintenance, R),
        (ce.InvalidNonce, R),
        (ce.RequestTimeout, U),
        (ce.ExchangeNotAvailable, U),
        (ce.NetworkError, U),
        (ce.OperationFailed, U),
    ],
)
def test_classify_ccxt_class_gives_documented_kind(cls: type[Exception], kind: ErrorKind) -> None:
    assert classify(cls("binance boom")).kind is kind


def test_classify_subclass_not_in_table_follows_its_nearest_ancestor() -> None:
    class FutureCcxtError(ce.InsufficientFunds):
        pass

    assert classify(FutureCcxtError("x")).kind is J


@pytest.mark.parametrize(
    ("exc", "kind"),
    [
        (TimeoutError(), U),
        (aiohttp.ServerDisconnectedError(), U),
        (ConnectionRefusedError(), R),
        (socket.gaierror(), R),
        (RuntimeError("unexpected"), U),
    ],
)
def test_classify_foreign_exception_is_mapped(exc: BaseException, kind: ErrorKind) -> None:
    assert classify(exc).kind is kind


def test_classify_timeout_while_connecting_is_retryable_because_nothing_was_sent() -> None:
    try:
        try:
            raise aiohttp.ConnectionTimeoutError("connect")
        except aiohttp.ConnectionTimeoutError as cause:
            raise ce.RequestTimeout("binance POST http://x/api/v3/order") from cause
    except ce.RequestTimeout as exc:
        failure = classify(exc)

    assert failure.kind is R


def test_classify_message_redacts_secrets_and_signatures() -> None:
    exc = ce.RequestTimeout("binance GET http://x/api/v3/order?timestamp=1&signature=abcdef012345")

    failure = classify(exc, secrets=["supersecretvalue"])
    quoted = classify(
        ce.ExchangeError("binance echo supersecretvalue"), secrets=["supersecretvalue"]
    )

    assert "abcdef012345" not in failure.message
    assert "supersecretvalue" not in quoted.message


def test_classify_passes_venue_failure_through() -> None:
    failure = VenueFailure(J, "no")

    assert classify(failure) is failure


# -- what the fake Binance answers -------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "body", "kind", "code"),
    [
        (
            400,
            {"code": -2010, "msg": "Account has insufficient balance for requested action."},
            J,
            "-2010",
        ),
        (400, {"code": -1013, "msg": "Filter failure: NOTIONAL"}, J, "-1013"),
        (400, {"code": -1013, "msg": "Filter failure: LOT_SIZE"}, J, "-1013"),
        (
            400,
            {"code": -1021, "msg": "Timestamp for this request is outside of the recvWindow."},
            R,
            "-1021",
        ),
        (400, {"code": -9999, "msg": "some new error"}, F, "-9999"),
        (400, {"foo": "bar"}, U, ""),
        (
            503,
            {"code": -1001, "msg": "Internal error; unable to process your request."},
            U,
            "-1001",
        ),
        (503, "Service Unavailable.", U, ""),
        (500, {"foo": "bar"}, U, ""),
        (504, {"foo": "bar"}, U, ""),
        (418, {"code": -1003, "msg": "Way too much request weight used; IP banned."}, R, "-1003"),
    ],
)
async def test_place_answered_with_error_classifies_by_binance_meaning(
    driver: CcxtDriver,
    fake: FakeBinance,
    status: int,
    body: Any,
    kind: ErrorKind,
    code: str,
) -> None:
    fake.fail("POST", "/api/v3/order", status, body)

    failure = await failure_of(driver, driver.place(market_buy()))

    assert (failure.kind, failure.code) == (kind, code)
    assert fake.orders() == []


async def test_rate_limited_answer_is_retryable_after_its_retry_after(
    driver: CcxtDriver, fake: FakeBinance
) -> None:
    body = {"code": -1003, "msg": "Too much request weight used."}
    fake.fail("POST", "/api/v3/order", 429, body, headers={"Retry-After": "7"})

    failure = await failure_of(driver, driver.place(market_buy()))

    assert (failure.kind, failure.retry_after) == (R, 7.0)


async def test_invalid_key_on_fresh_instance_is_fatal(
    driver: CcxtDriver, fake: FakeBinance
) -> None:
    body = {"code": -2015, "msg": "Invalid API-key, IP, or permissions for action."}
    fake.fail("POST", "/api/v3/order", 401, body)

    failure = await failure_of(driver, driver.place(market_buy()))

    assert failure.kind is F


async def test_invalid_key_after_successful_auth_is_fatal_despite_ddos_class(
    driver: CcxtDriver, fake: FakeBinance
) -> None:
    await driver.fetch_balances()  # ccxt now turns -2015 into DDoSProtection
    body = {"code": -2015, "msg": "Invalid API-key, IP, or permissions for action."}
    fake.fail("POST", "/api/v3/order", 401, body)

    with pytest.raises(ce.DDoSProtection) as raised:
        await driver.place(market_buy())

    assert driver.classify(raised.value).kind is F


async def test_wrong_secret_is_fatal(fake: FakeBinance) -> None:
    wrong = Credentials(key=Secret(fake.api_key), secret=Secret("not-the-secret"))
    driver = build_driver(fake.settings(), wrong, clock=SystemClock())
    await driver.open()
    try:
        failure = await failure_of(driver, driver.fetch_balances())
    finally:
        await driver.close()

    assert failure.kind is F


async def test_cancel_of_unknown_order_is_not_found(driver: CcxtDriver) -> None:
    ghost = VenueRef(client_id="ghost", venue_order_id="999999", symbol="BTC-USD")

    failure = await failure_of(driver, driver.cancel(ghost))

    assert (failure.kind, failure.code) == (N, "-2011")


async def test_lost_order_response_is_unknown_outcome_and_order_exists(
    driver: CcxtDriver, fake: FakeBinance
) -> None:
    fake.lose_next_order_response()

    failure = await failure_of(driver, driver.place(market_buy("lost-1")))

    assert failure.kind is U
    assert [o.client_id for o in fake.orders()] == ["lost-1"]


async def test_connection_refused_is_retryable_because_nothing_was_sent() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = VenueSettings(account="acct", venue="ccxt", api_url=f"http://127.0.0.1:{port}")
    driver = build_driver(
        settings, Credentials(key=Secret("k" * 16), secret=Secret("s" * 16)), clock=SystemClock()
    )
    try:
        failure = await failure_of(driver, driver.open())
    finally:
        await driver.close()

    assert failure.kind is R
