"""Overload is shed cleanly and leaves nothing acknowledged behind (issue 10, item 7).

The project's open-loop generator (``benchmarks.generator``) sends SubmitOrder
on a fixed schedule at about twice the knee, then at half the knee; latency is
completion minus the *intended* send time, so a backlog shows in every request
it delays. The knee on these 2-core machines is 500/s (benchmarks/README.md).

The budget after the overload, 25 ms p99, is the CI gate's 250/s p99 on a
quiet machine (2-6 ms) with room for the other engineers' jobs sharing the two
cores; a backlog left by the overload measures hundreds of milliseconds to
seconds, so it still tells the two apart.
"""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path
from typing import Any

import uvloop
from benchmarks import hist, plan
from benchmarks.generator import Generator
from benchmarks.harness import Series
from benchmarks.pacing import now_ns
from server_process import Served

from fillgate_client import AsyncFillgateClient

KNEE_PER_S = 500
OVERLOAD_PER_S = int(os.environ.get("RATE", 1600))
OVERLOAD_S = 3.0
RECOVERY_S = 1.0  # p99 must be back under budget this long after the overload ends
AFTER_S = 3.0
P99_BUDGET_MS = 25.0
ADMISSION = (
    os.environ.get("ADM")
    or """
[server]
admission_max_in_flight_orders = 32
admission_max_loop_lag_ms = 20
admission_retry_after_ms = 50
"""
)


class Acknowledged:
    """Wraps the generator's stub and keeps (client_order_id, order_id) of every OK answer."""

    def __init__(self, stub: Any) -> None:
        self._stub = stub
        self.orders: dict[str, str] = {}

    async def SubmitOrder(self, request: Any, timeout: float) -> Any:
        reply = await self._stub.SubmitOrder(request, timeout=timeout)
        self.orders[request.client_order_id] = reply.order.order_id
        return reply


async def drive(target: str) -> tuple[dict[str, Series], dict[str, str]]:
    """Overload, then normal load, on one schedule; return the series and the acknowledged."""
    generator = Generator(index=0, count=1, spin_ns=100_000)
    await generator.connect(target)
    acked = Acknowledged(generator.execution)
    generator.execution = acked
    phases = (
        plan.Phase(label="overload", kind=plan.SUBMIT, rate=OVERLOAD_PER_S, seconds=OVERLOAD_S),
        plan.Phase(label="recovery", kind=plan.SUBMIT, rate=KNEE_PER_S / 2, seconds=RECOVERY_S),
        plan.Phase(label="after", kind=plan.SUBMIT, rate=KNEE_PER_S / 2, seconds=AFTER_S),
    )
    parts = await generator.run_round(
        plan.Round(t0_ns=now_ns() + 100_000_000, phases=phases, timeout_s=10)
    )
    assert generator.channel is not None
    await generator.channel.close()
    series = {}
    for phase in phases:
        series[phase.label] = Series(phase.label, phase.rate)
        series[phase.label].add(parts[phase.label])
    return series, acked.orders


async def orders_by_client_id(target: str) -> dict[str, str]:
    async with AsyncFillgateClient(target, timeout=30) as client:
        return {o.client_order_id: o.order_id for o in await client.list_orders(page_size=1000)}


def test_submit_order_at_twice_the_knee_sheds_with_resource_exhausted_and_recovers(
    tmp_path: Path,
) -> None:
    journal = tmp_path / "j.log"
    server = Served(tmp_path, journal, ADMISSION)
    try:
        series, acked = uvloop.run(drive(server.target))
    finally:
        server.kill()  # SIGKILL: what was acknowledged must be in the journal already
    for s in series.values():
        print(s.label, s.sent, s.ok, dict(s.errors), hist.Summary.of(s.latency))
    overload, after = series["overload"], series["after"]

    refusals: Counter[str] = Counter()
    for s in series.values():
        refusals.update(s.errors)
    assert set(refusals) <= {"RESOURCE_EXHAUSTED"}, refusals
    assert overload.errors["RESOURCE_EXHAUSTED"] > 0, "no load was shed: not an overload"
    assert after.ok == after.sent, after.errors
    p99_ms = hist.Summary.of(after.latency).p99 / 1e6
    assert p99_ms < P99_BUDGET_MS, f"p99 {p99_ms:.1f} ms {RECOVERY_S} s after the overload"

    restarted = Served(tmp_path, journal, ADMISSION)
    try:
        stored = uvloop.run(orders_by_client_id(restarted.target))
    finally:
        restarted.kill()
    lost = {c: o for c, o in acked.items() if stored.get(c) != o}
    assert not lost, f"{len(lost)} of {len(acked)} acknowledged orders lost: {list(lost)[:5]}"
    assert len(acked) == sum(s.ok for s in series.values())
