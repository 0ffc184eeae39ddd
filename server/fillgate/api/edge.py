"""The edge: register the servicers with a request decoder that never raises.

grpc.aio runs the request deserializer before the handler, outside anything
that could translate an error: a ``DecodeError`` there (a body that is not
protobuf, a string field that is not UTF-8) became ``UNKNOWN`` and a logged
traceback per request. Here the decoder turns such a body, and a request over
the contract's size limits (``api/limits.py``), into a :class:`Refused` value;
the handler's wrapper (``api/errors.py``) answers it INVALID_ARGUMENT with a
BadRequest. Malformed bodies are logged as one short line, at most once per
:data:`LOG_INTERVAL_S` with a count of the ones not logged.

Handlers are built from the service descriptors, so a new RPC is registered
(and refused like every other) without touching this module; registration
fails at start-up if a handler is not wrapped by ``translated``,
``translated_stream`` or ``stateless``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from typing import Any, Protocol

import grpc
from google.protobuf import message_factory
from google.protobuf.descriptor import Descriptor, ServiceDescriptor
from google.protobuf.message import Message

from fillgate.api import limits, wire
from fillgate.api.errors import Refused
from fillgate.domain.errors import InvalidArgument

log = logging.getLogger("fillgate.api")

LOG_INTERVAL_S = 10.0


class Servicer(Protocol):
    """A servicer names the service it implements."""

    service: ServiceDescriptor


class LogThrottle:
    """Allow one log line per interval; count what it held back."""

    def __init__(self, interval_s: float, now: Callable[[], float] = time.monotonic) -> None:
        self._interval = interval_s
        self._now = now
        self._next = 0.0
        self.suppressed = 0

    def allow(self) -> bool:
        now = self._now()
        if now < self._next:
            self.suppressed += 1
            return False
        self._next = now + self._interval
        return True


def _malformed(method: str, size: int, error: Exception, throttle: LogThrottle) -> Refused:
    if throttle.allow():
        log.warning(
            "event=malformed_request method=%s bytes=%d error=%s suppressed=%d",
            method,
            size,
            type(error).__name__,
            throttle.suppressed,
        )
        throttle.suppressed = 0
    return Refused(
        InvalidArgument(
            [("request", "is not a valid protobuf message of this RPC (or has non-UTF-8 text)")],
            "MALFORMED_REQUEST",
            {"method": method},
        )
    )


def decoder(method: str, request_type: Descriptor, throttle: LogThrottle) -> Callable[[bytes], Any]:
    """Return a deserializer: the request, or a :class:`Refused` naming what is wrong."""
    parse = message_factory.GetMessageClass(request_type).FromString
    checks = limits.plan(request_type)

    def decode(data: bytes) -> Message | Refused:
        try:
            request = parse(data)
        except Exception as exc:  # anything raised here would answer UNKNOWN
            return _malformed(method, len(data), exc, throttle)
        bad = limits.violations(request, checks)
        if bad:
            fields = ",".join(dict.fromkeys(f.split("[")[0] for f, _ in bad))
            return Refused(InvalidArgument(bad, "FIELD_OVER_LIMIT", {"fields": fields}))
        return request

    return decode


Wrap = Callable[[str, grpc.RpcMethodHandler], grpc.RpcMethodHandler]


def add_services(
    server: grpc.aio.Server, servicers: Iterable[Servicer], wrap: Wrap | None = None
) -> None:
    """Register every RPC of each servicer's service with the refusing decoder.

    ``wrap(method_path, handler)`` may put something around each handler once,
    here, instead of an interceptor on every call (admission control does).
    """
    throttle = LogThrottle(LOG_INTERVAL_S)  # one per server: its log of malformed requests
    for servicer in servicers:
        service = servicer.service
        handlers: dict[str, grpc.RpcMethodHandler] = {}
        for method in service.methods:
            behavior = getattr(servicer, method.name)
            if not getattr(behavior, "translates_errors", False):
                raise TypeError(f"{service.name}.{method.name} does not translate errors")
            if method.client_streaming:
                raise TypeError(f"{service.name}.{method.name}: client streams are not served")
            make = (
                grpc.unary_stream_rpc_method_handler
                if method.server_streaming
                else grpc.unary_unary_rpc_method_handler
            )
            serialize = message_factory.GetMessageClass(method.output_type).SerializeToString
            if method.server_streaming:  # a stream may yield bytes serialized once for all
                serialize = wire.serializer_passing_bytes(serialize)
            handler = make(
                behavior,
                request_deserializer=decoder(method.full_name, method.input_type, throttle),
                response_serializer=serialize,
            )
            path = f"/{service.full_name}/{method.name}"
            handlers[method.name] = handler if wrap is None else wrap(path, handler)
        server.add_generic_rpc_handlers(
            (grpc.method_handlers_generic_handler(service.full_name, handlers),)
        )
        server.add_registered_method_handlers(service.full_name, handlers)
