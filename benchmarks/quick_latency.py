"""SubmitOrder round trip next to an empty unary RPC, on the same server, in the same run.

Starts ``fillgate serve`` in its own process (paper venue, defaults), then makes
N sequential calls of each from this process on uvloop, interleaved call by
call so noise on this shared machine hits both alike. Prints p50/p90/p99/p99.9
per RPC and the ratios. A quick closed-loop check, not the benchmark suite:
sequential calls hide queueing (coordinated omission), which is fine for a
round-trip floor and wrong for load.

    python benchmarks/quick_latency.py --calls 10000
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from array import array
from collections.abc import Callable

import grpc
import uvloop
from auth_latency import cpu_ns  # a sibling script: both run as `python benchmarks/<x>.py`
from hdrh.histogram import HdrHistogram

from fillgate.v1 import admin_service_pb2 as apb
from fillgate.v1 import admin_service_pb2_grpc as agrpc
from fillgate.v1 import execution_service_pb2 as pb
from fillgate.v1 import execution_service_pb2_grpc as pbgrpc
from fillgate.v1 import order_pb2 as order_pb

PERCENTILES = (50, 90, 99, 99.9)


def start_server(journal: str, *extra: str) -> tuple[subprocess.Popen[str], str]:
    env = {**os.environ, "FILLGATE_LOG_LEVEL": "WARNING"}
    proc = subprocess.Popen(
        [
            os.path.join(os.path.dirname(sys.executable), "fillgate"),
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--journal",
            journal,
            *extra,
        ],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    match = re.search(r"listening on (\S+)", line)
    if not match:
        proc.kill()
        raise SystemExit(f"server did not start: {line!r}")
    return proc, match.group(1)


def order_request(i: int, prefix: str) -> pb.SubmitOrderRequest:
    """The ``i``-th market IOC order of a run: buys and sells in turn, so nothing builds up."""
    return pb.SubmitOrderRequest(
        account="paper",
        symbol="BTC-USD",
        side=order_pb.SIDE_BUY if i % 2 else order_pb.SIDE_SELL,
        quantity="0.01",
        type=order_pb.ORDER_TYPE_MARKET,
        time_in_force=order_pb.TIME_IN_FORCE_IOC,
        client_order_id=f"{prefix}-{i}",
    )


def histogram(samples: array[int]) -> HdrHistogram:
    h = HdrHistogram(1, 60 * 10**9, 3)
    for s in samples:
        h.record_value(s)
    return h


async def measure(
    targets: dict[str, str], calls: int, warmup: int, warmed: Callable[[], None] = lambda: None
) -> dict[str, array[int]]:
    """Interleave, call by call: Ping, then SubmitOrder on each server.

    The Ping goes to each server in turn: a server that answered every Ping was
    measured up to 8 % faster at SubmitOrder than one that answered none (its
    threads stay awake), which is as large as what --compare-metrics looks for."""
    channels = {name: grpc.aio.insecure_channel(t) for name, t in targets.items()}
    admins = [agrpc.AdminServiceStub(ch) for ch in channels.values()]
    stubs = {name: pbgrpc.ExecutionServiceStub(ch) for name, ch in channels.items()}
    ping = apb.PingRequest()

    samples: dict[str, array[int]] = {"Ping (empty)": array("q")}
    for name in stubs:
        samples[f"SubmitOrder {name}"] = array("q")
    clock = time.perf_counter_ns
    for i in range(-warmup, calls):
        if i == 0:
            warmed()
        t0 = clock()
        await admins[i % len(admins)].Ping(ping)
        t1 = clock()
        if i >= 0:
            samples["Ping (empty)"].append(t1 - t0)
        # Rotate which server goes first: a call right after another to a different
        # server was measured slower (an A/A run with two identical servers in a fixed
        # order read 1.02-1.08x at p50 and 1.10-1.15x at p99).
        named = list(stubs.items())
        shift = i % len(named)
        for name, stub in named[shift:] + named[:shift]:
            t0 = clock()
            await stub.SubmitOrder(order_request(i, "q"))
            if i >= 0:
                samples[f"SubmitOrder {name}"].append(clock() - t0)
    for ch in channels.values():
        await ch.close()
    return samples


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=10_000)
    parser.add_argument("--warmup", type=int, default=500)
    parser.add_argument("--journal", help="journal path, or off (default: a temporary file)")
    parser.add_argument(
        "--compare-journal-off",
        action="store_true",
        help="also run a server with the journal off and compare",
    )
    parser.add_argument(
        "--compare-metrics",
        action="store_true",
        help="also run a server with Prometheus metrics on (serve --metrics) and compare",
    )
    parser.add_argument(
        "--control",
        action="store_true",
        help="also run a second identical server (an A/A control: the ratio noise alone gives)",
    )
    ns = parser.parse_args()
    scratch = tempfile.mkdtemp(prefix="fillgate-bench-")
    journals = {"(journal on)": ns.journal or os.path.join(scratch, "journal.log")}
    if ns.compare_journal_off:
        journals["(journal off)"] = "off"
    if ns.control:
        journals["(control)"] = os.path.join(scratch, "journal-control.log")
    servers = {name: start_server(path) for name, path in journals.items()}
    if ns.compare_metrics:
        path = os.path.join(scratch, "journal-metrics.log")
        servers["(metrics on)"] = start_server(path, "--metrics", "127.0.0.1:0")
    cpu: dict[str, int] = {}

    def warmed() -> None:
        cpu.update({name: cpu_ns(proc.pid) for name, (proc, _) in servers.items()})

    try:
        samples = uvloop.run(
            measure({n: target for n, (_, target) in servers.items()}, ns.calls, ns.warmup, warmed)
        )
        # CPU time of each server process (every thread) per SubmitOrder, Ping included for
        # the first: unlike latency it hardly depends on how busy the machine is.
        cpu = {name: cpu_ns(proc.pid) - cpu[name] for name, (proc, _) in servers.items()}
    finally:
        for proc, _ in servers.values():
            proc.send_signal(signal.SIGTERM)
            proc.wait(10)
    hists = {name: histogram(values) for name, values in samples.items()}
    base = hists["Ping (empty)"]
    print(f"{ns.calls} sequential calls each, interleaved; latency in microseconds")
    for name, used in cpu.items():
        share = f" (and 1/{len(cpu)} Ping)" if len(cpu) > 1 else " (and a Ping)"
        print(f"server {name}: {used / ns.calls / 1000:.0f} us CPU per SubmitOrder{share}")
    header = "".join(f"{'p' + str(p):>9}" for p in PERCENTILES)
    print(f"{'rpc':<28}{header}{'max':>9}   ratio p50/p99 to Ping")
    for name, h in hists.items():
        cells = "".join(f"{h.get_value_at_percentile(p) / 1000:>9.0f}" for p in PERCENTILES)
        r50 = h.get_value_at_percentile(50) / base.get_value_at_percentile(50)
        r99 = h.get_value_at_percentile(99) / base.get_value_at_percentile(99)
        print(f"{name:<28}{cells}{h.get_max_value() / 1000:>9.0f}   {r50:.2f} / {r99:.2f}")
    if ns.compare_journal_off:
        on, off = hists["SubmitOrder (journal on)"], hists["SubmitOrder (journal off)"]
        r50 = on.get_value_at_percentile(50) / off.get_value_at_percentile(50)
        r99 = on.get_value_at_percentile(99) / off.get_value_at_percentile(99)
        print(f"journal on/off: p50 {r50:.2f}x  p99 {r99:.2f}x")
    if ns.compare_metrics:
        on, off = hists["SubmitOrder (metrics on)"], hists["SubmitOrder (journal on)"]
        r50 = on.get_value_at_percentile(50) / off.get_value_at_percentile(50)
        r99 = on.get_value_at_percentile(99) / off.get_value_at_percentile(99)
        print(f"metrics on/off: p50 {r50:.2f}x  p99 {r99:.2f}x")
    if ns.control:
        same, off = hists["SubmitOrder (control)"], hists["SubmitOrder (journal on)"]
        r50 = same.get_value_at_percentile(50) / off.get_value_at_percentile(50)
        r99 = same.get_value_at_percentile(99) / off.get_value_at_percentile(99)
        print(f"control (A/A): p50 {r50:.2f}x  p99 {r99:.2f}x")
        if ns.compare_metrics:
            c = cpu["(metrics on)"] / cpu["(control)"]
            print(f"server CPU per SubmitOrder, metrics on / control (both off): {c:.3f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
