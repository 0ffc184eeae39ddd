"""Every exception oandapyV20 (and requests under it) can raise, classified as documented."""

from __future__ import annotations

import inspect
import json
import socket

import pytest
import requests
import requests.exceptions as rex
from oandapyV20 import API
from oandapyV20.exceptions import StreamTerminated, V20Error
from urllib3.exceptions import MaxRetryError, NewConnectionError, ProtocolError

from fillgate.venues.errors import ErrorKind, VenueFailure
from fillgate.venues.oanda.errors import OandaResponseError, classify

RETRYABLE = ErrorKind.RETRYABLE
REJECTED = ErrorKind.REJECTED
NOT_FOUND = ErrorKind.NOT_FOUND
FATAL = ErrorKind.FATAL
UNKNOWN = ErrorKind.UNKNOWN_OUTCOME
TOKEN = "0123456789abcdef-secret-token"


def v20(status: int, error_code: str = "", message: str = "", **extra: object) -> V20Error:
    body: dict[str, object] = dict(extra)
    if error_code:
        body["errorCode"] = error_code
    if message:
        body["errorMessage"] = message
    return V20Error(status, json.dumps(body))


def reject(status: int, reason: str) -> V20Error:
    txn = {"id": "8", "type": "MARKET_ORDER_REJECT", "rejectReason": reason}
    return v20(status, reason, reason.lower(), orderRejectTransaction=txn)


@pytest.mark.parametrize(
    ("exc", "kind", "code"),
    [
        (v20(401, message="Insufficient authorization to perform request."), FATAL, "401"),
        (v20(403, message="Forbidden"), FATAL, "403"),
        (
            v20(404, "ORDER_DOESNT_EXIST", "The Order does not exist"),
            NOT_FOUND,
            "ORDER_DOESNT_EXIST",
        ),
        (v20(404, "NO_SUCH_ORDER"), NOT_FOUND, "NO_SUCH_ORDER"),
        (v20(404, "NO_SUCH_TRANSACTION"), NOT_FOUND, "NO_SUCH_TRANSACTION"),
        (reject(400, "UNITS_INVALID"), REJECTED, "UNITS_INVALID"),
        (reject(400, "UNITS_PRECISION_EXCEEDED"), REJECTED, "UNITS_PRECISION_EXCEEDED"),
        (reject(400, "PRICE_PRECISION_EXCEEDED"), REJECTED, "PRICE_PRECISION_EXCEEDED"),
        (reject(400, "INSUFFICIENT_MARGIN"), REJECTED, "INSUFFICIENT_MARGIN"),
        (reject(400, "MARKET_HALTED"), REJECTED, "MARKET_HALTED"),
        (
            reject(400, "CLIENT_ORDER_ID_ALREADY_EXISTS"),
            REJECTED,
            "CLIENT_ORDER_ID_ALREADY_EXISTS",
        ),
        (reject(400, "INSTRUMENT_UNKNOWN"), FATAL, "INSTRUMENT_UNKNOWN"),
        (reject(400, "ACCOUNT_LOCKED"), FATAL, "ACCOUNT_LOCKED"),
        (v20(400, message="Invalid value specified for 'accountID'"), FATAL, "400"),
        (v20(429, message="Requests are being sent too frequently"), RETRYABLE, "429"),
        (v20(500, message="Internal Server Error"), UNKNOWN, "500"),
        (v20(502), UNKNOWN, "502"),
        (v20(503, message="Service Unavailable"), UNKNOWN, "503"),
        (v20(504), UNKNOWN, "504"),
        (V20Error(502, "<html>Bad Gateway</html>"), UNKNOWN, "502"),
    ],
)
def test_classify_v20_error_by_status_then_error_code(
    exc: V20Error, kind: ErrorKind, code: str
) -> None:
    failure = classify(exc)
    assert (failure.kind, failure.code) == (kind, code)


def test_classify_reject_without_error_code_uses_reject_reason() -> None:
    txn = {"type": "LIMIT_ORDER_REJECT", "rejectReason": "PRICE_PRECISION_EXCEEDED"}
    failure = classify(V20Error(400, json.dumps({"orderRejectTransaction": txn})))
    assert (failure.kind, failure.code) == (REJECTED, "PRICE_PRECISION_EXCEEDED")


def test_classify_v20_error_echoing_token_redacts_it_everywhere() -> None:
    exc = v20(401, TOKEN, f"bad Authorization: Bearer {TOKEN}")
    failure = classify(exc, [TOKEN])
    assert failure.kind is FATAL
    assert TOKEN not in failure.message + failure.code + repr(failure)


