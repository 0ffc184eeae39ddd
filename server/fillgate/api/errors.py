"""The one place domain errors become gRPC status with google.rpc.Status details.

An error repeats little of the request: at most :data:`MAX_VIOLATIONS` field
violations (the message says how many more), and every text cut to a few
hundred bytes, so a rich status stays under ~2 KB however bad the request —
far below gRPC's 8-16 KB metadata limits, which would otherwise turn a refusal
into RESOURCE_EXHAUSTED on the client.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from functools import wraps
from typing import Any, NoReturn, TypeVar

import grpc
from google.protobuf import any_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_status import rpc_status

from fillgate.domain import errors as e

DOMAIN = "fillgate"

Context = grpc.aio.ServicerContext

MAX_VIOLATIONS = 5
MAX_MESSAGE = 400  # bytes, here and below
MAX_FIELD = 48
MAX_DESCRIPTION = 100
MAX_METADATA = 6
MAX_METADATA_KEY = 32
MAX_METADATA_VALUE = 64

_CODES: list[tuple[type[e.FillgateError], int]] = [
    (e.InvalidArgument, code_pb2.INVALID_ARGUMENT),
    (e.NotFound, code_pb2.NOT_FOUND),
    (e.AlreadyExists, code_pb2.ALREADY_EXISTS),
    (e.FailedPrecondition, code_pb2.FAILED_PRECONDITION),
    (e.ResourceExhausted, code_pb2.RESOURCE_EXHAUSTED),
    (e.OutOfRange, code_pb2.OUT_OF_RANGE),
    (e.Unavailable, code_pb2.UNAVAILABLE),
    (e.Unauthenticated, code_pb2.UNAUTHENTICATED),
    (e.PermissionDenied, code_pb2.PERMISSION_DENIED),
]


def _pack(message: Any) -> any_pb2.Any:
    packed = any_pb2.Any()
    packed.Pack(message)
    return packed


def clip(text: str, limit: int) -> str:
    """Cut ``text`` to at most ``limit`` UTF-8 bytes, marking the cut with "..."."""
    data = text.encode()
    if len(data) <= limit:
        return text
    return data[: max(limit - 3, 0)].decode(errors="ignore") + "..."


def _metadata(metadata: Mapping[str, str]) -> dict[str, str]:
    items = list(metadata.items())[:MAX_METADATA]
    return {clip(k, MAX_METADATA_KEY): clip(v, MAX_METADATA_VALUE) for k, v in items}


def _message(exc: e.FillgateError) -> str:
    if isinstance(exc, e.InvalidArgument) and len(exc.violations) > MAX_VIOLATIONS:
        shown = "; ".join(
            f"{clip(f, MAX_FIELD)}: {clip(d, MAX_DESCRIPTION)}"
            for f, d in exc.violations[:MAX_VIOLATIONS]
        )
        more = len(exc.violations) - MAX_VIOLATIONS
        return clip(shown, MAX_MESSAGE - 40) + f" (and {more} more violations)"
    return clip(exc.message, MAX_MESSAGE)


def to_status(exc: e.FillgateError) -> status_pb2.Status:
    """Build the google.rpc.Status for a domain error: ErrorInfo always, BadRequest for fields."""
    code = next((c for cls, c in _CODES if isinstance(exc, cls)), code_pb2.INTERNAL)
    metadata = _metadata(exc.metadata)
    if isinstance(exc, e.InvalidArgument) and len(exc.violations) > MAX_VIOLATIONS:
        metadata["violations"] = str(len(exc.violations))
    details = [
        _pack(
            error_details_pb2.ErrorInfo(
                reason=clip(exc.reason, MAX_FIELD), domain=DOMAIN, metadata=metadata
            )
        )
    ]
    if isinstance(exc, e.InvalidArgument):
        details.append(
            _pack(
                error_details_pb2.BadRequest(
                    field_violations=[
                        error_details_pb2.BadRequest.FieldViolation(
                            field=clip(f, MAX_FIELD), description=clip(d, MAX_DESCRIPTION)
                        )
                        for f, d in exc.violations[:MAX_VIOLATIONS]
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
                            type=clip(exc.reason, MAX_FIELD),
                            subject=clip(exc.metadata.get("order_id", ""), MAX_METADATA_VALUE),
                            description=clip(exc.message, MAX_DESCRIPTION * 2),
                        )
                    ]
                )
            )
        )
    return status_pb2.Status(code=code, message=_message(exc), details=details)


async def abort(context: grpc.aio.ServicerContext[Any, Any], exc: e.FillgateError) -> NoReturn:
    await context.abort_with_status(rpc_status.to_status(to_status(exc)))
    raise AssertionError("unreachable")  # abort_with_status always raises


R = TypeVar("R")


class Refused:
    """A request refused before its handler ran (see ``api/edge.py``): the handler gets this.

    The deserializer cannot answer the call itself, so it hands the error on
    and the wrappers below raise it, where every other error is translated.
    """

    __slots__ = ("error",)

    def __init__(self, error: e.InvalidArgument) -> None:
        self.error = error


def answer_error(context: Any, exc: e.FillgateError) -> None:
    """Set a unary call's status from a domain error, without raising.

    The handler then returns None and gRPC sends the status. Raising instead
    (``abort``) leaves a reference cycle per refused call (the abort exception's
    traceback holds the frames that hold it), garbage only the full cyclic
    collector frees: under a flood of refused requests that is memory and GC
    pauses (see ``fillgate/heap.py``).
    """
    status = rpc_status.to_status(to_status(exc))
    context.set_code(status.code)
    context.set_details(status.details)
    context.set_trailing_metadata(status.trailing_metadata)


def _detached(exc: e.FillgateError) -> e.FillgateError:
    """Drop what ties an error to the frames it passed through (no cycle via the traceback)."""
    exc.__traceback__ = None
    exc.__context__ = None
    return exc


def _wrap(method: Callable[..., Awaitable[R]], *, durable: bool) -> Callable[..., Awaitable[R]]:
    @wraps(method)
    async def wrapper(self: Any, request: Any, context: Any) -> R | None:
        if type(request) is Refused:  # shows no state: answered at once
            answer_error(context, request.error)
            return None
        error: e.FillgateError | None = None
        try:
            answer = await method(self, request, context)
        except e.FillgateError as exc:
            error = _detached(exc)
        if durable:
            try:
                await self._engine.durable()
            except e.FillgateError as exc:  # the journal failed: nothing may be answered OK
                error = _detached(exc)
        if error is not None:
            answer_error(context, error)
            return None
        return answer

    wrapper.translates_errors = True  # type: ignore[attr-defined]
    return wrapper  # type: ignore[return-value]


def translated(
    method: Callable[..., Awaitable[R]],
) -> Callable[..., Awaitable[R]]:
    """Turn domain errors raised by a unary handler into rich gRPC errors.

    This is also the durability barrier of every unary RPC: whatever the
    handler answered, value or error, reaches the caller only once every event
    applied so far is durable (``self._engine.durable()``). A read or a
    duplicate answered in a group commit's window would otherwise show state
    that a crash could take back. A request refused at the edge (undecodable,
    over a size limit) is answered at once: it shows no state.
    """
    return _wrap(method, durable=True)


def translated_durable_by_engine(
    method: Callable[..., Awaitable[R]],
) -> Callable[..., Awaitable[R]]:
    """:func:`translated` for a handler whose engine call is its durability barrier.

    ``Engine.submit``, ``cancel`` and ``replace`` return an immutable order
    captured before they wait, in a ``finally``, until everything applied so far
    is durable: a handler that answers only from that value (no other state read
    after the call) is durable when the call returns. A second, general wait
    here would also wait for whatever other clients appended meanwhile, one more
    sync each time under load: a convoy that grows with the order rate.
    """
    return _wrap(method, durable=False)


def stateless(
    method: Callable[..., Awaitable[R]],
) -> Callable[..., Awaitable[R]]:
    """The same for a handler whose answer shows no state (Ping): no durability wait."""
    return _wrap(method, durable=False)


def translated_stream(
    method: Callable[..., AsyncIterator[R]],
) -> Callable[..., AsyncIterator[R]]:
    """The same for server-streaming handlers (a stream only carries durable events)."""

    @wraps(method)
    async def wrapper(self: Any, request: Any, context: Any) -> AsyncIterator[R]:
        if type(request) is Refused:
            await abort(context, request.error)
        try:
            async for item in method(self, request, context):
                yield item
        except e.FillgateError as exc:
            await abort(context, exc)

    wrapper.translates_errors = True  # type: ignore[attr-defined]
    return wrapper
