"""Exceptions raised by the fillgate client.

Every failed RPC is raised as one of these, never as a bare ``grpc.RpcError``::

    FillgateError                   any failed RPC (catch this for "anything went wrong")
    ├── InvalidArgumentError        INVALID_ARGUMENT: malformed request, see field_violations
    ├── NotFoundError               NOT_FOUND: unknown order, account or symbol
    ├── AlreadyExistsError          ALREADY_EXISTS: client_order_id reused with other contents
    ├── FailedPreconditionError     FAILED_PRECONDITION: risk denial, halt, order not working
    ├── ResourceExhaustedError      RESOURCE_EXHAUSTED: rate limit, stream consumer too slow
    ├── OutOfRangeError             OUT_OF_RANGE: e.g. a resume sequence no longer retained
    ├── UnavailableError            UNAVAILABLE: server unreachable or shutting down
    ├── UnauthenticatedError        UNAUTHENTICATED: no token, or an invalid/expired/revoked one
    ├── PermissionDeniedError       PERMISSION_DENIED: the token lacks the scope (metadata["scope"])
    └── OtherRpcError               any other status code (INTERNAL, DEADLINE_EXCEEDED, ...)

The server attaches a ``google.rpc.Status`` in the ``grpc-status-details-bin``
trailer; its ``ErrorInfo`` gives ``reason``/``domain``/``metadata``, its
``BadRequest`` the field violations and its ``PreconditionFailure`` the
precondition violations. ``from_rpc_error`` is the one place that reads it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from typing import Any

import grpc
from google.rpc import error_details_pb2, status_pb2

STATUS_DETAILS_KEY = "grpc-status-details-bin"


class FillgateError(Exception):
    """A failed fillgate RPC, with the server's structured error details."""

    def __init__(
        self,
        code: grpc.StatusCode,
        message: str,
        *,
        reason: str = "",
        domain: str = "",
        metadata: dict[str, str] | None = None,
        field_violations: list[tuple[str, str]] | None = None,
        precondition_violations: list[tuple[str, str, str]] | None = None,
    ) -> None:
        super().__init__(code, message)
        self.code = code
        """The gRPC status code."""
        self.message = message
        """The server's human-readable message."""
        self.reason = reason
        """The ``ErrorInfo`` reason in UPPER_SNAKE_CASE (``TRADING_HALTED``), or empty."""
        self.domain = domain
        """The ``ErrorInfo`` domain (``fillgate``), or empty."""
        self.metadata = dict(metadata or {})
        """The ``ErrorInfo`` metadata: every dynamic value of the message."""
        self.field_violations = list(field_violations or [])
        """``(field, description)`` pairs from ``BadRequest``."""
        self.precondition_violations = list(precondition_violations or [])
        """``(type, subject, description)`` triples from ``PreconditionFailure``."""

    def __str__(self) -> str:
        head = self.code.name
        if self.reason and self.reason != head:
            head = f"{head} {self.reason}"
        return f"{head}: {self.message}" if self.message else head


class InvalidArgumentError(FillgateError):
    """The request is malformed; ``field_violations`` says which fields and why."""


class NotFoundError(FillgateError):
    """The named order, account or symbol does not exist."""


class AlreadyExistsError(FillgateError):
    """The resource exists already (e.g. a client order id reused with other contents)."""


class FailedPreconditionError(FillgateError):
    """The system is not in a state to do this: risk denial, halted trading, finished order."""


class ResourceExhaustedError(FillgateError):
    """A rate limit was hit, or a stream consumer fell too far behind."""


class OutOfRangeError(FillgateError):
    """A value is outside the range the server can serve now."""


class UnavailableError(FillgateError):
    """The server cannot be reached or is shutting down; the call may be retried."""


class UnauthenticatedError(FillgateError):
    """The server wants credentials, or the ones given are invalid, expired or revoked."""


class PermissionDeniedError(FillgateError):
    """The credentials lack the scope the call needs (``metadata["scope"]`` names it)."""


class OtherRpcError(FillgateError):
    """A status code without a class of its own."""


_CLASSES: dict[grpc.StatusCode, type[FillgateError]] = {
    grpc.StatusCode.INVALID_ARGUMENT: InvalidArgumentError,
    grpc.StatusCode.NOT_FOUND: NotFoundError,
    grpc.StatusCode.ALREADY_EXISTS: AlreadyExistsError,
    grpc.StatusCode.FAILED_PRECONDITION: FailedPreconditionError,
    grpc.StatusCode.RESOURCE_EXHAUSTED: ResourceExhaustedError,
    grpc.StatusCode.OUT_OF_RANGE: OutOfRangeError,
    grpc.StatusCode.UNAVAILABLE: UnavailableError,
    grpc.StatusCode.UNAUTHENTICATED: UnauthenticatedError,
    grpc.StatusCode.PERMISSION_DENIED: PermissionDeniedError,
}


def from_rpc_error(error: grpc.RpcError) -> FillgateError:
    """Return our exception for a ``grpc.RpcError`` or ``grpc.aio.AioRpcError``."""
    code = _call(error, "code") or grpc.StatusCode.UNKNOWN
    message = _call(error, "details") or ""
    status = _rich_status(_call(error, "trailing_metadata"))
    kwargs: dict[str, Any] = {}
    if status is not None:
        message = status.message or message
        kwargs = _details(status.details)
    return _CLASSES.get(code, OtherRpcError)(code, message, **kwargs)


@contextlib.contextmanager
def translate_errors() -> Iterator[None]:
    """Raise any ``grpc.RpcError`` inside the block as a ``FillgateError``."""
    try:
        yield
    except grpc.RpcError as exc:
        raise from_rpc_error(exc) from exc


def _call(error: grpc.RpcError, method: str) -> Any:
    """Call an accessor that a bare ``grpc.RpcError`` may lack."""
    accessor = getattr(error, method, None)
    return accessor() if callable(accessor) else None


def _rich_status(trailing_metadata: Iterable[tuple[str, Any]] | None) -> Any:
    """Return the ``google.rpc.Status`` from the trailers, or ``None``."""
    for key, value in trailing_metadata or ():
        if key == STATUS_DETAILS_KEY and isinstance(value, bytes):
            with contextlib.suppress(Exception):  # garbage trailers must not hide the error
                return status_pb2.Status.FromString(value)
    return None


def _details(details: Iterable[Any]) -> dict[str, Any]:
    """Return constructor arguments from a Status's ``details`` (packed ``Any`` messages)."""
    kwargs: dict[str, Any] = {}
    for detail in details:
        if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            info = error_details_pb2.ErrorInfo()
            detail.Unpack(info)
            kwargs.update(reason=info.reason, domain=info.domain, metadata=dict(info.metadata))
        elif detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad = error_details_pb2.BadRequest()
            detail.Unpack(bad)
            kwargs.setdefault("field_violations", []).extend(
                (v.field, v.description) for v in bad.field_violations
            )
        elif detail.Is(error_details_pb2.PreconditionFailure.DESCRIPTOR):
            failure = error_details_pb2.PreconditionFailure()
            detail.Unpack(failure)
            kwargs.setdefault("precondition_violations", []).extend(
                (v.type, v.subject, v.description) for v in failure.violations
            )
    return kwargs


__all__ = [
    "AlreadyExistsError",
    "FailedPreconditionError",
    "FillgateError",
    "InvalidArgumentError",
    "NotFoundError",
    "OtherRpcError",
    "OutOfRangeError",
    "ResourceExhaustedError",
    "UnavailableError",
    "from_rpc_error",
    "translate_errors",
]
