"""Counters and histograms written only on the event loop, rendered by prometheus_client.

prometheus_client's own ``Counter`` and ``Histogram`` are thread-safe: every
``inc`` takes a mutex, and a histogram observation takes two (the sum and its
bucket) after a linear walk over the buckets. Measured on the order path here,
that was about 6.5 us per engine event (three per market order) plus the
gRPC, venue and journal observations: 1.05-1.11x on SubmitOrder's p50.

Every metric fillgate exports is written from the event loop (the single
writer of everything else too), and ``/metrics`` is served from the same loop
(``metrics/exporter.py``), so no lock is needed: a child here is a plain
number (or a list of bucket counts found by bisection), and the registry
reads them through prometheus_client's documented custom-collector API
(``CounterMetricFamily``, ``HistogramMetricFamily``), so the exposition
format, names, labels and ``_total``/``_bucket``/``_sum``/``_count`` suffixes
are the library's. Not safe to write from another thread: don't.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterator, Sequence
from typing import Any, cast

from prometheus_client import CollectorRegistry
from prometheus_client.metrics_core import CounterMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector
from prometheus_client.samples import Sample
from prometheus_client.utils import floatToGoString

#: The library's rendering of a bucket bound ("0.0001", "1.0"), as its Histogram writes it.
_le = cast(Callable[[float], str], floatToGoString)

Labels = tuple[str, ...]


class CounterChild:
    """One label set's count."""

    __slots__ = ("value",)

    def __init__(self) -> None:
        self.value = 0.0

    def inc(self, amount: float = 1) -> None:
        if amount < 0:
            raise ValueError("counters only go up")
        self.value += amount


class HistogramChild:
    """One label set's bucket counts (not cumulative: summed at scrape) and sum."""

    __slots__ = ("bounds", "counts", "total")

    def __init__(self, bounds: tuple[float, ...]) -> None:
        self.bounds = bounds
        self.counts = [0] * (len(bounds) + 1)  # the last one is +Inf
        self.total = 0.0

    def observe(self, value: float) -> None:
        # bounds[i] is the bucket's upper bound "le": the first bound >= value.
        self.counts[bisect_left(self.bounds, value)] += 1
        self.total += value


class _Family(Collector):
    """A metric with label names; ``labels(*values)`` gives (and keeps) one child."""

    def __init__(
        self, name: str, documentation: str, labelnames: Sequence[str], registry: CollectorRegistry
    ) -> None:
        self.name = name
        self.documentation = documentation
        self.labelnames = tuple(labelnames)
        self._children: dict[Labels, Any] = {}
        self._single = self._new() if not self.labelnames else None
        registry.register(self)

    def _new(self) -> Any:
        raise NotImplementedError

    def labels(self, *values: str) -> Any:
        if len(values) != len(self.labelnames):
            raise ValueError(f"{self.name}: {len(self.labelnames)} label values expected")
        key = tuple(str(v) for v in values)
        child = self._children.get(key)
        if child is None:
            child = self._children[key] = self._new()
        return child

    def _series(self) -> Iterator[tuple[Labels, Any]]:
        if self._single is not None:
            yield (), self._single
        yield from list(self._children.items())

    def describe(self) -> list[Metric]:
        return [self._family()]

    def _family(self) -> Any:
        raise NotImplementedError

    def collect(self) -> list[Metric]:
        raise NotImplementedError


class LoopCounter(_Family):
    """A counter (exported as ``<name>_total``)."""

    def _new(self) -> CounterChild:
        return CounterChild()

    def inc(self, amount: float = 1) -> None:
        assert self._single is not None, f"{self.name} has labels: use labels(...)"
        self._single.inc(amount)

    def _family(self) -> CounterMetricFamily:
        return CounterMetricFamily(self.name, self.documentation, labels=self.labelnames)

    def collect(self) -> list[Metric]:
        family = self._family()
        for labels, child in self._series():
            family.add_metric(labels, child.value)
        return [family]


class LoopHistogram(_Family):
    """A histogram with fixed ``buckets`` (upper bounds, ascending; +Inf is added)."""

    def __init__(
        self,
        name: str,
        documentation: str,
        labelnames: Sequence[str] = (),
        *,
        buckets: Sequence[float],
        registry: CollectorRegistry,
    ) -> None:
        self.bounds = tuple(float(b) for b in buckets)
        if list(self.bounds) != sorted(set(self.bounds)):
            raise ValueError(f"{name}: buckets must be strictly ascending")
        self._le = [_le(b) for b in self.bounds] + ["+Inf"]
        super().__init__(name, documentation, labelnames, registry)

    def _new(self) -> HistogramChild:
        return HistogramChild(self.bounds)

    def observe(self, value: float) -> None:
        assert self._single is not None, f"{self.name} has labels: use labels(...)"
        self._single.observe(value)

    def _family(self) -> HistogramMetricFamily:
        return HistogramMetricFamily(self.name, self.documentation, labels=self.labelnames)

    def collect(self) -> list[Metric]:
        family = self._family()
        for labels, child in self._series():
            cumulative, running = [], 0
            for le, count in zip(self._le, child.counts, strict=True):
                running += count
                cumulative.append((le, float(running)))
            family.add_metric(labels, cumulative, child.total)
            if self.bounds and self.bounds[0] < 0:
                # With a negative bucket (a sum that can go down) HistogramMetricFamily
                # leaves out _count and _sum; prometheus_client's Histogram still exports
                # _count, and so do we.
                named = dict(zip(self.labelnames, labels, strict=True))
                family.samples.append(Sample(f"{self.name}_count", named, float(running)))
        return [family]
