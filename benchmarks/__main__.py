"""Run the latency benchmarks: ``python -m benchmarks`` (full) or ``--gate`` (CI).

The full run writes benchmarks/results/<timestamp>/ (summary.md, results.json,
one .hgrm per series, percentiles.png, server logs, and with --profile a py-spy
flame graph) and prints the table. ``--gate`` runs the short scenario 1 and
exits 1 when SubmitOrder -> ack p99 exceeds 100 ms or 3x the same run's
empty-RPC p99, or when any request errored.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from dataclasses import replace
from pathlib import Path

from benchmarks import report, scenarios
from benchmarks.harness import Harness, HarnessError
from benchmarks.plot import percentile_plot
from benchmarks.progress import Progress
from benchmarks.results import Scenario, Sweep
from benchmarks.settings import FULL, GATE, SCENARIOS, Settings

HERE = Path(__file__).resolve().parent


def parse(argv: list[str] | None) -> tuple[argparse.Namespace, Settings]:
    p = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n")[0])
    p.add_argument("--gate", action="store_true", help="the short CI gate (scenario 1)")
    p.add_argument("--scenarios", help=f"comma-separated subset of {','.join(SCENARIOS)}")
    p.add_argument("--rate", type=float, help="scenario 1 rate per second")
    p.add_argument("--fill-rates", help="scenario 2: comma-separated rates per second")
    p.add_argument("--seconds", type=float, help="measured seconds per series")
    p.add_argument("--generators", type=int, help="generator processes")
    p.add_argument("--consumers", type=int, help="scenario 2 StreamFills consumers")
    p.add_argument("--budget-ms", type=float, help="sweep: p99 budget defining the knee")
    p.add_argument("--sweep-rates", help="sweep: comma-separated rates per second")
    p.add_argument("--profile", action="store_true", help="py-spy the server under SubmitOrder")
    p.add_argument("--out", type=Path, help="results directory (default benchmarks/results/...)")
    p.add_argument("--update-readme", action="store_true", help="put the table in the README")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    ns = p.parse_args(argv)
    s = GATE if ns.gate else FULL
    changes: dict[str, object] = {
        key: getattr(ns, key)
        for key in ("rate", "seconds", "generators", "consumers", "budget_ms")
        if getattr(ns, key) is not None
    }
    if ns.scenarios:
        chosen = tuple(x.strip() for x in ns.scenarios.split(",") if x.strip())
        unknown = set(chosen) - set(SCENARIOS)
        if unknown:
            p.error(f"unknown scenario(s): {', '.join(sorted(unknown))}")
        changes["scenarios"] = chosen
    if ns.sweep_rates:
        changes["sweep_rates"] = tuple(float(r) for r in ns.sweep_rates.split(","))
    if ns.fill_rates:
        changes["fill_rates"] = tuple(float(r) for r in ns.fill_rates.split(","))
    if ns.profile:
        changes["profile"] = True
    return ns, replace(s, **changes)  # type: ignore[arg-type]


def main(argv: list[str] | None = None) -> int:
    ns, settings = parse(argv)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    outdir = ns.out or HERE / "results" / (stamp + ("-gate" if ns.gate else ""))
    outdir.mkdir(parents=True, exist_ok=True)
    progress = Progress(scenarios.planned_seconds(settings), enabled=not ns.no_progress)
    harness = Harness(settings.generators, settings.spin_ns, progress)
    ctx = scenarios.Context(settings, harness, progress, outdir)
    measured: list[Scenario] = []
    sweep: Sweep | None = None
    failed: list[str] = []
    load = os.getloadavg()
    try:
        for key in settings.scenarios:
            try:
                if key == "ack":
                    measured.append(scenarios.submit_ack(ctx))
                elif key == "fill":
                    measured += [scenarios.submit_fill(ctx, r) for r in settings.fill_rates]
                elif key == "positions":
                    measured.append(scenarios.positions(ctx))
                elif key == "sweep":
                    sweep = scenarios.sweep(ctx)
            except (scenarios.ScenarioError, HarnessError, RuntimeError) as exc:
                failed.append(f"scenario {key} could not be measured: {exc}")
                progress.note(failed[-1])
    finally:
        harness.close()
        progress.close()
    text = report.markdown(measured, sweep, settings, stamp)
    if not harness.precise_pacing:
        text += "\nNote: no timerfd here; pacing fell back to asyncio.sleep + 1.5 ms spin.\n"
    text += f"\nLoad average at start: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}.\n"
    notes = [n for sc in measured for n in sc.notes]
    report.write(outdir, measured, sweep, settings, text + "".join(f"\n{n}\n" for n in notes))
    percentile_plot(outdir / "percentiles.png", measured, sweep)
    print(text)
    for n in notes:
        print(n + "\n")
    rejected = [p for sc in measured for p in sc.pacing_problems()]
    print(f"results: {outdir}")
    if ns.gate:
        print(report.gate_summary(measured))
        failures = failed + report.gate_failures(measured)
        if failures:
            print("LATENCY GATE FAILED:\n  " + "\n  ".join(failures))
            return 1
        print("latency gate passed")
        return 0
    for problem in failed + [f"pacing off (run rejected): {p}" for p in rejected]:
        print(problem)
    if failed or rejected:
        return 1
    if ns.update_readme:
        readme = HERE / "README.md"
        if report.update_readme(readme, text):
            latest = HERE / "latest"  # benchmarks/results/ is git-ignored; this is kept
            latest.mkdir(parents=True, exist_ok=True)
            for name in ("summary.md", "results.json", "percentiles.png"):
                shutil.copyfile(outdir / name, latest / name)
            print(f"updated {readme} and {latest}")
        else:
            print(f"{readme} has no {report.README_BEGIN} section; not updated")
    return 0


if __name__ == "__main__":
    sys.exit(main())
