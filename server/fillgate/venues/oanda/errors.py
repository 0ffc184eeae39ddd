"""Map every exception an OANDA call can raise to a VenueFailure: the one table.

oandapyV20 raises few exception types, so most of the mapping is by HTTP
status and then by OANDA's ``errorCode``::

    VenueFailure            raised by the driver itself (unsupported order) -> as is
    OandaResponseError      a 2xx answer the driver could not read          -> UNKNOWN_OUTCOME
    V20Error(code, msg)     HTTP >= 400; msg is the raw body (JSON)
        401, 403                                                        -> FATAL
        404  ORDER_DOESNT_EXIST, NO_SUCH_ORDER, NO_SUCH_TRANSACTION      -> NOT_FOUND
        400/404  INSTRUMENT_UNKNOWN, ACCOUNT_*, "accountID" in message   -> FATAL
        429                                                             -> RETRYABLE
        other 4xx (reject: UNITS_*, *_PRECISION_EXCEEDED, INSUFFICIENT_MARGIN,
                  CLIENT_ORDER_ID_ALREADY_EXISTS, ...)                   -> REJECTED
        >= 500                                                          -> UNKNOWN_OUTCOME
    ValueError              2xx other than the expected one (the SDK checks the
                            status AFTER the venue acted: an order may exist),
                            or a 2xx body that is not JSON                  -> UNKNOWN_OUTCOME
    KeyError                unknown trading environment (API.__init__)      -> FATAL
    requests.exceptions.*   see ``_REQUESTS`` below
    anything else                                                           -> UNKNOWN_OUTCOME

Connection refused: requests raises the same ``ConnectionError`` class for a
refused connect (nothing sent) and for a connection dropped after the request
went out (it may have taken effect). The two differ only in the wrapped
urllib3 reason, so a ``ConnectionError`` whose reason is urllib3's
``NewConnectionError`` (refused, DNS failure) is RETRYABLE and every other
``ConnectionError`` is UNKNOWN_OUTCOME.

The SDK keeps no response headers on ``V20Error``, so a 429 carries no
Retry-After; the runtime's backoff decides the wait. OANDA documents none.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from typing import Any

import requests.exceptions as rex
from oandapyV20.exceptions import StreamTerminated, V20Error
from urllib3.exceptions import MaxRetryError, NewConnectionError

from fillgate.venues.errors import ErrorKind, VenueFailure, redact

__all__ = ["OandaResponseError", "RedactingFilter", "classify"]

RETRYABLE = ErrorKind.RETRYABLE
REJECTED = ErrorKind.REJECTED
NOT_FOUND = ErrorKind.NOT_FOUND
FATAL = ErrorKind.FATAL
UNKNOWN = ErrorKind.UNKNOWN_OUTCOME


class OandaResponseError(Exception):
    """A 2xx answer whose body the driver could not understand.

    The request reached the venue and may have taken effect, so this is an
    unknown outcome, never a retry.
    """


#: requests' own exceptions, most specific first (the lookup walks the MRO).
_REQUESTS: dict[type[BaseException], ErrorKind] = {
    # Connecting timed out: the request was never sent.
    rex.ConnectTimeout: RETRYABLE,
    # Sent, no answer in time: the venue may have acted.
    rex.ReadTimeout: UNKNOWN,
    rex.Timeout: UNKNOWN,
    # Refused connects are picked out by their reason in classify(); the rest
    # (reset, aborted, read timeout while streaming) may be after sending.
    rex.ProxyError: UNKNOWN,
    rex.SSLError: UNKNOWN,  # can also break a response mid-read
    rex.ConnectionError: UNKNOWN,
    rex.ChunkedEncodingError: UNKNOWN,  # the answer broke off
    rex.ContentDecodingError: UNKNOWN,  # an answer came: the request happened
    rex.JSONDecodeError: UNKNOWN,  # ditto; subclass of InvalidJSONError
    rex.RetryError: UNKNOWN,
    rex.HTTPError: UNKNOWN,
    # Configuration or programming errors, raised before anything is sent.
    rex.InvalidJSONError: FATAL,
    rex.URLRequired: FATAL,
    rex.MissingSchema: FATAL,
    rex.InvalidSchema: FATAL,
    rex.InvalidURL: FATAL,
    rex.InvalidProxyURL: FATAL,
    rex.InvalidHeader: FATAL,
    rex.TooManyRedirects: FATAL,
    rex.StreamConsumedError: FATAL,
    rex.UnrewindableBodyError: FATAL,
    rex.RequestException: UNKNOWN,
}

#: Exception classes outside requests, by class.
_OTHERS: dict[type[BaseException], ErrorKind] = {
    OandaResponseError: UNKNOWN,
    StreamTerminated: RETRYABLE,  # only ever our own stream shutdown
    KeyError: FATAL,
    ValueError: UNKNOWN,
}

#: 404 error codes that mean "no such order / transaction".
_NOT_FOUND_CODES = frozenset({"ORDER_DOESNT_EXIST", "NO_SUCH_ORDER", "NO_SUCH_TRANSACTION"})
#: 4xx error codes that no retry or adjustment can fix.
_FATAL_CODES = frozenset({"INSTRUMENT_UNKNOWN", "INVALID_ACCOUNT_ID", "NO_SUCH_ACCOUNT"})
_MAX_TEXT = 300


def classify(exc: BaseException, secrets: Iterable[str] = ()) -> VenueFailure:
    """Return the VenueFailure for ``exc``; its message never contains a secret."""
    secrets = tuple(secrets)
    if isinstance(exc, VenueFailure):
        return exc
    if isinstance(exc, V20Error):
        return _classify_http(exc, secrets)
    if isinstance(exc, rex.ConnectionError) and _refused(exc):
        return _failure(RETRYABLE, exc, secrets, detail="connection refused (nothing sent)")
    for cls in type(exc).__mro__:
        kind = _REQUESTS.get(cls) or _OTHERS.get(cls)
        if kind is not None:
            return _failure(kind, exc, secrets)
    return _failure(UNKNOWN, exc, secrets)


def _refused(exc: rex.ConnectionError) -> bool:
    reason = exc.args[0] if exc.args else None
    if isinstance(reason, MaxRetryError):
        reason = reason.reason
    return isinstance(reason, NewConnectionError)


def _classify_http(exc: V20Error, secrets: tuple[str, ...]) -> VenueFailure:
    status = exc.code if isinstance(exc.code, int) else 0
    body = _body(exc.msg)
    code = redact(str(body.get("errorCode") or _reject_reason(body) or ""), secrets)
    message = str(body.get("errorMessage") or "")
    text = f"HTTP {status} {code}: {message}" if body else f"HTTP {status}: {exc.msg}"
    # Redact before truncating: a cut could leave half a secret unrecognised.
    text = redact(text, secrets)[:_MAX_TEXT]
    kind = _http_kind(status, code, message)
    return VenueFailure(kind, f"oanda: {text}", code=code or str(status))


def _http_kind(status: int, code: str, message: str) -> ErrorKind:
    if status in (401, 403):
        return FATAL
    if status == 429:
        return RETRYABLE
    if status >= 500:
        return UNKNOWN
    if code in _FATAL_CODES or code.startswith("ACCOUNT_") or "accountID" in message:
        return FATAL
    if status == 404 or code in _NOT_FOUND_CODES:
        return NOT_FOUND
    return REJECTED


def _body(text: Any) -> dict[str, Any]:
    try:
        body = json.loads(text) if isinstance(text, str | bytes) else None
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _reject_reason(body: dict[str, Any]) -> str:
    for key in ("orderRejectTransaction", "orderCancelRejectTransaction"):
        txn = body.get(key)
        if isinstance(txn, dict) and txn.get("rejectReason"):
            return str(txn["rejectReason"])
    return ""


def _failure(
    kind: ErrorKind, exc: BaseException, secrets: tuple[str, ...], *, detail: str = ""
) -> VenueFailure:
    text = f"{type(exc).__name__}: {detail or exc}"
    return VenueFailure(kind, "oanda: " + redact(text, secrets)[:_MAX_TEXT], code="")


class RedactingFilter(logging.Filter):
    """Scrub secrets from the records of a logger we do not own (the SDK's).

    oandapyV20 logs every failed request's raw response body at ERROR; a body
    that echoed the token would otherwise reach the logs.
    """

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self._secrets = tuple(secrets)

    def filter(self, record: logging.LogRecord) -> bool:
        text = record.getMessage()
        clean = redact(text, self._secrets)
        if clean != text:
            record.msg, record.args = clean, None
        return True
