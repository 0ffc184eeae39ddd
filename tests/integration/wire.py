"""Raw gRPC for edge tests: any bytes to any RPC, and the answer's code and rich status.

The RPCs come from the service descriptors the server registers, so a new RPC
is covered by every test that iterates :func:`methods`.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import grpc
from google.protobuf import descriptor_pool
from google.protobuf.descriptor import MethodDescriptor
from google.rpc import error_details_pb2, status_pb2

from fillgate.app import SERVICE_NAMES

DETAILS_KEY = "grpc-status-details-bin"
#: Let the client read trailers of any size, so an oversized error shows as itself.
CHANNEL_OPTIONS = [
    ("grpc.max_metadata_size", 1 << 20),
    ("grpc.absolute_max_metadata_size", 1 << 20),
]


def methods() -> list[MethodDescriptor]:
    """Every RPC of every fillgate service, in a stable order."""
    pool = descriptor_pool.Default()
    return [m for name in SERVICE_NAMES for m in pool.FindServiceByName(name).methods]


def path(method: MethodDescriptor) -> str:
    return f"/{method.containing_service.full_name}/{method.name}"


@dataclass
class Answer:
    """What a call came back with (a stream that opened counts as OK)."""

    code: grpc.StatusCode
    details: str = ""
    trailers: list[tuple[str, str | bytes]] = field(default_factory=list)

    @property
    def status(self) -> status_pb2.Status | None:
        for key, value in self.trailers:
            if key == DETAILS_KEY and isinstance(value, bytes):
                return status_pb2.Status.FromString(value)
        return None

    def _detail(self, kind: type) -> object | None:
        status = self.status
        for packed in status.details if status is not None else ():
            if packed.Is(kind.DESCRIPTOR):
                out = kind()
                packed.Unpack(out)
                return out
        return None

    @property
    def error_info(self) -> error_details_pb2.ErrorInfo | None:
        return self._detail(error_details_pb2.ErrorInfo)  # type: ignore[return-value]

    @property
    def field_violations(self) -> list[tuple[str, str]]:
        bad = self._detail(error_details_pb2.BadRequest)
        return [(v.field, v.description) for v in bad.field_violations] if bad else []  # type: ignore[attr-defined]

    @property
    def trailer_bytes(self) -> int:
        """Bytes of trailers on the wire, roughly: every key and value, and the message."""
        size = len(self.details.encode()) + len("grpc-status") + len("grpc-message") + 4
        for key, value in self.trailers:
            size += len(key) + (len(value) * 4 // 3 if isinstance(value, bytes) else len(value))
        return size


async def call(
    channel: grpc.aio.Channel,
    method: MethodDescriptor,
    body: bytes,
    timeout: float = 10,
    metadata: tuple[tuple[str, str], ...] | None = None,
) -> Answer:
    """Send ``body`` as the request of ``method``; a stream is closed after its first message."""
    try:
        if method.server_streaming:
            stream = channel.unary_stream(path(method))(body, timeout=timeout, metadata=metadata)
            try:
                async with asyncio.timeout(timeout):
                    await stream.read()
            finally:
                stream.cancel()
            return Answer(grpc.StatusCode.OK)
        await channel.unary_unary(path(method))(body, timeout=timeout, metadata=metadata)
        return Answer(grpc.StatusCode.OK)
    except grpc.aio.AioRpcError as exc:
        return Answer(exc.code(), exc.details() or "", list(exc.trailing_metadata() or ()))
