"""What can go wrong at a venue, in five kinds, and how secrets are kept out of it.

Every driver maps its SDK's exceptions in exactly one function,
``classify(exc) -> VenueFailure``, backed by a table keyed by exception
class; a test per driver fails when an SDK exception class is missing from
the table. The runtime (:mod:`fillgate.venues.runtime`) decides what to do by
kind alone:

RETRYABLE
    Nothing happened at the venue (connection refused, 429 rate limit, 5xx on
    a read): back off with jitter (at least ``retry_after``) and try again.
REJECTED
    The venue proved it did not accept the request (insufficient funds,
    invalid order, not cancelable). Reported, not retried.
NOT_FOUND
    The venue does not know the order. For a cancel it means "already gone";
    for a query it means "never placed" (after a grace period).
FATAL
    Configuration or credentials are wrong (auth, unknown account or symbol,
    unsupported call). Retrying cannot help; the account needs an operator.
UNKNOWN_OUTCOME
    The request may or may not have taken effect (timeout, 5xx on a submit).
    A submit is then never re-sent: it is resolved by querying the venue by
    client order id, so a retry can never double an order.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from enum import Enum


class ErrorKind(Enum):
    RETRYABLE = "retryable"
    REJECTED = "rejected"
    NOT_FOUND = "not_found"
    FATAL = "fatal"
    UNKNOWN_OUTCOME = "unknown_outcome"


class VenueFailure(Exception):
    """A venue call failed; ``kind`` says what the runtime may do about it.

    ``message`` is already redacted. ``code`` is the venue's own error code or
    HTTP status (e.g. "-2010", "INSUFFICIENT_MARGIN", "403"), for logs and reasons.
    """

    def __init__(
        self,
        kind: ErrorKind,
        message: str,
        *,
        code: str = "",
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.code = code
        self.retry_after = retry_after

    def __repr__(self) -> str:
        return f"VenueFailure({self.kind.value}, {self.message!r}, code={self.code!r})"


def failure_reason(failure: VenueFailure) -> str:
    """The reason an order event carries for a venue failure: kind, venue code, words."""
    code = f" {failure.code}" if failure.code else ""
    return f"VENUE_{failure.kind.name}{code}: {failure.message}"


# Query-string and header fragments that carry credentials or signatures.
_SENSITIVE = re.compile(
    r"(?i)((?:signature|apikey|api_key|api-key|secret|secret_key|key_id|token|"
    r"access_token|authorization|x-mbx-apikey|apca-api-key-id|apca-api-secret-key)"
    r"[\"']?\s*[=:]\s*[\"']?(?:bearer\s+)?)([^&\s\"',}]+)"
)


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """Remove every secret value and every signature/key parameter from ``text``."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "***")
    return _SENSITIVE.sub(r"\1***", text)


class Secret:
    """A credential: compares and hashes normally, prints as ``***``.

    ``reveal()`` is the only way to the value; call it only where it is handed
    to an SDK.
    """

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __bool__(self) -> bool:
        return bool(self._value)

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)
