"""The client's VenueDrift stream event: conversion, `fillgate fills` text and JSON."""

from __future__ import annotations

import io
import json
from types import SimpleNamespace
from typing import Any

from fillgate.v1 import venue_pb2
from fillgate_client import DriftKind, VenueDrift, _convert, _output, cli


def test_venue_drift_from_proto_kind_typed_values_kept_as_strings(pb: SimpleNamespace) -> None:
    drift = _convert.venue_drift_from_proto(pb.venue_drift())

    assert isinstance(drift, VenueDrift)
    assert (drift.kind, drift.ours, drift.venue) == (DriftKind.POSITION, "1.50", "1.25")
    assert drift.detected_time == pb.T2


def test_venue_drift_from_proto_unknown_kind_number_maps_to_unspecified() -> None:
    drift = _convert.venue_drift_from_proto(venue_pb2.VenueDrift(sequence=1, kind=99))

    assert drift.kind is DriftKind.UNSPECIFIED
    assert drift.detected_time is None


def test_drift_kind_members_mirror_the_proto_enum() -> None:
    numbers = {
        name.removeprefix("DRIFT_KIND_"): number for name, number in venue_pb2.DriftKind.items()
    }
    assert numbers == {k.name: k.value for k in DriftKind}


def test_venue_drift_event_line_names_kind_account_symbol_and_values(pb: SimpleNamespace) -> None:
    line = _output.event_line(_convert.venue_drift_from_proto(pb.venue_drift()))

    assert line.split()[0] == "11"
    assert (
        "VENUE DRIFT position paper BTC-USD (ours 1.50, venue 1.25): "
        "position differs from the venue" in line
    )


def test_venue_drift_event_line_account_wide_without_values_omits_them() -> None:
    message = venue_pb2.VenueDrift(
        sequence=4,
        account="paper",
        kind=venue_pb2.DRIFT_KIND_RECONCILE_FAILED,
        message="cannot reconcile: timeout",
    )
    line = _output.event_line(_convert.venue_drift_from_proto(message))

    assert line.endswith("VENUE DRIFT reconcile-failed paper: cannot reconcile: timeout")


def test_venue_drift_event_json_is_tagged_with_kind_by_name(pb: SimpleNamespace) -> None:
    doc = json.loads(_output.event_json(_convert.venue_drift_from_proto(pb.venue_drift())))

    assert (doc["event"], doc["kind"], doc["ours"], doc["venue"]) == (
        "venue_drift",
        "POSITION",
        "1.50",
        "1.25",
    )
    assert doc["detected_time"].startswith("2024-05-01T12:00:01.5")


class StreamClient:
    """Replays stream events to ``fillgate fills``."""

    def __init__(self, events: list[Any]) -> None:
        self.events = events

    def stream_fills(self, *args: Any, **kwargs: Any) -> Any:
        yield from self.events


def _follow(pb: SimpleNamespace, *flags: str) -> list[str]:
    events = [
        _convert.subscription_ack_from_proto(pb.ack(0, 1)),
        _convert.execution_report_from_proto(pb.report(8)),
        _convert.venue_drift_from_proto(pb.venue_drift(11)),
    ]
    out = io.StringIO()
    args = cli.build_parser().parse_args(["fills", "--follow", *flags])
    assert cli._fills(StreamClient(events), args, out) == 0  # type: ignore[arg-type]
    return out.getvalue().splitlines()


def test_fills_follow_venue_drift_printed_as_a_line(pb: SimpleNamespace) -> None:
    lines = _follow(pb)

    assert [line.split()[0] for line in lines] == ["8", "11"]
    assert "VENUE DRIFT position paper BTC-USD" in lines[1]


def test_fills_follow_json_venue_drift_printed_as_tagged_object(pb: SimpleNamespace) -> None:
    docs = [json.loads(line) for line in _follow(pb, "--json")]

    assert [d["event"] for d in docs] == ["subscribed", "execution_report", "venue_drift"]
    assert docs[2]["sequence"] == 11


def test_alert_event_line_names_kind_where_and_message(pb: SimpleNamespace) -> None:
    line = _output.event_line(_convert.alert_from_proto(pb.alert()))
    assert "ALERT slippage paper BTC-USD: filled 80 bps worse than arrival" in line
