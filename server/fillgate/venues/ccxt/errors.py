"""Every exception a ccxt call can raise, mapped to a :class:`VenueFailure`: the one table.

ccxt's tree (``ccxt.base.errors``) with the kind each class gets::

    BaseError                              UNKNOWN_OUTCOME  (nothing proves either way)
    ├── ExchangeError                      FATAL  (an unmapped venue error: needs a look)
    │   ├── AuthenticationError            FATAL  (⊃ PermissionDenied ⊃ AccountNotEnabled,
    │   │                                          AccountSuspended)
    │   ├── ArgumentsRequired, NotSupported, InvalidAddress (⊃ AddressPending),
    │   │   InvalidProxySettings, ExchangeClosedByUser             FATAL (our setup)
    │   ├── BadRequest                     REJECTED (-1013 filter failures, bad parameters)
    │   │   └── BadSymbol                  FATAL  (the symbol map is wrong)
    │   ├── InsufficientFunds              REJECTED
    │   ├── InvalidOrder                   REJECTED (⊃ DuplicateOrderId, OrderImmediatelyFillable,
    │   │   │                                        OrderNotFillable, ContractUnavailable)
    │   │   ├── OrderNotFound              NOT_FOUND (-2013 query, -2011 cancel of a gone order)
    │   │   └── OrderNotCached             NOT_FOUND
    │   └── OperationRejected              REJECTED (⊃ NoChange, MarginModeAlreadySet, MarketClosed)
    │       ├── ManualInteractionNeeded    FATAL
    │       └── RestrictedLocation         FATAL
    ├── OperationFailed                    UNKNOWN_OUTCOME (-1001 internal error on a 5xx)
    │   ├── BadResponse, NullResponse      UNKNOWN_OUTCOME (the venue answered, unreadably)
    │   ├── CancelPending                  UNKNOWN_OUTCOME
    │   └── NetworkError                   UNKNOWN_OUTCOME (dropped after send, 5xx)
    │       ├── RequestTimeout             UNKNOWN_OUTCOME
    │       ├── ExchangeNotAvailable       UNKNOWN_OUTCOME (5xx, or any 4xx without a JSON code)
    │       │   └── OnMaintenance          RETRYABLE
    │       ├── DDoSProtection             RETRYABLE + Retry-After (429 / 418)
    │       ├── RateLimitExceeded          RETRYABLE + Retry-After
    │       └── InvalidNonce               RETRYABLE (-1021: refused before processing)
    │           └── ChecksumError          RETRYABLE
    └── UnsubscribeError                   RETRYABLE (a WebSocket unsubscribe; no order effect)

Two refinements on top of the class:

- **venue codes first**: ``-2015`` ("Invalid API-key, IP, or permissions") is
  FATAL whatever class ccxt chose. ccxt raises it as ``DDoSProtection`` once
  any signed call has succeeded (it assumes a temporary ban); a real ban comes
  as 418/429, while a revoked key or a lost permission needs an operator.
- **never sent**: a NetworkError caused by a failed *connect* (refused,
  DNS, connect timeout; ccxt chains the aiohttp error as ``__cause__``) is
  RETRYABLE, because the request never reached the venue.

Foreign exceptions (aiohttp, asyncio, OS) are in the same table. Anything
else is UNKNOWN_OUTCOME, the safe default: a submit is then resolved by
client id, never re-sent.
"""

from __future__ import annotations

import json
import re
import socket
from collections.abc import Iterable, Mapping

import aiohttp
from ccxt.base import errors as ce

from fillgate.venues.errors import ErrorKind, VenueFailure, redact

_R, _J, _N = ErrorKind.RETRYABLE, ErrorKind.REJECTED, ErrorKind.NOT_FOUND
_F, _U = ErrorKind.FATAL, ErrorKind.UNKNOWN_OUTCOME

#: Exception class -> kind; looked up by exact class, then along the MRO.
KINDS: Mapping[type[BaseException], ErrorKind] = {
    ce.BaseError: _U,
    ce.ExchangeError: _F,
    ce.AuthenticationError: _F,
    ce.PermissionDenied: _F,
    ce.AccountNotEnabled: _F,
    ce.AccountSuspended: _F,
    ce.ArgumentsRequired: _F,
    ce.NotSupported: _F,
    ce.InvalidAddress: _F,
    ce.AddressPending: _F,
    ce.InvalidProxySettings: _F,
    ce.ExchangeClosedByUser: _F,
    ce.BadRequest: _J,
    ce.BadSymbol: _F,
    ce.InsufficientFunds: _J,
    ce.InvalidOrder: _J,
    ce.DuplicateOrderId: _J,
    ce.OrderImmediatelyFillable: _J,
    ce.OrderNotFillable: _J,
    ce.ContractUnavailable: _J,
    ce.OrderNotFound: _N,
    ce.OrderNotCached: _N,
    ce.OperationRejected: _J,
    ce.NoChange: _J,
    ce.MarginModeAlreadySet: _J,
    ce.MarketClosed: _J,
    ce.ManualInteractionNeeded: _F,
    ce.RestrictedLocation: _F,
    ce.OperationFailed: _U,
    ce.BadResponse: _U,
    ce.NullResponse: _U,
    ce.CancelPending: _U,
    ce.NetworkError: _U,
    ce.RequestTimeout: _U,
    ce.ExchangeNotAvailable: _U,
    ce.OnMaintenance: _R,
    ce.DDoSProtection: _R,
    ce.RateLimitExceeded: _R,
    ce.InvalidNonce: _R,
    ce.ChecksumError: _R,
    ce.UnsubscribeError: _R,
    # The transport underneath, when it escapes ccxt (WebSocket dials, our own waits).
    aiohttp.ClientConnectorError: _R,  # could not connect: nothing was sent
    aiohttp.ConnectionTimeoutError: _R,  # connect timed out: nothing was sent
    aiohttp.ClientError: _U,
    socket.gaierror: _R,
    ConnectionRefusedError: _R,
    TimeoutError: _U,  # also asyncio.TimeoutError
    OSError: _U,
}

