"""go-grpc-prometheus server metrics, put around each handler once at registration.

Not a gRPC interceptor: an aio interceptor runs its chain on every call, this
wrapper is built once per method (``api/edge.py`` and ``api/library.py`` call
``wrap(path, handler)``), with that method's metric children resolved up front,
so a call pays a few counter increments and one histogram observation.

The admission control's queue-delay probe (``api/admission.py``) is a
SubmitOrder refused at the edge that the server sends itself every 20 ms: its
calls carry :data:`PROBE_METADATA` and are not counted (only a call whose body
the edge refused is checked for it, so real orders pay nothing for the check).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import grpc

from fillgate.metrics.registry import Metrics

#: The metadata the admission probe sends, by which its calls are left out.
PROBE_METADATA = ("fillgate-probe", "1")

# context.code() gives the StatusCode set with set_code, or the integer of an abort.
_CODES: dict[object, str] = {code.value[0]: code.name for code in grpc.StatusCode}
_CODES.update({code: code.name for code in grpc.StatusCode})

Handler = Callable[[Any, Any], Awaitable[Any]]


def code_name(context: Any) -> str:
    """The status code a handler set on its context, by name ("OK" when none was set)."""
    code = context.code()
    if code is None:
        return "OK"
    name: str = _CODES.get(code, "UNKNOWN")
    return name


def _is_probe(request: Any, context: Any, refused: type) -> bool:
    if type(request) is not refused:
        return False
    return PROBE_METADATA in tuple(context.invocation_metadata() or ())


class _Method:
    """One method's metric children, resolved once."""

    __slots__ = ("handled", "labels", "metrics", "received", "seconds", "sent", "started")

    def __init__(self, metrics: Metrics, grpc_type: str, path: str) -> None:
        _, service, method = path.split("/")
        self.metrics = metrics
        self.labels = (grpc_type, service, method)
        self.started = metrics.grpc_started.labels(*self.labels)
        self.received = metrics.grpc_received.labels(*self.labels)
        self.sent = metrics.grpc_sent.labels(*self.labels)
        self.seconds = metrics.grpc_seconds.labels(*self.labels)
        self.handled: dict[str, Any] = {}

    def done(self, code: str, elapsed: float) -> None:
        child = self.handled.get(code)
        if child is None:
            child = self.handled[code] = self.metrics.grpc_handled.labels(*self.labels, code)
        child.inc()
        self.seconds.observe(elapsed)


class GrpcMetrics:
    """Builds the wrappers; ``refused`` is the type the edge decodes a refused body to."""

    def __init__(self, metrics: Metrics, refused: type) -> None:
        self._metrics = metrics
        self._refused = refused

    def wrap(self, path: str, handler: grpc.RpcMethodHandler) -> grpc.RpcMethodHandler:
        """Put the metrics around ``handler`` of ``path`` (``/package.Service/Method``)."""
        if handler.unary_unary is not None:
            method = _Method(self._metrics, "unary", path)
            return handler._replace(unary_unary=self._unary(method, handler.unary_unary))
        if handler.unary_stream is not None:
            method = _Method(self._metrics, "server_stream", path)
            return handler._replace(unary_stream=self._stream(method, handler.unary_stream))
        return handler  # client and bidi streams: none are served (api/edge.py refuses them)

    def _unary(self, method: _Method, behavior: Handler) -> Handler:
        refused = self._refused
        started, received, sent = method.started, method.received, method.sent
        now = time.perf_counter

        async def unary(request: Any, context: Any) -> Any:
            if _is_probe(request, context, refused):
                return await behavior(request, context)
            start = now()
            started.inc()
            received.inc()
            try:
                response = await behavior(request, context)
            except grpc.aio.AbortError:
                method.done(code_name(context), now() - start)
                raise
            except BaseException:
                method.done("UNKNOWN", now() - start)
                raise
            code = code_name(context)
            if response is not None and code == "OK":
                sent.inc()
            method.done(code, now() - start)
            return response

        return unary

    def _stream(self, method: _Method, behavior: Callable[[Any, Any], Any]) -> Any:
        started, received, sent = method.started, method.received, method.sent
        now = time.perf_counter

        async def unary_stream(request: Any, context: Any) -> AsyncIterator[Any]:
            start = now()
            started.inc()
            received.inc()
            code = "OK"
            try:
                result = behavior(request, context)
                if hasattr(result, "__aiter__"):
                    async for item in result:
                        sent.inc()
                        yield item
                else:  # a coroutine writing with context.write(): its messages are not seen
                    await result
            except grpc.aio.AbortError:
                code = code_name(context)
                raise
            except (GeneratorExit, asyncio.CancelledError):
                code = "CANCELLED"
                raise
            except BaseException:
                code = "UNKNOWN"
                raise
            else:
                code = code_name(context)
            finally:
                method.done(code, now() - start)

        return unary_stream
