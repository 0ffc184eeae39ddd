"""The loop-owned metrics render exactly what prometheus_client's own classes would."""

from __future__ import annotations

import pytest
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from fillgate.metrics.loop_metrics import LoopCounter, LoopHistogram
from fillgate.metrics.registry import LATENCY_BUCKETS, SLIPPAGE_BUCKETS

VALUES = (-250.0, -100.0, -3.5, 0.0, 0.00025, 0.0003, 0.7, 1.0, 9.99, 10.0, 12.0, 1e6)


def samples(registry: CollectorRegistry) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    text = generate_latest(registry).decode()
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
        if not s.name.endswith("_created")
    }


@pytest.mark.parametrize(
    "buckets", [LATENCY_BUCKETS, SLIPPAGE_BUCKETS], ids=["latency", "slippage"]
)
def test_loop_histogram_same_observations_renders_as_prometheus_histogram(buckets) -> None:  # type: ignore[no-untyped-def]
    ours, theirs = CollectorRegistry(), CollectorRegistry()
    mine = LoopHistogram("h_seconds", "doc", ("venue",), buckets=buckets, registry=ours)
    ref = Histogram("h_seconds", "doc", ("venue",), buckets=buckets, registry=theirs)
    for value in VALUES:
        mine.labels("paper").observe(value)
        ref.labels("paper").observe(value)

    assert samples(ours) == samples(theirs)


def test_loop_histogram_without_labels_renders_zeros_before_any_observation() -> None:
    ours, theirs = CollectorRegistry(), CollectorRegistry()
    LoopHistogram("b_records", "doc", buckets=(1, 2, 4), registry=ours)
    Histogram("b_records", "doc", buckets=(1, 2, 4), registry=theirs)

    assert samples(ours) == samples(theirs)


def test_loop_counter_increments_render_as_prometheus_counter_total() -> None:
    ours, theirs = CollectorRegistry(), CollectorRegistry()
    mine = LoopCounter("c", "doc", ("code",), registry=ours)
    ref = Counter("c", "doc", ("code",), registry=theirs)
    for code, amount in (("OK", 1), ("OK", 2.5), ("NOT_FOUND", 1)):
        mine.labels(code).inc(amount)
        ref.labels(code).inc(amount)

    assert samples(ours) == samples(theirs)


def test_loop_counter_negative_increment_raises_and_keeps_value() -> None:
    registry = CollectorRegistry()
    counter = LoopCounter("c", "doc", (), registry=registry)
    counter.inc(2)

    with pytest.raises(ValueError, match="only go up"):
        counter.inc(-1)

    assert samples(registry)[("c_total", ())] == 2


def test_loop_metric_wrong_label_count_raises_value_error() -> None:
    counter = LoopCounter("c", "doc", ("a", "b"), registry=CollectorRegistry())

    with pytest.raises(ValueError, match="2 label values"):
        counter.labels("only-one")


def test_loop_metric_same_name_twice_in_one_registry_refused() -> None:
    registry = CollectorRegistry()
    LoopCounter("c", "doc", (), registry=registry)

    with pytest.raises(ValueError, match="Duplicated"):
        LoopCounter("c", "doc", (), registry=registry)
