"""The one place domain errors become gRPC status with google.rpc.Status details."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from functools import wraps
from typing import Any, NoReturn, ParamSpec, TypeVar

import grpc
from google.protobuf import any_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_status import rpc_status

from fillgate.domain import errors as e

log = logging.getLogger("fillgate.api")

DOMAIN = "fillgate"

_CODES: list[tuple[type[e.FillgateError], int]] = [
    (e.InvalidArgument, code_pb2.INVALID_ARGUMENT),
    (e.NotFound, code_pb2.NOT_FOUND),
    (e.AlreadyExists, code_pb2.ALREADY_EXISTS),
    (e.FailedPrecondition, code_pb2.FAILED_PRECONDITION),
    (e.ResourceExhausted, code_pb2.RESOURCE_EXHAUSTED),
    (e.OutOfRange, code_pb2.OUT_OF_RANGE),
    (e.Unavailable, code_pb2.UNAVAILABLE),
]


def _pack(message: Any) -> any_pb2.Any:
    packed = any_pb2.Any()
    packed.Pack(message)
    return packed


def to_status(exc: e.FillgateError) -> status_pb2.Status:
    """Build the google.rpc.Status for a domain error: ErrorInfo always, BadRequest for fields."""
    code = next((c for cls, c in _CODES if isinstance(exc, cls)), code_pb2.INTERNAL)
    details = [
        _pack(error_details_pb2.ErrorInfo(reason=exc.reason, domain=DOMAIN, metadata=exc.metadata))
    ]
    if isinstance(exc, e.InvalidArgument):
        details.append(
            _pack(
                error_details_pb2.BadRequest(
                    field_violations=[
                        error_details_pb2.BadRequest.FieldViolation(field=f, description=d)
                        for f, d in exc.violations
                    ]
                )
            )
        )
    elif isinstance(exc, e.FailedPrecondition):
        details.append(
            _pack(
                error_details_pb2.PreconditionFailure(
                    violations=[
                        error_details_pb2.PreconditionFailure.Violation(
                            type=exc.reason,
                            subject=exc.metadata.get("order_id", ""),
                            description=exc.message,
                        )
                    ]
                )
            )
        )
    return status_pb2.Status(code=code, message=exc.message, details=details)


async def abort(context: grpc.aio.ServicerContext[Any, Any], exc: e.FillgateError) -> NoReturn:
    await context.abort_with_status(rpc_status.to_status(to_status(exc)))
    raise AssertionError("unreachable")  # abort_with_status always raises


P = ParamSpec("P")
R = TypeVar("R")


def translated(
    method: Callable[..., Awaitable[R]],
) -> Callable[..., Awaitable[R]]:
    """Turn domain errors raised by a unary handler into rich gRPC errors.

    This is also the durability barrier of every unary RPC: whatever the
    handler answered, value or error, reaches the caller only once every event
    applied so far is durable (``self._engine.durable()``). A read or a
    duplicate answered in a group commit's window would otherwise show state
    that a crash could take back.
    """

    @wraps(method)
    async def wrapper(self: Any, request: Any, context: Any) -> R:
        error: e.FillgateError | None = None
        try:
            answer = await method(self, request, context)
        except e.FillgateError as exc:
            error = exc
        try:
            await self._engine.durable()
        except e.FillgateError as exc:  # the journal failed: nothing may be answered OK
            error = exc
        if error is not None:
            await abort(context, error)
        return answer

    return wrapper


def translated_stream(
    method: Callable[..., AsyncIterator[R]],
) -> Callable[..., AsyncIterator[R]]:
    """The same for server-streaming handlers."""

    @wraps(method)
    async def wrapper(self: Any, request: Any, context: Any) -> AsyncIterator[R]:
        try:
            async for item in method(self, request, context):
                yield item
        except e.FillgateError as exc:
            await abort(context, exc)

    return wrapper
