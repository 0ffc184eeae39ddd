"""The four scenarios, each against its own fresh server and next to same-run baselines.

Series that are compared alternate in slices (A B B A ...) on one schedule, so
the noise of this shared machine lands on scenario and baseline alike.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

from benchmarks import plan
from benchmarks.harness import ConsumerGroup, Harness, Series
from benchmarks.plan import Phase
from benchmarks.progress import Progress
from benchmarks.results import BASELINE, DIAGNOSTIC, MEASURED, Row, Scenario, Step, Sweep
from benchmarks.server import ServerProcess, positions_config
from benchmarks.settings import Settings
from benchmarks.spy import Profiler


class ScenarioError(RuntimeError):
    """A scenario could not be measured (setup failed, server died)."""


@dataclass(slots=True)
class Context:
    settings: Settings
    harness: Harness
    progress: Progress
    outdir: Path

    @contextmanager
    def server(self, name: str, config_toml: str | None = None) -> Iterator[ServerProcess]:
        """A fresh server (default config unless given) with the generators connected."""
        srv = ServerProcess(self.outdir / f"server-{name}.log", config_toml)
        srv.start()
        try:
            self.harness.connect(srv.target)
            yield srv
            if not srv.alive():
                raise ScenarioError(f"the server died during {name}; see {srv.log_path}")
        finally:
            srv.stop()


def slices(templates: list[Phase], seconds: float, slice_s: float, warmup_s: float) -> list[Phase]:
    """Warm-up for each series, then ``seconds`` of each in alternating slices."""
    phases = [replace(t, label="", seconds=warmup_s) for t in templates if warmup_s > 0]
    n = max(1, round(seconds / slice_s))
    for i in range(n):
        for t in templates if i % 2 == 0 else templates[::-1]:
            phases.append(replace(t, seconds=seconds / n))
    return phases


def planned_seconds(s: Settings) -> float:
    """About how long the load of the chosen scenarios lasts (for the progress bar)."""
    per = {
        "ack": 2 * (s.seconds + s.warmup_s) + (12 if s.profile else 0),
        "fill": (3 * (s.seconds + s.warmup_s) + 8 + (12 if s.profile else 0)) * len(s.fill_rates),
        "positions": 4 * (s.seconds + s.warmup_s) + 10,
        "sweep": 2 * (s.sweep_step_s + 1) * len(s.sweep_rates) * 0.7,
    }
    return sum(per[k] for k in s.scenarios)


def _measure(
    ctx: Context,
    name: str,
    phases_for: Callable[[int], list[Phase]],
    build: Callable[[dict[str, Series], int], Scenario],
) -> Scenario:
    """Run attempt 0; measure again (up to ``retries`` times) while pacing was off."""
    s = ctx.settings
    for attempt in range(s.retries + 1):
        phases = phases_for(attempt)
        retry = f" (retry {attempt})" if attempt else ""
        ctx.progress.stage(name + retry, sum(p.seconds for p in phases))
        scenario = build(ctx.harness.run(phases, s.timeout_s), attempt)
        scenario.attempts = attempt + 1
        problems = scenario.pacing_problems()
        if not problems:
            break
        ctx.progress.note(f"{name}: pacing off ({'; '.join(problems)})")
    return scenario


def submit_ack(ctx: Context) -> Scenario:
    """1. SubmitOrder -> acknowledgement, default config (paper venue, risk, journal)."""
    s = ctx.settings
    templates = [
        Phase(label="ping", kind=plan.PING, rate=s.rate, seconds=0),
        Phase(label="ack", kind=plan.SUBMIT, rate=s.rate, seconds=0),
    ]

    def build(series: dict[str, Series], attempt: int) -> Scenario:
        return Scenario(
            key="ack",
            title="1. SubmitOrder → ack",
            rows=[
                Row.of(
                    series["ack"],
                    slug="s1-submit-ack",
                    name="SubmitOrder → ack",
                    role=MEASURED,
                    baseline="s1-ping",
                ),
                Row.of(series["ping"], slug="s1-ping", name="Ping (empty unary)", role=BASELINE),
            ],
        )

    with ctx.server("s1") as srv:
        phases = slices(templates, s.seconds, s.slice_s, s.warmup_s)
        scenario = _measure(ctx, "1 SubmitOrder→ack", lambda _: phases, build)
        if s.profile:
            scenario.notes.append(_profile(ctx, srv, "s1-submit", templates[1]))
    return scenario


def _profile(ctx: Context, srv: ServerProcess, name: str, phase: Phase) -> str:
    """py-spy the server for 10 s of ``phase`` (unmeasured, after the measurement)."""
    ctx.progress.stage(f"profiling the server: {name} (py-spy)", 12)
    with Profiler(srv.pid, ctx.outdir / f"profile-{name}", 10) as spy:
        ctx.harness.run([replace(phase, label="", seconds=11)], ctx.settings.timeout_s)
    return spy.summary(f"{name} at {phase.rate:g}/s")


def submit_fill(ctx: Context, rate: float) -> Scenario:
    """2. SubmitOrder -> the fill received by separate StreamFills consumers."""
    s = ctx.settings
    labels = [f"fill{i}" for i in range(s.retries + 1)]
    r = f"s2-r{rate:g}"

    with ctx.server(r) as srv:
        group = ConsumerGroup(
            srv.target, s.consumers, s.consumer_processes, frozenset(labels), ctx.progress
        )
        try:

            def build(series: dict[str, Series], attempt: int) -> Scenario:
                sends = series[labels[attempt]]
                fills, received, errors = group.collect(labels[attempt], sends.ok)
                missing = sum(max(sends.ok - n, 0) for n in received)
                if missing:
                    errors["FILL_MISSING"] += missing
                fill = Row(
                    slug=f"{r}-submit-fill",
                    name=f"SubmitOrder → fill on stream ({s.consumers} consumers)",
                    role=MEASURED,
                    rate=rate,
                    latency=fills,
                    lag=sends.lag,
                    sent=sends.ok * s.consumers,
                    ok=sum(received),
                    errors=errors,
                    baseline=f"{r}-ping",
                    pacing=sends.pacing_problem(),
                )
                return Scenario(
                    key="fill",
                    title=f"2. SubmitOrder → fill on StreamFills, {rate:g}/s",
                    rows=[
                        fill,
                        Row.of(
                            series["stream"],
                            slug=f"{r}-stream",
                            role=BASELINE,
                            name="StreamFills open → first message",
                        ),
                        Row.of(
                            series["ping"],
                            slug=f"{r}-ping",
                            name="Ping (empty unary)",
                            role=BASELINE,
                        ),
                        Row.of(
                            sends,
                            slug=f"{r}-submit-ack",
                            role=DIAGNOSTIC,
                            baseline=f"{r}-ping",
                            name=f"SubmitOrder → ack ({s.consumers} consumers)",
                        ),
                    ],
                )

            def phases(label: str) -> list[Phase]:
                templates = [
                    Phase(label=label, kind=plan.SUBMIT, rate=rate, seconds=0),
                    Phase(label="stream", kind=plan.STREAM_ACK, rate=rate, seconds=0),
                    Phase(label="ping", kind=plan.PING, rate=rate, seconds=0),
                ]
                return slices(templates, s.seconds, s.slice_s, s.warmup_s)

            # Each attempt sends under its own label so that a retry never counts stragglers.
            name = f"2 SubmitOrder→fill {rate:g}/s"
            scenario = _measure(ctx, name, lambda a: phases(labels[a]), build)
            if s.profile:
                load = Phase(label="", kind=plan.SUBMIT, rate=rate, seconds=0)
                scenario.notes.append(_profile(ctx, srv, f"{r}-submit-fill", load))
        finally:
            group.close()
    return scenario


def positions(ctx: Context) -> Scenario:
    """3. GetPositions with accounts x symbols positions (10,000 by default)."""
    s = ctx.settings
    toml, accounts, symbols = positions_config(s.accounts, s.symbols, "10000000")
    total = len(accounts) * len(symbols)
    with ctx.server("s3", toml):
        ctx.progress.stage(f"3 building {total:,} positions", 10)
        setup = ctx.harness.build_positions(accounts, symbols, "1")
        if setup.ok != total:
            raise ScenarioError(
                f"building positions: {setup.ok}/{total} filled, {dict(setup.errors)}"
            )
        templates = [
            Phase(
                label="posacct",
                kind=plan.POSITIONS,
                rate=s.positions_rate,
                seconds=0,
                accounts=tuple(accounts),
                expect=len(symbols),
            ),
            Phase(label="ping", kind=plan.PING, rate=s.positions_rate, seconds=0),
            Phase(
                label="posbook",
                kind=plan.POSITIONS,
                rate=s.book_rate,
                seconds=0,
                whole_book=True,
                expect=total,
            ),
            Phase(label="pingbook", kind=plan.PING, rate=s.book_rate, seconds=0),
        ]

        def build(series: dict[str, Series], attempt: int) -> Scenario:
            return Scenario(
                key="positions",
                title=f"3. GetPositions ({total:,} positions, {len(accounts)} accounts)",
                rows=[
                    Row.of(
                        series["posacct"],
                        slug="s3-positions-account",
                        role=MEASURED,
                        name=f"GetPositions, 1 account ({len(symbols)} positions)",
                        baseline="s3-ping",
                    ),
                    Row.of(
                        series["ping"], slug="s3-ping", name="Ping (empty unary)", role=BASELINE
                    ),
                    Row.of(
                        series["posbook"],
                        slug="s3-positions-book",
                        role=MEASURED,
                        name=f"GetPositions, whole book ({total:,} positions)",
                        baseline="s3-ping-book",
                    ),
                    Row.of(
                        series["pingbook"],
                        slug="s3-ping-book",
                        role=BASELINE,
                        name="Ping (empty unary)",
                    ),
                ],
            )

        phases = slices(templates, s.seconds, s.slice_s, s.warmup_s)
        return _measure(ctx, "3 GetPositions", lambda _: phases, build)


def sweep(ctx: Context) -> Sweep:
    """4. Rate sweep: the knee of SubmitOrder and of the empty RPC.

    Each step sends both RPCs (alternating which goes first) at one rate after a
    1 s warm-up. A step passes when every request succeeded, pacing held and p99
    stayed within the budget. An RPC leaves the sweep after two failed steps in a
    row; its knee is the highest rate that passed.
    """
    s = ctx.settings
    result = Sweep(budget_ms=s.budget_ms)
    fails: Counter[str] = Counter()
    with ctx.server("s4"):
        for i, rate in enumerate(s.sweep_rates):
            kinds = [k for k in (plan.PING, plan.SUBMIT) if fails[k] < 2]
            if not kinds:
                break
            if i % 2:
                kinds.reverse()
            templates = [Phase(label=k, kind=k, rate=rate, seconds=s.sweep_step_s) for k in kinds]
            phases = [replace(t, label="", seconds=1.0) for t in templates] + templates
            ctx.progress.stage(f"4 sweep {rate:g}/s", sum(p.seconds for p in phases))
            series = ctx.harness.run(phases, s.timeout_s)
            for kind in kinds:
                step = _step(series[kind], kind, rate, s.budget_ms)
                result.steps.append(step)
                fails[kind] = 0 if step.passed else fails[kind] + 1
                if step.passed:
                    result.knees[kind] = max(result.knees.get(kind, 0.0), rate)
    for kind in (plan.PING, plan.SUBMIT):
        result.knees.setdefault(kind, 0.0)
    return result


def _step(series: Series, kind: str, rate: float, budget_ms: float) -> Step:
    summary = series.summary
    pacing = series.pacing_problem()
    passed = (
        series.ok == series.sent > 0
        and not series.error_count
        and not pacing
        and summary.p99 <= budget_ms * 1e6
    )
    return Step(
        kind=kind,
        rate=rate,
        summary=summary,
        sent=series.sent,
        ok=series.ok,
        errors=dict(series.errors),
        pacing=pacing,
        passed=passed,
    )
