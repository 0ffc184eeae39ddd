"""The Alpaca classify table: every SDK and requests exception lands in a deliberate kind.

HTTP errors are produced by the real alpaca-py ``TradingClient`` against the
fake venue, so they are exactly what the SDK raises.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import time
import warnings
from collections.abc import Callable
from typing import Any

import alpaca.common.exceptions as alpaca_exceptions
import pydantic
import pytest
import requests
import requests.exceptions as rex
from fakes.alpaca import FakeAlpaca

from fillgate.venues.alpaca.errors import classify
from fillgate.venues.alpaca.translate import MalformedAnswer
from fillgate.venues.errors import ErrorKind, VenueFailure

with warnings.catch_warnings():  # alpaca.trading imports the deprecated websockets.legacy
    warnings.filterwarnings("ignore", "websockets.legacy is deprecated", DeprecationWarning)
    from alpaca.trading.client import TradingClient
    from alpaca.trading.enums import OrderSide, TimeInForce
    from alpaca.trading.requests import MarketOrderRequest

pytestmark = pytest.mark.filterwarnings("ignore:websockets.legacy is deprecated:DeprecationWarning")

RETRYABLE = ErrorKind.RETRYABLE
REJECTED = ErrorKind.REJECTED
NOT_FOUND = ErrorKind.NOT_FOUND
FATAL = ErrorKind.FATAL
UNKNOWN = ErrorKind.UNKNOWN_OUTCOME


def make_fake() -> FakeAlpaca:
    return FakeAlpaca()


def raised_by(call: Callable[[], Any]) -> BaseException:
    with pytest.raises(BaseException) as caught:
        call()
    return caught.value


async def api_error(
    fake: FakeAlpaca, status: int, body: Any, headers: dict[str, str] | None = None
) -> BaseException:
    """The exception the real client raises for GET /v2/account answered as given."""
    client = TradingClient(fake.key, fake.secret, raw_data=True, url_override=fake.api_url)
    client._retry = 0
    fake.fail("GET", "/v2/account", status, body, headers=headers)
    return await _off_loop(lambda: raised_by(client.get_account))


async def _off_loop(fn: Callable[[], BaseException]) -> BaseException:
    return await asyncio.get_running_loop().run_in_executor(None, fn)


# -- HTTP status and Alpaca code -----------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "code", "message", "kind"),
    [
        (403, 40310000, "insufficient buying power", REJECTED),
        (403, 40310000, "cost basis must be >= minimal amount of order 1", REJECTED),
        (403, 40310001, "forbidden", FATAL),
        (401, 40110000, "request is not authorized", FATAL),
        (404, 40410000, "order not found", NOT_FOUND),
        (422, 42210000, "order is not cancelable", REJECTED),
        (422, 40010001, "client_order_id must be unique", REJECTED),
        (400, 40010000, "bad request", REJECTED),
        (429, 42910000, "rate limit exceeded", RETRYABLE),
        (500, 50010000, "internal server error", UNKNOWN),
        (503, 50010000, "service unavailable", UNKNOWN),
        (504, 50010000, "gateway timeout", UNKNOWN),
    ],
)
async def test_api_error_by_status_and_code_gets_table_kind(fake, status, code, message, kind):
    exc = await api_error(fake, status, {"code": code, "message": message})

    failure = classify(exc)

    assert isinstance(exc, alpaca_exceptions.APIError)
    assert (failure.kind, failure.code) == (kind, str(code))
    assert message in failure.message


async def test_api_error_with_html_body_is_unknown_outcome_not_a_crash(fake):
    exc = await api_error(fake, 502, "<html>Bad Gateway</html>")

    failure = classify(exc)

    assert (failure.kind, failure.code) == (UNKNOWN, "502")
    assert "Bad Gateway" in failure.message


async def test_rate_limit_takes_retry_after_header(fake):
    exc = await api_error(fake, 429, {"code": 42910000, "message": "slow"}, {"Retry-After": "3"})

    assert classify(exc).retry_after == 3.0


async def test_rate_limit_takes_ratelimit_reset_epoch_when_no_retry_after(fake):
    reset = str(int(time.time()) + 5)
    exc = await api_error(
        fake, 429, {"code": 42910000, "message": "slow"}, {"X-Ratelimit-Reset": reset}
    )

    retry_after = classify(exc).retry_after
    assert retry_after is not None and 3.5 < retry_after <= 5.0


async def test_connection_refused_is_retryable():
    exc = await _off_loop(lambda: raised_by(lambda: requests.get("http://127.0.0.1:9", timeout=2)))

    assert isinstance(exc, rex.ConnectionError)
    assert classify(exc).kind is RETRYABLE


# -- every exception class -----------------------------------------------------------------

#: What each requests exception must map to. A class requests adds later fails the walk below.
REQUESTS_KINDS: dict[type[BaseException], ErrorKind] = {
    rex.RequestException: UNKNOWN,
    rex.ConnectionError: UNKNOWN,
    rex.ConnectTimeout: RETRYABLE,
    rex.ProxyError: UNKNOWN,
    rex.SSLError: FATAL,
    rex.Timeout: UNKNOWN,
    rex.ReadTimeout: UNKNOWN,
    rex.HTTPError: UNKNOWN,  # no response attached: status unknown
    rex.ChunkedEncodingError: UNKNOWN,
    rex.ContentDecodingError: UNKNOWN,
    rex.RetryError: UNKNOWN,
    rex.JSONDecodeError: UNKNOWN,
    rex.InvalidJSONError: REJECTED,
    rex.URLRequired: FATAL,
    rex.MissingSchema: FATAL,
    rex.InvalidSchema: FATAL,
    rex.InvalidURL: FATAL,
    rex.InvalidProxyURL: FATAL,
    rex.InvalidHeader: FATAL,
    rex.TooManyRedirects: FATAL,
    rex.StreamConsumedError: FATAL,
    rex.UnrewindableBodyError: FATAL,
}
ALPACA_KINDS: dict[type[BaseException], ErrorKind] = {
    alpaca_exceptions.APIError: UNKNOWN,  # no response attached: status unknown
    alpaca_exceptions.RetryException: UNKNOWN,
}


def exception_classes(module: Any) -> set[type[BaseException]]:
    return {
        cls
        for _, cls in inspect.getmembers(module, inspect.isclass)
        if issubclass(cls, BaseException)
        and not issubclass(cls, Warning)
        and cls.__module__ == module.__name__
    }


def instance(cls: type[BaseException]) -> BaseException:
    if cls is rex.JSONDecodeError:
        return cls("Expecting value", "<html>", 0)
    return cls("boom")


def test_every_requests_exception_class_has_a_deliberate_kind():
    assert exception_classes(rex) == set(REQUESTS_KINDS)
    for cls, kind in REQUESTS_KINDS.items():
        assert classify(instance(cls)).kind is kind, cls.__name__


def test_every_alpaca_exception_class_has_a_deliberate_kind():
    assert exception_classes(alpaca_exceptions) == set(ALPACA_KINDS)
    for cls, kind in ALPACA_KINDS.items():
        assert classify(instance(cls)).kind is kind, cls.__name__


def test_pydantic_validation_before_sending_is_rejected():
    exc = raised_by(
        lambda: MarketOrderRequest(
            symbol="AAPL", qty=1, notional=10, side=OrderSide.BUY, time_in_force=TimeInForce.DAY
        )
    )

    assert isinstance(exc, pydantic.ValidationError)
    assert classify(exc).kind is REJECTED


def test_invalid_order_id_value_error_is_rejected():
    client = TradingClient("k", "s", raw_data=True, url_override="http://127.0.0.1:9")

    exc = raised_by(lambda: client.cancel_order_by_id("not-a-uuid"))

    assert isinstance(exc, ValueError)
    assert classify(exc).kind is REJECTED


def test_malformed_answer_is_unknown_outcome():
    assert classify(MalformedAnswer("order without 'id'")).kind is UNKNOWN


def test_unexpected_exception_is_unknown_outcome():
    assert classify(RuntimeError("surprise")).kind is UNKNOWN


def test_venue_failure_passes_through_unchanged():
    original = VenueFailure(REJECTED, "precision", code="precision")

    assert classify(original) is original


def test_message_is_redacted_and_clipped():
    secret = "s3cr3t-value-1234"
    body = json.dumps({"code": 1, "message": f"key {secret} " + "x" * 1000})

    failure = classify(alpaca_exceptions.APIError(body), [secret])

    assert secret not in failure.message
    assert len(failure.message) <= 300
