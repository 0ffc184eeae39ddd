"""The services the grpc libraries serve (health, reflection), refusing bad bodies precisely.

Their generated ``add_*_to_server`` functions register handlers whose request
deserializer raises on a body that is not protobuf: grpc.aio then answers
``UNKNOWN`` and logs a traceback per request. Here those handlers are recorded
instead of registered, and registered again with a deserializer that never
raises: a malformed body becomes a marker the wrapped behavior answers with
INVALID_ARGUMENT (reason ``MALFORMED_REQUEST``), like every fillgate RPC
(``api/edge.py``). fillgate's own services are not wrapped here, so the order
path pays nothing for this.
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Callable
from typing import Any

import grpc

from fillgate.api.errors import abort
from fillgate.domain.errors import InvalidArgument


class _Malformed:
    """What the safe deserializer returns for a body that is not the request message."""

    __slots__ = ()


_MALFORMED = _Malformed()


class _Recorder:
    """Stands in for the server while a library's ``add_*_to_server`` registers its handlers."""

    def __init__(self) -> None:
        self.services: list[tuple[str, dict[str, grpc.RpcMethodHandler]]] = []

    def add_generic_rpc_handlers(self, handlers: Any) -> None:
        """Ignored: the same handlers arrive through add_registered_method_handlers."""

    def add_registered_method_handlers(
        self, name: str, handlers: dict[str, grpc.RpcMethodHandler]
    ) -> None:
        self.services.append((name, handlers))


def _refusal(method: str) -> InvalidArgument:
    return InvalidArgument(
        [("request", "is not a valid protobuf message of this RPC (or has non-UTF-8 text)")],
        "MALFORMED_REQUEST",
        {"method": method},
    )


def _safe_deserializer(parse: Callable[[bytes], Any] | None) -> Callable[[bytes], Any]:
    def decode(data: bytes) -> Any:
        if parse is None:
            return data
        try:
            return parse(data)
        except Exception:  # anything raised here would answer UNKNOWN
            return _MALFORMED

    return decode


async def _finish(result: Any) -> AsyncIterator[Any]:
    """Run a streaming behavior's result: an async generator, or a coroutine using write()."""
    if inspect.isasyncgen(result):
        async for item in result:
            yield item
    else:
        await result


def _wrap(method: str, handler: grpc.RpcMethodHandler) -> grpc.RpcMethodHandler:
    refusal = _refusal(method)
    deserializer = _safe_deserializer(handler.request_deserializer)

    async def checked(requests: AsyncIterator[Any], context: Any) -> AsyncIterator[Any]:
        async for request in requests:
            if request is _MALFORMED:
                await abort(context, refusal)
            yield request

    if handler.unary_unary is not None:
        unary = handler.unary_unary

        async def unary_unary(request: Any, context: Any) -> Any:
            if request is _MALFORMED:
                await abort(context, refusal)
            return await unary(request, context)

        return handler._replace(request_deserializer=deserializer, unary_unary=unary_unary)
    if handler.unary_stream is not None:
        stream = handler.unary_stream

        async def unary_stream(request: Any, context: Any) -> AsyncIterator[Any]:
            if request is _MALFORMED:
                await abort(context, refusal)
            async for item in _finish(stream(request, context)):
                yield item

        return handler._replace(request_deserializer=deserializer, unary_stream=unary_stream)
    if handler.stream_stream is not None:
        both = handler.stream_stream

        async def stream_stream(requests: AsyncIterator[Any], context: Any) -> AsyncIterator[Any]:
            async for item in _finish(both(checked(requests, context), context)):
                yield item

        return handler._replace(request_deserializer=deserializer, stream_stream=stream_stream)
    client = handler.stream_unary
    assert client is not None

    async def stream_unary(requests: AsyncIterator[Any], context: Any) -> Any:
        return await client(checked(requests, context), context)

    return handler._replace(request_deserializer=deserializer, stream_unary=stream_unary)


def add_library_service(
    server: grpc.aio.Server,
    register: Callable[[Any], None],
    wrap: Callable[[str, grpc.RpcMethodHandler], grpc.RpcMethodHandler] | None = None,
) -> None:
    """Run a library's ``add_*_to_server(servicer, s)`` as ``register(s)``, with safe decoding.

    ``wrap`` is put around each handler once, as ``api/edge.py`` does for ours.
    """
    recorder = _Recorder()
    register(recorder)
    for name, handlers in recorder.services:
        safe = {m: _wrap(f"/{name}/{m}", h) for m, h in handlers.items()}
        if wrap is not None:
            safe = {m: wrap(f"/{name}/{m}", h) for m, h in safe.items()}
        server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(name, safe),))
        server.add_registered_method_handlers(name, safe)
