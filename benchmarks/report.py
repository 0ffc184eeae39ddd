"""Tables, targets, the gate's verdict, .hgrm files, results.json and the README section."""

from __future__ import annotations

import json
import os
import platform
import re
from dataclasses import asdict
from importlib.metadata import version
from pathlib import Path

from benchmarks import hist, plan
from benchmarks.results import MEASURED, Row, Scenario, Sweep
from benchmarks.settings import GATE_MAX_P99_MS, GATE_MAX_P99_RATIO, Settings

README_BEGIN = "<!-- results:begin -->"
README_END = "<!-- results:end -->"


def machine() -> dict[str, str]:
    """What the numbers were measured on."""
    cpu = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(
                (line.split(":", 1)[1].strip() for line in f if line.startswith("model name")),
                cpu,
            )
    except OSError:
        pass
    return {
        "nproc": str(os.cpu_count()),
        "cpu": cpu,
        "kernel": platform.release(),
        "python": platform.python_version(),
        "grpcio": version("grpcio"),
        "protobuf": version("protobuf"),
        "uvloop": version("uvloop"),
    }


def _us(ns: float) -> str:
    return f"{ns / 1e3:,.0f}" if ns < 1e7 else f"{ns / 1e6:,.1f} ms"


def _human(ns: float) -> str:
    return f"{ns / 1e3:,.0f} µs" if ns < 1e7 else f"{ns / 1e6:,.1f} ms"


def _errors(row: Row) -> str:
    if not row.error_count:
        return "0"
    return ", ".join(f"{code} {n}" for code, n in sorted(row.errors.items()))


def scenario_table(scenarios: list[Scenario]) -> str:
    """Markdown: one row per series; latency in µs (ms where marked); ratios vs its baseline."""
    head = (
        "| scenario | series | rate/s | ok | errors | p50 | p90 | p99 | p99.9 | max "
        "| xbase p50 | xbase p99 | xbase p99.9 | send lag p99 |"
    )
    lines = [head, "|" + "---|" * 14]
    for sc in scenarios:
        for i, row in enumerate(sc.rows):
            s = row.summary
            ratios = ["", "", ""]
            if row.baseline:
                b = sc.row(row.baseline).summary
                ratios = [
                    _ratio(x, y) for x, y in ((s.p50, b.p50), (s.p99, b.p99), (s.p999, b.p999))
                ]
            name = row.name if row.role == MEASURED else f"*{row.name}* ({row.role})"
            if row.pacing:
                name += " ⚠ pacing off"
            cells = [sc.title if i == 0 else "", name, f"{row.rate:g}", f"{row.ok:,}", _errors(row)]
            lag = hist.Summary.of(row.lag).p99 if row.lag is not None else 0
            cells += [_us(v) for v in s.cells()] + ratios + [_us(lag) if row.lag else ""]
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _ratio(x: int, y: int) -> str:
    return f"{x / y:.2f}" if y else "-"


def sweep_table(sweep: Sweep) -> str:
    lines = [
        f"Budget: p99 ≤ {sweep.budget_ms:g} ms, no errors, pacing held.",
        "",
        "| rate/s | RPC | p50 | p99 | p99.9 | errors | within budget |",
        "|---|---|---|---|---|---|---|",
    ]
    names = {plan.PING: "Ping", plan.SUBMIT: "SubmitOrder"}
    for st in sorted(sweep.steps, key=lambda st: (st.rate, st.kind)):
        errors = ", ".join(f"{k} {v}" for k, v in sorted(st.errors.items())) or "0"
        verdict = "yes" if st.passed else ("no (pacing)" if st.pacing else "no")
        s = st.summary
        cells = [
            f"{st.rate:g}",
            names[st.kind],
            _us(s.p50),
            _us(s.p99),
            _us(s.p999),
            errors,
            verdict,
        ]
        lines.append("| " + " | ".join(cells) + " |")
    knees = ", ".join(f"{names[k]} {_knee(v)}" for k, v in sorted(sweep.knees.items()))
    lines += ["", f"Knees: {knees}."]
    return "\n".join(lines)


def _knee(rate: float) -> str:
    return f"{rate:g}/s" if rate else "below the lowest rate"


def targets(scenarios: list[Scenario], sweep: Sweep | None) -> list[tuple[str, str, bool]]:
    """Issue #6's targets (reported, not gated): (target, measured, met)."""
    out: list[tuple[str, str, bool]] = []
    for sc in scenarios:
        if sc.key not in ("ack", "fill"):
            continue
        row, base = sc.headline
        a, b = row.summary, base.summary
        r50, r99 = a.p50 / max(b.p50, 1), a.p99 / max(b.p99, 1)
        if sc.key == "ack":
            out.append(("SubmitOrder → ack p50 ≤ 1.25x empty RPC", f"{r50:.2f}x", r50 <= 1.25))
            out.append(("SubmitOrder → ack p99 ≤ 1.5x empty RPC", f"{r99:.2f}x", r99 <= 1.5))
        else:
            target = f"fill on the stream p99 ≤ 2x empty-RPC p99 ({row.rate:g}/s)"
            out.append((target, f"{r99:.2f}x", r99 <= 2.0))
    if sweep is not None:
        ping, submit = sweep.knees.get(plan.PING, 0.0), sweep.knees.get(plan.SUBMIT, 0.0)
        share = submit / ping if ping else 0.0
        measured = f"{_knee(submit)} vs {_knee(ping)} ({share:.0%})"
        out.append(("SubmitOrder knee ≥ 80 % of empty-RPC knee", measured, share >= 0.8))
    return out


