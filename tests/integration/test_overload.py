"""Overload is shed cleanly and leaves nothing acknowledged behind (issue 10, item 7).

The project's open-loop generator (``benchmarks.generator``) sends SubmitOrder
on a fixed schedule: 2,000/s for 3 s, then 250/s. Latency is completion minus
the *intended* send time, so a backlog shows in every request it delays.

Rates: the server sustained 1,000-1,500 orders/s in this test's runs on these
2 shared cores (benchmarks/README.md's 500/s knee is the rate whose p99 stays
within the CI budget), so 2,000/s is about twice the knee; 250/s is the CI
gate's rate. Without admission control this run answered 127 calls CANCELLED
and the second after it had p50 175 ms, p99 614 ms.

The budget, p99 from 1 s after the overload on: 50 ms, or 3x the p99 of the
same 250/s load measured just before the overload in the same run when the host
is that noisy, never above 150 ms. The same load measured p99 2-48 ms here with
no overload at all (neighbours share the host), while a backlog left behind
measures hundreds of milliseconds.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass
from typing import Any

import pytest
import uvloop
from benchmarks import hist, plan
from benchmarks.generator import Generator
from benchmarks.harness import Series
from benchmarks.pacing import now_ns
from server_process import Served

from fillgate_client import AsyncFillgateClient, ResourceExhaustedError

OVERLOAD_PER_S = 2_000
NORMAL_PER_S = 250
OVERLOAD_S = 3.0
RECOVERY_S = 1.0  # p99 must be back under budget this long after the overload ends
AFTER_S = 3.0
P99_BUDGET_MS = 50.0
BASELINE_S = 2.0  # the normal load before the overload: how noisy the host is right now
NOISE_FACTOR = 3.0
P99_CEILING_MS = 150.0  # a backlog measures hundreds of ms: never excused as noise
ADMISSION = ""  # the shipped defaults: 32 orders in flight, 20 ms lag, 20 ms queue delay


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
        plan.Phase(label="baseline", kind=plan.SUBMIT, rate=NORMAL_PER_S, seconds=BASELINE_S),
        plan.Phase(label="overload", kind=plan.SUBMIT, rate=OVERLOAD_PER_S, seconds=OVERLOAD_S),
        plan.Phase(label="recovery", kind=plan.SUBMIT, rate=NORMAL_PER_S, seconds=RECOVERY_S),
        plan.Phase(label="after", kind=plan.SUBMIT, rate=NORMAL_PER_S, seconds=AFTER_S),
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
        for _ in range(50):
            try:
                orders = await client.list_orders(page_size=1000)
            except ResourceExhaustedError as exc:  # the restart's replay may still be settling
                await asyncio.sleep(int(exc.metadata["retry_after_ms"]) / 1e3)
            else:
                return {o.client_order_id: o.order_id for o in orders}
    raise AssertionError("the restarted server kept refusing reads")


@dataclass
class Run:
    series: dict[str, Series]
    #: client_order_id -> order_id of every OK answer
    acked: dict[str, str]
    #: the same, read back after SIGKILL and a restart on the journal
    stored: dict[str, str]


@pytest.fixture(scope="module")
def overload(tmp_path_factory: pytest.TempPathFactory) -> Run:
    """One overload run, then SIGKILL, a restart on the same journal, and a read-back."""
    workdir = tmp_path_factory.mktemp("overload")
    journal = workdir / "j.log"
    server = Served(workdir, journal, ADMISSION)
    try:
        series, acked = uvloop.run(drive(server.target))
    finally:
        server.kill()  # SIGKILL: what was acknowledged must be in the journal already
    for s in series.values():
        print(s.label, s.sent, s.ok, dict(s.errors), hist.Summary.of(s.latency))
    restarted = Served(workdir, journal, ADMISSION)
    try:
        stored = uvloop.run(orders_by_client_id(restarted.target))
    finally:
        restarted.kill()
    return Run(series, acked, stored)


def test_submit_order_at_twice_the_knee_is_refused_only_with_resource_exhausted(
    overload: Run,
) -> None:
    refusals: Counter[str] = Counter()
    for s in overload.series.values():
        refusals.update(s.errors)
    assert overload.series["overload"].errors["RESOURCE_EXHAUSTED"] > 0, "nothing shed"
    assert set(refusals) == {"RESOURCE_EXHAUSTED"}, refusals


def test_submit_order_one_second_after_overload_meets_latency_budget(overload: Run) -> None:
    after = overload.series["after"]
    p99_ms = hist.Summary.of(after.latency).p99 / 1e6
    baseline_ms = hist.Summary.of(overload.series["baseline"].latency).p99 / 1e6
    budget_ms = min(P99_CEILING_MS, max(P99_BUDGET_MS, NOISE_FACTOR * baseline_ms))
    assert after.ok == after.sent, after.errors
    assert p99_ms < budget_ms, (
        f"p99 {p99_ms:.1f} ms {RECOVERY_S} s after the overload, budget {budget_ms:.1f} ms "
        f"(p99 before it {baseline_ms:.1f} ms)"
    )


def test_submit_order_acknowledged_under_overload_survives_kill_9(overload: Run) -> None:
    assert len(overload.acked) == sum(s.ok for s in overload.series.values())
    lost = {c: o for c, o in overload.acked.items() if overload.stored.get(c) != o}
    assert not lost, f"{len(lost)} of {len(overload.acked)} acknowledged orders lost"
