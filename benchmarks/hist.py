"""HDR histogram helpers: nanosecond histograms, merging, summaries, .hgrm files.

Samples are kept in ``array('q')`` during the timed section (``record_value``
is pure Python, ~1.6 µs) and recorded into a histogram afterwards. Histograms
travel between processes as ``encode()`` bytes and are merged with
``decode_and_add``.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass

from hdrh.histogram import HdrHistogram

LOWEST_NS = 1
HIGHEST_NS = 60 * 10**9
SIGNIFICANT_DIGITS = 3
PERCENTILES = (50.0, 90.0, 99.0, 99.9)


def new() -> HdrHistogram:
    return HdrHistogram(LOWEST_NS, HIGHEST_NS, SIGNIFICANT_DIGITS)


def from_samples(samples: Iterable[int]) -> HdrHistogram:
    """Record samples (clamped into the trackable range) into a new histogram."""
    h = new()
    for s in samples:
        h.record_value(min(max(s, LOWEST_NS), HIGHEST_NS))
    return h


def encode(h: HdrHistogram) -> bytes:
    return bytes(h.encode()) if h.get_total_count() else b""


def merge(encoded: Iterable[bytes]) -> HdrHistogram:
    """One histogram from many encoded ones (empty encodings are skipped)."""
    h = new()
    for blob in encoded:
        if blob:
            h.decode_and_add(blob)
    return h


@dataclass(frozen=True, slots=True)
class Summary:
    """Percentiles of one latency series, in nanoseconds."""

    count: int
    p50: int
    p90: int
    p99: int
    p999: int
    max: int

    @classmethod
    def of(cls, h: HdrHistogram) -> Summary:
        if h.get_total_count() == 0:
            return cls(0, 0, 0, 0, 0, 0)
        p50, p90, p99, p999 = (h.get_value_at_percentile(p) for p in PERCENTILES)
        return cls(h.get_total_count(), p50, p90, p99, p999, h.get_max_value())

    def cells(self) -> tuple[int, int, int, int, int]:
        return (self.p50, self.p90, self.p99, self.p999, self.max)


def hgrm(h: HdrHistogram) -> str:
    """The percentile distribution in the classic .hgrm text format, in microseconds."""
    out = io.BytesIO()
    h.output_percentile_distribution(out, 1000.0)
    return out.getvalue().decode()


def percentile_curve(h: HdrHistogram, points_per_decade: int = 20) -> list[tuple[float, int]]:
    """(percentile, value) pairs from 0 to the max, spaced evenly on a log(1/(1-p)) axis."""
    if h.get_total_count() == 0:
        return []
    curve: list[tuple[float, int]] = []
    total = h.get_total_count()
    k = 0
    while True:
        p = 100.0 * (1.0 - 10 ** (-k / points_per_decade))
        if (100.0 - p) * total < 100.0:  # beyond the last sample: finish with the max
            break
        curve.append((p, h.get_value_at_percentile(p)))
        k += 1
    curve.append((100.0 * (1.0 - 1.0 / total), h.get_max_value()))
    return curve
