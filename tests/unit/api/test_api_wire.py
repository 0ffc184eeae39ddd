"""api.wire: stream batches assembled from bytes serialized once."""

from __future__ import annotations

import pytest

from fillgate.api import wire
from fillgate.v1 import execution_pb2 as exec_pb
from fillgate.v1 import execution_service_pb2 as svc_pb


def event(sequence: int, note: str = "") -> svc_pb.StreamFillsResponse:
    return svc_pb.StreamFillsResponse(
        execution_report=exec_pb.ExecutionReport(sequence=sequence, exec_id=f"e{sequence}{note}")
    )


@pytest.mark.parametrize("n", [0, 1, 127, 128, 300, 16383, 16384, 2**31])
def test_varint_equals_protobuf_encoding_of_a_uint64_field(n: int) -> None:
    serialized = svc_pb.Heartbeat(head_sequence=n).SerializeToString()
    expected = serialized[1:] if n else b""  # field 1 varint: tag byte 0x08, then the varint
    assert (wire.varint(n) if n else b"") == expected


def test_batch_bytes_parse_as_a_batch_holding_each_event_in_order() -> None:
    events = [event(1), event(2, "x" * 200), event(3)]
    parsed = svc_pb.StreamFillsResponse.FromString(
        wire.batch(e.SerializeToString() for e in events)
    )
    assert parsed.WhichOneof("event") == "batch"
    assert list(parsed.batch.events) == events


def test_batch_bytes_equal_the_generated_serialization() -> None:
    events = [event(i, "y" * i) for i in range(1, 40)]
    expected = svc_pb.StreamFillsResponse(batch=svc_pb.EventBatch(events=events))
    assert wire.batch(e.SerializeToString() for e in events) == expected.SerializeToString()


def test_serializer_passing_bytes_passes_bytes_and_serializes_messages() -> None:
    serialize = wire.serializer_passing_bytes(svc_pb.StreamFillsResponse.SerializeToString)
    message = event(7)
    assert serialize(b"ready") == b"ready"  # type: ignore[operator]
    assert serialize(message) == message.SerializeToString()  # type: ignore[operator]