#: Venue error codes whose meaning beats ccxt's class (see the module docstring).
CODE_KINDS: Mapping[str, ErrorKind] = {
    "-2015": _F,  # invalid key, IP or permissions (ccxt: DDoSProtection after a first success)
    "-2014": _F,  # API-key format invalid
    "-1022": _F,  # signature invalid: the secret is wrong
}

#: Connect-phase failures: a ccxt error caused by one of these never reached the venue.
_NEVER_SENT: tuple[type[BaseException], ...] = (
    aiohttp.ClientConnectorError,
    aiohttp.ConnectionTimeoutError,
    socket.gaierror,
    ConnectionRefusedError,
)
_WAITS = (ce.DDoSProtection, ce.RateLimitExceeded, ce.OnMaintenance)
_CODE = re.compile(r'"code"\s*:\s*"?(-?\d+)')
_MAX_MESSAGE = 600


def kind_of(exc: BaseException) -> ErrorKind:
    """The table's kind for ``exc``'s class: exact class first, then its MRO."""
    for cls in type(exc).__mro__:
        kind = KINDS.get(cls)
        if kind is not None:
            return kind
    return _U


def venue_code(exc: BaseException, body: str | None = None) -> str:
    """The venue's error code for ``exc``.

    ccxt quotes the body (``binance {"code":-2010,...}``) unless it matched the
    message text, in which case the code comes from ``body`` (the last HTTP
    answer) but only when that answer's ``msg`` is the one in ``exc``.
    """
    text = str(exc)
    match = _CODE.search(text)
    if match:
        return match.group(1)
    try:
        answer = json.loads(body) if body else None
    except ValueError:
        return ""
    if isinstance(answer, dict) and answer.get("msg") and str(answer["msg"]) in text:
        code = answer.get("code")
        return str(code) if isinstance(code, int | str) else ""
    return ""


_ANSWER = "_fillgate_venue_answer"


def remember_answer(exc: BaseException, headers: object, body: object) -> None:
    """Attach the HTTP answer (headers, body) that made a ccxt call fail to its exception."""
    setattr(
        exc,
        _ANSWER,
        (
            dict(headers) if isinstance(headers, Mapping) else None,
            body if isinstance(body, str) else None,
        ),
    )


def answer_of(exc: BaseException) -> tuple[Mapping[str, str] | None, str | None]:
    """The (headers, body) :func:`remember_answer` attached, else (None, None)."""
    answer = getattr(exc, _ANSWER, None)
    if isinstance(answer, tuple) and len(answer) == 2:
        return answer[0], answer[1]
    return None, None


def _never_sent(exc: BaseException) -> bool:
    cause = exc.__cause__
    while cause is not None:
        if isinstance(cause, _NEVER_SENT):
            return True
        cause = cause.__cause__
    return False


def _retry_after(headers: Mapping[str, str] | None) -> float | None:
    for name, value in (headers or {}).items():
        if name.lower() == "retry-after":
            try:
                return max(0.0, float(value))
            except (TypeError, ValueError):
                return None
    return None


def classify(
    exc: BaseException,
    *,
    secrets: Iterable[str] = (),
    headers: Mapping[str, str] | None = None,
    body: str | None = None,
) -> VenueFailure:
    """Map ``exc`` to a VenueFailure with a redacted message.

    ``headers`` and ``body`` are the HTTP answer that failed the call (see
    :func:`remember_answer`): the headers give a 429/418's ``Retry-After``,
    the body the venue code when ccxt's message lacks it.
    """
    if isinstance(exc, VenueFailure):
        return exc
    code = venue_code(exc, body)
    kind = CODE_KINDS.get(code) or kind_of(exc)
    if kind is ErrorKind.UNKNOWN_OUTCOME and _never_sent(exc):
        kind = ErrorKind.RETRYABLE
    retry_after = _retry_after(headers) if isinstance(exc, _WAITS) and kind is _R else None
    text = str(exc) or type(exc).__name__
    message = redact(f"{type(exc).__name__}: {text}", secrets)[:_MAX_MESSAGE]
    return VenueFailure(kind, message, code=code, retry_after=retry_after)
