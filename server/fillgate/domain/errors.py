"""The one exception tree of fillgate. ``api/errors.py`` maps it to gRPC status.

FillgateError
├── InvalidArgument        a request is malformed (names the fields)
├── NotFound               the addressed resource does not exist
├── AlreadyExists          an idempotency key was reused with other contents
├── FailedPrecondition     the request is well formed but the state forbids it
│   └── IllegalTransition  an event does not apply to the order's state (a bug or a venue race)
├── ResourceExhausted      a rate or a buffer limit was hit
├── OutOfRange             a resume point is no longer retained
├── Unavailable            a dependency (venue, journal) cannot serve now
├── Unauthenticated        no credentials, or credentials that are invalid, expired or revoked
└── PermissionDenied       the caller is known but lacks the scope the call needs
"""

from __future__ import annotations

from collections.abc import Container, Iterable, Mapping


class FillgateError(Exception):
    """Base of every error fillgate raises on purpose.

    ``reason`` is an UPPER_SNAKE_CASE constant clients can branch on;
    ``metadata`` carries every dynamic value of the message.
    """

    def __init__(self, reason: str, message: str, metadata: Mapping[str, str] | None = None):
        super().__init__(message)
        self.reason = reason
        self.message = message
        self.metadata: dict[str, str] = dict(metadata or {})


class InvalidArgument(FillgateError):
    """One or more request fields are invalid; ``violations`` lists (field, description)."""

    def __init__(
        self,
        violations: list[tuple[str, str]],
        reason: str = "INVALID_FIELD",
        metadata: Mapping[str, str] | None = None,
    ):
        message = "; ".join(f"{field}: {text}" for field, text in violations)
        super().__init__(reason, message, metadata)
        self.violations = violations


class NotFound(FillgateError):
    """The addressed resource does not exist."""


class AlreadyExists(FillgateError):
    """An idempotency key is taken by a request with different contents."""


class FailedPrecondition(FillgateError):
    """The request is valid but the current state does not allow it."""


class IllegalTransition(FailedPrecondition):
    """An event cannot be applied to an order in its current state."""


class ResourceExhausted(FillgateError):
    """A rate limit or a bounded buffer is full."""


class OutOfRange(FillgateError):
    """A requested position (such as a stream sequence) is outside what is retained."""


class Unavailable(FillgateError):
    """A dependency cannot serve the request now; retrying later may succeed."""


class Unauthenticated(FillgateError):
    """The caller presented no credentials, or ones that do not verify (never says which part)."""


class PermissionDenied(FillgateError):
    """The authenticated caller lacks the scope the call needs (``metadata["scope"]`` names it)."""


class Violations:
    """Collect field violations so one error can name every bad field at once."""

    __slots__ = ("items",)

    def __init__(self) -> None:
        self.items: list[tuple[str, str]] = []

    def add(self, field: str, description: str) -> None:
        self.items.append((field, description))

    def require_known(
        self, field: str, values: Iterable[str], known: Container[str], kind: str
    ) -> None:
        """Add a violation for every value of a filter that names nothing configured."""
        for value in values:
            if value not in known:
                self.add(field, f"unknown {kind} {value!r}")

    def raise_if_any(self, reason: str = "INVALID_FIELD") -> None:
        """Raise one InvalidArgument naming every field; metadata lists the fields."""
        if self.items:
            fields = ",".join(dict.fromkeys(field for field, _ in self.items))
            raise InvalidArgument(self.items, reason, {"fields": fields})
