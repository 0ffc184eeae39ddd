"""Stream messages serialized once, and batches assembled from those bytes.

A fill stream sends the same event to every consumer. grpc serializes each
yielded message per call, so N consumers paid N serializations of one event;
instead StreamFills yields bytes (its serializer passes bytes through, see
``api/edge.py``), each event is serialized once, and a batch is built by
concatenating the events' bytes under the ``EventBatch`` framing: protobuf
defines an embedded message field as ``tag, length, bytes``, so a batch is
exactly what ``StreamFillsResponse(batch=EventBatch(events=[...]))`` would
serialize to (a test parses it back with the generated class).
"""

from __future__ import annotations

from collections.abc import Iterable

from fillgate.v1 import execution_service_pb2 as svc_pb

_LENGTH_DELIMITED = 2


def varint(n: int) -> bytes:
    """The protobuf base-128 varint of a non-negative integer."""
    out = bytearray()
    while n > 0x7F:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def _tag(number: int) -> bytes:
    return varint(number << 3 | _LENGTH_DELIMITED)


_BATCH = _tag(svc_pb.StreamFillsResponse.DESCRIPTOR.fields_by_name["batch"].number)
_EVENT = _tag(svc_pb.EventBatch.DESCRIPTOR.fields_by_name["events"].number)


def batch(events: Iterable[bytes]) -> bytes:
    """Return the serialized ``StreamFillsResponse`` whose ``batch`` holds ``events``.

    Each item is a serialized single-event ``StreamFillsResponse``.
    """
    body = b"".join(_EVENT + varint(len(e)) + e for e in events)
    return _BATCH + varint(len(body)) + body


def serializer_passing_bytes(serialize: object) -> object:
    """Wrap a message serializer so that a handler may also yield ready bytes."""

    def serialize_or_pass(message: object) -> bytes:
        if type(message) is bytes:
            return message
        return serialize(message)  # type: ignore[operator, no-any-return]

    return serialize_or_pass