def targets_table(rows: list[tuple[str, str, bool]]) -> str:
    lines = ["| target | measured | met |", "|---|---|---|"]
    lines += [f"| {t} | {m} | {'yes' if ok else '**no**'} |" for t, m, ok in rows]
    return "\n".join(lines)


def gate_failures(scenarios: list[Scenario]) -> list[str]:
    """The CI gate: SubmitOrder → ack p99 within 100 ms and 3x the empty RPC; no errors."""
    failures: list[str] = []
    for sc in scenarios:
        failures += [f"{r.name}: errors {_errors(r)}" for r in sc.error_rows()]
        failures += [f"pacing off after {sc.attempts} attempts: {p}" for p in sc.pacing_problems()]
        if sc.key == "ack":
            ack, ping = (r.summary for r in sc.headline)
            if ack.p99 > GATE_MAX_P99_MS * 1e6:
                failures.append(f"SubmitOrder → ack p99 {_human(ack.p99)} > {GATE_MAX_P99_MS:g} ms")
            if ack.p99 > GATE_MAX_P99_RATIO * ping.p99:
                failures.append(
                    f"SubmitOrder → ack p99 {_human(ack.p99)} > {GATE_MAX_P99_RATIO:g}x "
                    f"the empty RPC's p99 {_human(ping.p99)} ({ack.p99 / max(ping.p99, 1):.2f}x)"
                )
            if not ack.count or not ping.count:
                failures.append("no successful samples")
    return failures


def gate_summary(scenarios: list[Scenario]) -> str:
    """One line with the numbers the gate judged."""
    for sc in scenarios:
        if sc.key == "ack":
            ack, ping = (r.summary for r in sc.headline)
            errors = sum(r.error_count for r in sc.rows)
            return (
                f"gate: SubmitOrder → ack p99 {_human(ack.p99)} (limit {GATE_MAX_P99_MS:g} ms), "
                f"{ack.p99 / max(ping.p99, 1):.2f}x the empty RPC's p99 {_human(ping.p99)} "
                f"(limit {GATE_MAX_P99_RATIO:g}x), errors {errors}, attempts {sc.attempts}"
            )
    return "gate: scenario 1 was not measured"


def markdown(scenarios: list[Scenario], sweep: Sweep | None, settings: Settings, stamp: str) -> str:
    m = machine()
    parts = [
        f"Run `{stamp}` on {m['nproc']} cores ({m['cpu']}), Linux {m['kernel']}, "
        f"Python {m['python']}, grpcio {m['grpcio']}, protobuf {m['protobuf']}, "
        f"uvloop {m['uvloop']}; "
        f"{settings.generators} generator processes, {settings.seconds:g} s per series. "
        "Latency in µs from each request's intended send time; xbase = ratio to the baseline "
        "measured in the same run against the same server.",
        "",
        scenario_table(scenarios) if scenarios else "",
    ]
    if sweep is not None:
        parts += ["", "4. Rate sweep", "", sweep_table(sweep)]
    rows = targets(scenarios, sweep)
    if rows:
        parts += ["", "Targets (reported, not gated):", "", targets_table(rows)]
    return "\n".join(parts).strip() + "\n"


def write(
    outdir: Path, scenarios: list[Scenario], sweep: Sweep | None, settings: Settings, text: str
) -> None:
    """The .hgrm files, results.json and summary.md of one run."""
    for sc in scenarios:
        for row in sc.rows:
            (outdir / f"{row.slug}.hgrm").write_text(hist.hgrm(row.latency))
    data = {
        "machine": machine(),
        "settings": asdict(settings),
        "scenarios": [
            {
                "key": sc.key,
                "title": sc.title,
                "attempts": sc.attempts,
                "notes": sc.notes,
                "rows": [
                    {
                        "slug": r.slug,
                        "name": r.name,
                        "role": r.role,
                        "rate": r.rate,
                        "baseline": r.baseline,
                        "sent": r.sent,
                        "ok": r.ok,
                        "errors": dict(r.errors),
                        "pacing": r.pacing,
                        "latency_ns": asdict(r.summary),
                        "send_lag_ns": asdict(hist.Summary.of(r.lag)) if r.lag else None,
                    }
                    for r in sc.rows
                ],
            }
            for sc in scenarios
        ],
        "sweep": None
        if sweep is None
        else {
            "budget_ms": sweep.budget_ms,
            "knees": sweep.knees,
            "steps": [asdict(st) for st in sweep.steps],
        },
        "targets": [
            {"target": t, "measured": m, "met": ok} for t, m, ok in targets(scenarios, sweep)
        ],
    }
    (outdir / "results.json").write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    (outdir / "summary.md").write_text(text)


def update_readme(readme: Path, text: str) -> bool:
    """Replace the results section of benchmarks/README.md; False when the markers are missing."""
    body = readme.read_text()
    pattern = re.compile(re.escape(README_BEGIN) + ".*?" + re.escape(README_END), re.S)
    if not pattern.search(body):
        return False
    readme.write_text(pattern.sub(lambda _: f"{README_BEGIN}\n{text}{README_END}", body))
    return True
