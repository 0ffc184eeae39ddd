"""Stream payload -> StreamFillsResponse conversion in ``api.convert``."""

from __future__ import annotations

from decimal import Decimal

import pytest

from fillgate.api import convert
from fillgate.domain import events as ev
from fillgate.streams.bus import BusEvent
from fillgate.v1 import venue_pb2

TS = 1_714_564_801_500_000_123


def drift(kind: str = "position", symbol: str = "XYZ") -> ev.VenueDrift:
    return ev.VenueDrift(
        account="acct-a",
        symbol=symbol,
        kind=kind,
        ours="1.50",
        venue="1.25",
        message="position differs",
        ts_ns=TS,
    )


def test_stream_message_venue_drift_payload_returns_venue_drift_with_every_field() -> None:
    message = convert.stream_message(BusEvent(7, "acct-a", "XYZ", drift()))

    assert message.WhichOneof("event") == "venue_drift"
    assert message.venue_drift == venue_pb2.VenueDrift(
        sequence=7,
        account="acct-a",
        symbol="XYZ",
        kind=venue_pb2.DRIFT_KIND_POSITION,
        ours="1.50",
        venue="1.25",
        message="position differs",
        detected_time=convert.timestamp(TS),
    )
    assert message.venue_drift.detected_time.ToNanoseconds() == TS


@pytest.mark.parametrize(
    ("kind", "number"),
    [
        ("position", venue_pb2.DRIFT_KIND_POSITION),
        ("unknown_order", venue_pb2.DRIFT_KIND_UNKNOWN_ORDER),
        ("reconcile_failed", venue_pb2.DRIFT_KIND_RECONCILE_FAILED),
        ("reconciled", venue_pb2.DRIFT_KIND_RECONCILED),
        ("something_new", venue_pb2.DRIFT_KIND_UNSPECIFIED),
    ],
)
def test_venue_drift_each_domain_kind_maps_to_its_proto_kind(kind: str, number: int) -> None:
    assert convert.venue_drift(BusEvent(1, "acct-a", "", drift(kind, ""))).kind == number


def test_stream_message_unknown_payload_raises_type_error() -> None:
    moved = ev.ReferencePriceMoved(symbol="XYZ", price=Decimal(1), ts_ns=1)
    with pytest.raises(TypeError, match="ReferencePriceMoved"):
        convert.stream_message(BusEvent(1, "", "XYZ", moved))
