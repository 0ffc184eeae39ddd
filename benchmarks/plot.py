"""The percentile plot: log-scale latency by percentile, each scenario against its baselines."""

from __future__ import annotations

import math
from pathlib import Path

from matplotlib.figure import Figure  # no pyplot: no display, no global state

from benchmarks import hist, plan
from benchmarks.results import BASELINE, MEASURED, Scenario, Sweep

_TICKS = (0.0, 90.0, 99.0, 99.9, 99.99, 99.999)
_STYLE = {MEASURED: "-", BASELINE: "--"}


def _x(percentile: float) -> float:
    """Percentile on the usual HdrHistogram axis: log10(1 / (1 - p))."""
    return -math.log10(max(1.0 - percentile / 100.0, 1e-7))


def percentile_plot(path: Path, scenarios: list[Scenario], sweep: Sweep | None) -> None:
    panels = len(scenarios) + (1 if sweep is not None and sweep.steps else 0)
    if panels == 0:
        return
    fig = Figure(figsize=(9, 4.2 * panels))
    axes = fig.subplots(panels, 1, squeeze=False)
    for ax, sc in zip(axes[:, 0], scenarios, strict=False):
        for row in sc.rows:
            curve = hist.percentile_curve(row.latency)
            if not curve:
                continue
            ax.plot(
                [_x(p) for p, _ in curve],
                [v / 1e6 for _, v in curve],
                _STYLE.get(row.role, ":"),
                label=f"{row.name} ({row.rate:g}/s)",
            )
        ax.set_yscale("log")
        ax.set_xticks([_x(p) for p in _TICKS], [f"{p:g}%" for p in _TICKS])
        ax.set_xlabel("percentile")
        ax.set_ylabel("latency (ms, log)")
        ax.set_title(sc.title)
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8, loc="upper left")
    if panels > len(scenarios) and sweep is not None:
        ax = axes[-1, 0]
        names = {plan.PING: "Ping (empty unary)", plan.SUBMIT: "SubmitOrder → ack"}
        for kind, name in names.items():
            steps = sorted((st for st in sweep.steps if st.kind == kind), key=lambda st: st.rate)
            if steps:
                ax.plot(
                    [st.rate for st in steps],
                    [st.summary.p99 / 1e6 for st in steps],
                    "o-" if kind == plan.SUBMIT else "s--",
                    label=f"{name} p99 (knee {sweep.knees.get(kind, 0):g}/s)",
                )
        ax.axhline(sweep.budget_ms, color="grey", linestyle=":", label="budget")
        ax.set_yscale("log")
        ax.set_xlabel("offered rate (requests/s)")
        ax.set_ylabel("p99 latency (ms, log)")
        ax.set_title("4. Rate sweep")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8, loc="upper left")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
