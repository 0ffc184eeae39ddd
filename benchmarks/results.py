"""What a run measured: rows of latency series per scenario, and the rate sweep."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from hdrh.histogram import HdrHistogram

from benchmarks import hist
from benchmarks.harness import Series

MEASURED = "measured"
BASELINE = "baseline"
DIAGNOSTIC = "diagnostic"


@dataclass(slots=True, kw_only=True)
class Row:
    """One latency series as reported: a scenario, a baseline, or a diagnostic."""

    slug: str  # file name stem, e.g. "s1-submit-ack"
    name: str
    role: str
    rate: float
    latency: HdrHistogram
    lag: HdrHistogram | None
    sent: int
    ok: int
    errors: Counter[str] = field(default_factory=Counter)
    baseline: str = ""  # slug of the row it is compared with
    pacing: str = ""  # why pacing was off, "" when it was fine

    @classmethod
    def of(cls, series: Series, *, slug: str, name: str, role: str, baseline: str = "") -> Row:
        return cls(
            slug=slug,
            name=name,
            role=role,
            rate=series.rate,
            latency=series.latency,
            lag=series.lag,
            sent=series.sent,
            ok=series.ok,
            errors=Counter(series.errors),
            baseline=baseline,
            pacing=series.pacing_problem(),
        )

    @property
    def summary(self) -> hist.Summary:
        return hist.Summary.of(self.latency)

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())


@dataclass(slots=True, kw_only=True)
class Scenario:
    key: str
    title: str
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    attempts: int = 1

    def row(self, slug: str) -> Row:
        return next(r for r in self.rows if r.slug == slug)

    @property
    def headline(self) -> tuple[Row, Row]:
        """The scenario's main series (its first row) and the baseline it is judged against."""
        first = self.rows[0]
        return first, self.row(first.baseline)

    def pacing_problems(self) -> list[str]:
        return [f"{r.name}: {r.pacing}" for r in self.rows if r.pacing]

    def error_rows(self) -> list[Row]:
        return [r for r in self.rows if r.error_count]


@dataclass(frozen=True, slots=True, kw_only=True)
class Step:
    """One rate of the sweep for one RPC."""

    kind: str
    rate: float
    summary: hist.Summary
    sent: int
    ok: int
    errors: dict[str, int]
    pacing: str
    passed: bool


@dataclass(slots=True, kw_only=True)
class Sweep:
    budget_ms: float
    steps: list[Step] = field(default_factory=list)
    knees: dict[str, float] = field(default_factory=dict)  # 0: no rate passed