def test_classify_non_json_body_with_token_redacts_it() -> None:
    failure = classify(V20Error(500, f"oops {TOKEN} " + "x" * 1000), [TOKEN])
    assert TOKEN not in failure.message
    assert len(failure.message) < 400


#: The kind every exception class of ``requests.exceptions`` must map to.
REQUESTS_KINDS: dict[type[BaseException], ErrorKind] = {
    rex.RequestException: UNKNOWN,
    rex.InvalidJSONError: FATAL,
    rex.JSONDecodeError: UNKNOWN,
    rex.HTTPError: UNKNOWN,
    rex.ConnectionError: UNKNOWN,
    rex.ProxyError: UNKNOWN,
    rex.SSLError: UNKNOWN,
    rex.Timeout: UNKNOWN,
    rex.ConnectTimeout: RETRYABLE,
    rex.ReadTimeout: UNKNOWN,
    rex.URLRequired: FATAL,
    rex.TooManyRedirects: FATAL,
    rex.MissingSchema: FATAL,
    rex.InvalidSchema: FATAL,
    rex.InvalidURL: FATAL,
    rex.InvalidHeader: FATAL,
    rex.InvalidProxyURL: FATAL,
    rex.ChunkedEncodingError: UNKNOWN,
    rex.ContentDecodingError: UNKNOWN,
    rex.StreamConsumedError: FATAL,
    rex.RetryError: UNKNOWN,
    rex.UnrewindableBodyError: FATAL,
}


def requests_exception_classes() -> list[type[BaseException]]:
    """Every exception requests defines (its warnings are never raised, so they are left out)."""
    return [
        cls
        for _, cls in inspect.getmembers(rex, inspect.isclass)
        if cls.__module__ == rex.__name__
        and issubclass(cls, BaseException)
        and not issubclass(cls, Warning)
    ]


def test_every_requests_exception_class_has_an_expected_kind() -> None:
    assert set(requests_exception_classes()) == set(REQUESTS_KINDS)


@pytest.mark.parametrize("cls", requests_exception_classes(), ids=lambda c: c.__name__)
def test_classify_requests_exception_maps_to_its_kind(cls: type[BaseException]) -> None:
    exc = cls("doc", "{", 0) if issubclass(cls, json.JSONDecodeError) else cls("boom")
    assert classify(exc).kind is REQUESTS_KINDS[cls]


def test_classify_connection_refused_is_retryable() -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(rex.ConnectionError) as raised:
        requests.get(f"http://127.0.0.1:{port}/v3/accounts", timeout=2)
    assert classify(raised.value).kind is RETRYABLE


def test_classify_connection_refused_wrapped_like_requests_does_is_retryable() -> None:
    reason = NewConnectionError(None, "Connection refused")
    exc = rex.ConnectionError(MaxRetryError(None, "/v3", reason))  # type: ignore[arg-type]
    assert classify(exc).kind is RETRYABLE


def test_classify_connection_aborted_after_sending_is_unknown_outcome() -> None:
    exc = rex.ConnectionError(ProtocolError("Connection aborted.", ConnectionResetError()))
    assert classify(exc).kind is UNKNOWN


def test_classify_unknown_environment_key_error_from_sdk_is_fatal() -> None:
    with pytest.raises(KeyError) as raised:
        API(access_token=TOKEN, environment="no-such-environment")
    failure = classify(raised.value, [TOKEN])
    assert failure.kind is FATAL
    assert TOKEN not in failure.message


@pytest.mark.parametrize(
    ("exc", "kind"),
    [
        (ValueError("v3/accounts/1/orders POST 200"), UNKNOWN),
        (json.JSONDecodeError("Expecting value", "<html>", 0), UNKNOWN),
        (OandaResponseError("no orderCreateTransaction"), UNKNOWN),
        (StreamTerminated("stopped"), RETRYABLE),
        (RuntimeError("unexpected"), UNKNOWN),
        (OSError("socket"), UNKNOWN),
    ],
    ids=lambda value: type(value).__name__ if isinstance(value, BaseException) else "",
)
def test_classify_other_exceptions(exc: BaseException, kind: ErrorKind) -> None:
    assert classify(exc).kind is kind


def test_classify_venue_failure_passes_through_unchanged() -> None:
    failure = VenueFailure(REJECTED, "oanda: no stop-limit", code="UNSUPPORTED_ORDER")
    assert classify(failure) is failure


def test_classify_message_of_any_exception_is_redacted() -> None:
    failure = classify(RuntimeError(f"Authorization: Bearer {TOKEN}"), [TOKEN])
    assert TOKEN not in failure.message
