"""The orchestrator's side: generator and consumer processes, rounds, merged series.

Generators and consumers are started with ``spawn`` (never ``fork`` once gRPC
objects may exist) and live for the whole run; each round is sent to every
generator with a common start time a little in the future, and their replies
are merged into one histogram per series.
"""

from __future__ import annotations

import multiprocessing
import queue
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from hdrh.histogram import HdrHistogram

from benchmarks import consumers, generator, hist, plan
from benchmarks.pacing import now_ns
from benchmarks.progress import Progress

START_DELAY_NS = 300_000_000  # generators are idle and connected: 0.3 s is plenty

#: Pacing is valid when the generator's send lag is small against what it measures:
#: lag p50 at most 10 % of latency p50 and lag p99 at most 25 % of latency p99
#: (lags below the floor always pass: they are under the clock's noise here).
LAG_P50_SHARE = 0.10
LAG_P99_SHARE = 0.25
LAG_FLOOR_NS = 50_000


@dataclass(slots=True)
class Series:
    """One latency series merged over generator processes."""

    label: str
    rate: float
    latency: HdrHistogram = field(default_factory=hist.new)
    service: HdrHistogram = field(default_factory=hist.new)
    lag: HdrHistogram = field(default_factory=hist.new)
    sent: int = 0
    ok: int = 0
    errors: Counter[str] = field(default_factory=Counter)

    @property
    def summary(self) -> hist.Summary:
        return hist.Summary.of(self.latency)

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())

    def pacing_problem(self) -> str:
        """Why this series' pacing was off, or "" when the generator kept its schedule."""
        if self.lag.get_total_count() == 0:
            return ""
        lag, lat = hist.Summary.of(self.lag), self.summary
        if lag.p50 > max(LAG_FLOOR_NS, LAG_P50_SHARE * lat.p50):
            return f"send lag p50 {lag.p50 / 1e3:.0f} µs > 10 % of latency p50"
        if lag.p99 > max(LAG_FLOOR_NS, LAG_P99_SHARE * lat.p99):
            return f"send lag p99 {lag.p99 / 1e3:.0f} µs > 25 % of latency p99"
        return ""

    def add(self, part: plan.SeriesPart) -> None:
        for h, blob in ((self.latency, part.latency), (self.service, part.service)):
            if blob:
                h.decode_and_add(blob)
        if part.lag:
            self.lag.decode_and_add(part.lag)
        self.sent += part.sent
        self.ok += part.ok
        self.errors.update(part.errors)


class HarnessError(RuntimeError):
    """A generator or consumer process failed; the run is void."""


def wait_replies(
    box: Any, n: int, timeout_s: float, procs: list[Any], progress: Progress
) -> list[Any]:
    """Take ``n`` replies from ``box``, ticking the progress bar; fail if a process died."""
    out: list[Any] = []
    deadline = now_ns() + int(timeout_s * 1e9)
    while len(out) < n:
        if now_ns() > deadline:
            raise HarnessError(f"no reply within {timeout_s:.0f} s")
        try:
            out.append(box.get(timeout=0.2))
        except queue.Empty:
            dead = [p.name for p in procs if not p.is_alive()]
            if dead:
                raise HarnessError(f"process died: {', '.join(dead)}") from None
        progress.tick()
    return out


class Harness:
    """Long-lived generator processes driven round by round."""

    def __init__(self, generators: int, spin_ns: int, progress: Progress) -> None:
        self._ctx = multiprocessing.get_context("spawn")
        self.progress = progress
        self.count = generators
        self._outbox: Any = self._ctx.Queue()
        self._inboxes: list[Any] = [self._ctx.Queue() for _ in range(generators)]
        self._procs = [
            self._ctx.Process(
                target=generator.main,
                args=(i, generators, spin_ns, self._inboxes[i], self._outbox),
                name=f"fillgate-bench-gen-{i}",
                daemon=True,
            )
            for i in range(generators)
        ]
        for p in self._procs:
            p.start()
        self.precise_pacing = True

    def _broadcast(self, cmd: object, timeout_s: float) -> list[plan.Reply]:
        for inbox in self._inboxes:
            inbox.put(cmd)
        replies = wait_replies(self._outbox, self.count, timeout_s, self._procs, self.progress)
        failed = [r.error for r in replies if r.error]
        if failed:
            raise HarnessError("generator failed: " + "; ".join(failed))
        return replies

    def connect(self, target: str) -> None:
        replies = self._broadcast(plan.Connect(target=target), 60)
        self.precise_pacing = all(r.precise_pacing for r in replies)

    def run(self, phases: list[plan.Phase], timeout_s: float = 10.0) -> dict[str, Series]:
        """Run phases back to back on every generator; return the merged series by label."""
        rnd = plan.Round(t0_ns=now_ns() + START_DELAY_NS, phases=tuple(phases), timeout_s=timeout_s)
        length = sum(p.seconds for p in phases)
        replies = self._broadcast(rnd, length + timeout_s + 30)
        merged: dict[str, Series] = {}
        for phase in phases:
            if phase.label:
                merged.setdefault(phase.label, Series(phase.label, phase.rate))
        for reply in replies:
            for label, part in reply.series.items():
                merged[label].add(part)
        return merged

    def build_positions(self, accounts: list[str], symbols: list[str], quantity: str) -> Series:
        cmd = plan.BuildPositions(
            accounts=tuple(accounts), symbols=tuple(symbols), quantity=quantity
        )
        series = Series("setup", 0)
        for reply in self._broadcast(cmd, 600):
            series.add(reply.series["setup"])
        return series

    def close(self) -> None:
        _stop(self._inboxes, self._procs)


def _stop(inboxes: list[Any], procs: list[Any]) -> None:
    for inbox in inboxes:
        inbox.put(None)
    for p in procs:
        p.join(10)
        if p.is_alive():
            p.terminate()
            p.join(5)


class ConsumerGroup:
    """``streams`` StreamFills consumers spread over ``processes`` processes."""

    def __init__(
        self,
        target: str,
        streams: int,
        processes: int,
        labels: frozenset[str],
        progress: Progress,
    ) -> None:
        ctx = multiprocessing.get_context("spawn")
        self._progress = progress
        self._outbox: Any = ctx.Queue()
        shares = [streams // processes + (i < streams % processes) for i in range(processes)]
        shares = [s for s in shares if s]
        self._inboxes: list[Any] = [ctx.Queue() for _ in shares]
        self._procs = [
            ctx.Process(
                target=consumers.main,
                args=(target, share, labels, self._inboxes[i], self._outbox),
                name=f"fillgate-bench-consumer-{i}",
                daemon=True,
            )
            for i, share in enumerate(shares)
        ]
        for p in self._procs:
            p.start()
        ready = self._wait(60)
        failed = [r.error for r in ready if r.error]
        if failed:
            self.close()
            raise HarnessError("; ".join(failed))

    def collect(self, label: str, expected: int) -> tuple[HdrHistogram, list[int], Counter[str]]:
        """Fill latency over all streams, fills received per stream, stream errors."""
        for inbox in self._inboxes:
            inbox.put(consumers.Collect(label, expected))
        reports = self._wait(60)
        errors: Counter[str] = Counter()
        received: list[int] = []
        for r in reports:
            errors.update(r.errors)
            received += r.received
        return hist.merge(r.latency for r in reports), received, errors

    def _wait(self, timeout_s: float) -> list[Any]:
        return wait_replies(self._outbox, len(self._procs), timeout_s, self._procs, self._progress)

    def close(self) -> None:
        _stop(self._inboxes, self._procs)
