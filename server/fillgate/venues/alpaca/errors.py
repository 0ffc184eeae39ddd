"""Map everything alpaca-py (and requests under it) raises to a VenueFailure: the one table.

Exception tree, and the kind each class gets (first class in the MRO wins)::

    VenueFailure                       raised by this driver: passed through
    MalformedAnswer                    venue answered, unreadable   UNKNOWN_OUTCOME
    alpaca APIError                    HTTP >= 400: by status, then Alpaca code (below)
    alpaca RetryException              internal 429/504 signal      UNKNOWN_OUTCOME
    requests.RequestException          anything else from requests  UNKNOWN_OUTCOME
     ├── ConnectionError               sent, then dropped           UNKNOWN_OUTCOME
     │    │                            (NewConnectionError inside: never connected: RETRYABLE)
     │    ├── ConnectTimeout           never connected              RETRYABLE
     │    ├── ProxyError               (as ConnectionError)
     │    └── SSLError                 certificates / TLS setup     FATAL
     ├── Timeout, ReadTimeout          sent, no answer in time      UNKNOWN_OUTCOME
     ├── HTTPError                     by status, as APIError
     ├── ChunkedEncodingError, ContentDecodingError, RetryError     UNKNOWN_OUTCOME
     ├── JSONDecodeError               2xx body unreadable          UNKNOWN_OUTCOME
     ├── InvalidJSONError              our body not JSON, unsent    REJECTED
     └── URLRequired, MissingSchema, InvalidSchema, InvalidURL, InvalidHeader,
         TooManyRedirects, StreamConsumedError, UnrewindableBodyError       FATAL
    pydantic ValidationError, ValueError   refused before sending   REJECTED
    ConnectionRefusedError             never connected              RETRYABLE
    OSError                            socket-level                 UNKNOWN_OUTCOME
    anything else                      we cannot tell               UNKNOWN_OUTCOME

APIError by HTTP status, refined by Alpaca's 8-digit ``code``:

    401                      FATAL       bad keys
    403 40310000             REJECTED    insufficient buying power / minimal amount
    403 other                FATAL       forbidden for this account
    404                      NOT_FOUND   order / position unknown
    422 (40010001 validation or duplicate client_order_id,
         42210000 not cancelable / replaceable)                 REJECTED
    other 4xx                REJECTED
    429                      RETRYABLE   retry_after from Retry-After / X-Ratelimit-Reset
    >= 500                   UNKNOWN_OUTCOME (504 is the gateway giving up, not the venue)

``APIError.code`` and ``.message`` parse the body lazily and raise on a
non-JSON body (an HTML 502): they are read defensively here.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

import pydantic
import requests
import urllib3.exceptions
from alpaca.common.exceptions import APIError, RetryException

from fillgate.domain.values import Clock, SystemClock
from fillgate.venues.alpaca.translate import MalformedAnswer
from fillgate.venues.errors import ErrorKind, VenueFailure, redact

RETRYABLE = ErrorKind.RETRYABLE
REJECTED = ErrorKind.REJECTED
NOT_FOUND = ErrorKind.NOT_FOUND
FATAL = ErrorKind.FATAL
UNKNOWN = ErrorKind.UNKNOWN_OUTCOME

#: Alpaca's code for "insufficient buying power" (and "cost basis must be >= 1").
BUYING_POWER = 40310000
#: The longest Retry-After honoured; a reset further out is treated as this.
MAX_RETRY_AFTER_S = 60.0
_MAX_TEXT = 300

_rex = requests.exceptions

#: Exception class -> kind. APIError and HTTPError are resolved by status instead.
BY_CLASS: Mapping[type[BaseException], ErrorKind] = {
    MalformedAnswer: UNKNOWN,
    RetryException: UNKNOWN,
    _rex.ConnectTimeout: RETRYABLE,
    _rex.SSLError: FATAL,
    _rex.ConnectionError: UNKNOWN,
    _rex.ReadTimeout: UNKNOWN,
    _rex.Timeout: UNKNOWN,
    _rex.ChunkedEncodingError: UNKNOWN,
    _rex.ContentDecodingError: UNKNOWN,
    _rex.RetryError: UNKNOWN,
    _rex.JSONDecodeError: UNKNOWN,
    _rex.InvalidJSONError: REJECTED,
    _rex.URLRequired: FATAL,
    _rex.MissingSchema: FATAL,
    _rex.InvalidSchema: FATAL,
    _rex.InvalidURL: FATAL,
    _rex.InvalidHeader: FATAL,
    _rex.TooManyRedirects: FATAL,
    _rex.StreamConsumedError: FATAL,
    _rex.UnrewindableBodyError: FATAL,
    _rex.RequestException: UNKNOWN,
    pydantic.ValidationError: REJECTED,
    ConnectionRefusedError: RETRYABLE,
    OSError: UNKNOWN,
    ValueError: REJECTED,
}

#: (status, Alpaca code) -> kind; checked before the status alone.
BY_STATUS_CODE: Mapping[tuple[int, int], ErrorKind] = {
    (403, BUYING_POWER): REJECTED,
}
BY_STATUS: Mapping[int, ErrorKind] = {
    401: FATAL,
    403: FATAL,
    404: NOT_FOUND,
    422: REJECTED,
    429: RETRYABLE,
}


def classify(
    exc: BaseException, secrets: Iterable[str] = (), clock: Clock | None = None
) -> VenueFailure:
    """Return the VenueFailure for ``exc``, its message scrubbed of ``secrets``.

    ``clock`` (default: the system's) dates an ``X-Ratelimit-Reset`` epoch.
    """
    if isinstance(exc, VenueFailure):
        return exc
    secrets = tuple(secrets)
    if isinstance(exc, APIError | _rex.HTTPError):
        return _http_failure(exc, secrets, clock or SystemClock())
    kind = next((BY_CLASS[c] for c in type(exc).__mro__ if c in BY_CLASS), UNKNOWN)
    if isinstance(exc, _rex.ConnectionError) and _never_connected(exc):
        kind = RETRYABLE
    text = f"{type(exc).__name__}: {exc}"
    return VenueFailure(kind, _clip(redact(text, secrets)), code=type(exc).__name__)


def _http_failure(
    exc: APIError | requests.HTTPError, secrets: tuple[str, ...], clock: Clock
) -> VenueFailure:
    response = exc.response
    status = int(getattr(response, "status_code", 0) or 0)
    body = _body(exc, response)
    code = body.get("code") if isinstance(body, dict) else None
    code = code if isinstance(code, int) else None
    kind = BY_STATUS_CODE.get((status, code or 0)) or BY_STATUS.get(status)
    if kind is None:
        kind = UNKNOWN if status >= 500 or status == 0 else REJECTED
    message = body.get("message") if isinstance(body, dict) else None
    detail = message if isinstance(message, str) else _text(exc, response)
    retry_after = _retry_after(response, clock) if kind is RETRYABLE else None
    return VenueFailure(
        kind,
        _clip(redact(f"HTTP {status}: {detail}", secrets)),
        code=str(code) if code is not None else str(status),
        retry_after=retry_after,
    )


def _body(exc: BaseException, response: Any) -> object:
    """The error body as JSON, or None when it is not JSON (an HTML 502)."""
    raw = str(exc) if isinstance(exc, APIError) else getattr(response, "text", "")
    try:
        return json.loads(raw)
    except (ValueError, TypeError):
        return None


def _text(exc: BaseException, response: Any) -> str:
    text = getattr(response, "text", None)
    return str(text) if text else str(exc)


def _retry_after(response: Any, clock: Clock) -> float | None:
    headers = getattr(response, "headers", None) or {}
    for name, relative in (("Retry-After", True), ("X-Ratelimit-Reset", False)):
        value = headers.get(name)
        if value is None:
            continue
        try:
            seconds = float(value) if relative else float(value) - clock.now_ns() / 1e9
        except ValueError:
            continue
        return min(max(seconds, 0.0), MAX_RETRY_AFTER_S)
    return None


def _never_connected(exc: requests.ConnectionError) -> bool:
    """True when requests failed to open the connection (refused, DNS): nothing was sent."""
    cause: object = exc.args[0] if exc.args else None
    reason = getattr(cause, "reason", cause)
    return isinstance(reason, urllib3.exceptions.NewConnectionError)


def _clip(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _MAX_TEXT else text[: _MAX_TEXT - 3] + "..."
