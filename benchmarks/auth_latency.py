"""SubmitOrder -> ack with authentication on vs off, two servers, one run (issue 14).

Starts two ``fillgate serve`` processes with the same config (paper venue,
journal on, admission control off so no call is shed): one without
authentication, one with ``[auth] mode = "token"`` and a token file. Then
makes N sequential SubmitOrder calls to each from this process on uvloop,
interleaved call by call (alternating which goes first) so the shared
machine's noise hits both alike, in two rounds of fresh servers started in
swapped order, and prints p50/p90/p99/p99.9 and the on/off
ratios, and each server's CPU time per call (all its threads, from
/proc/<pid>/task/*/schedstat): unlike latency, that does not grow with how
busy the shared machine is. The target is a p99 ratio of at most 1.05.

    python benchmarks/auth_latency.py --calls 3000
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
from pathlib import Path

import grpc
import uvloop
from hdrh.histogram import HdrHistogram

from fillgate.auth.tokens import TokenStore
from fillgate.v1 import execution_service_pb2 as pb
from fillgate.v1 import execution_service_pb2_grpc as pbgrpc
from fillgate.v1 import order_pb2 as order_pb

PERCENTILES = (50, 90, 99, 99.9)
CONFIG = """
[server]
admission_max_in_flight_orders = 0
admission_max_loop_lag_ms = 0
admission_max_queue_delay_ms = 0
"""
AUTH = """
[auth]
mode = "token"
token_file = "{tokens}"
"""


def start_server(config: Path, journal: Path) -> tuple[subprocess.Popen[str], str]:
    env = {**os.environ, "FILLGATE_LOG_LEVEL": "WARNING"}
    proc = subprocess.Popen(
        [
            os.path.join(os.path.dirname(sys.executable), "fillgate"),
            *("serve", "--listen", "127.0.0.1:0"),
            *("--config", str(config), "--journal", str(journal)),
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


def histogram(samples: array[int]) -> HdrHistogram:
    h = HdrHistogram(1, 60 * 10**9, 3)
    for s in samples:
        h.record_value(s)
    return h


def cpu_ns(pid: int) -> int:
    """CPU time of every thread of process ``pid`` so far, in ns (Linux schedstat)."""
    total = 0
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{task}/schedstat") as f:
                total += int(f.read().split()[0])
        except (FileNotFoundError, ProcessLookupError):
            continue  # a thread that ended meanwhile
    return total


async def measure(
    off: str,
    on: str,
    token: str | None,
    calls: int,
    warmup: int,
    warmed: Callable[[], None] = lambda: None,
) -> dict[str, array[int]]:
    channels = {"off": grpc.aio.insecure_channel(off), "on": grpc.aio.insecure_channel(on)}
    stubs = {name: pbgrpc.ExecutionServiceStub(ch) for name, ch in channels.items()}
    metadata = {"off": None, "on": (("authorization", f"Bearer {token}"),) if token else None}
    samples = {"off": array("q"), "on": array("q")}
    clock = time.perf_counter_ns
    for i in range(-warmup, calls):
        if i == 0:
            warmed()
        request = pb.SubmitOrderRequest(
            account="paper",
            symbol="BTC-USD",
            side=order_pb.SIDE_BUY if i % 2 else order_pb.SIDE_SELL,
            quantity="0.01",
            type=order_pb.ORDER_TYPE_MARKET,
            time_in_force=order_pb.TIME_IN_FORCE_IOC,
            client_order_id=f"a-{i}",
        )
        for name in ("off", "on") if i % 2 else ("on", "off"):
            t0 = clock()
            await stubs[name].SubmitOrder(request, metadata=metadata[name])
            if i >= 0:
                samples[name].append(clock() - t0)
    for ch in channels.values():
        await ch.close()
    return samples


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=3000)
    parser.add_argument("--warmup", type=int, default=300)
    parser.add_argument(
        "--aa",
        action="store_true",
        help="A/A check: both servers without auth, no token sent (the ratio's noise floor)",
    )
    ns = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="fillgate-auth-bench-"))
    store = TokenStore(scratch / "tokens.json")
    token, _ = store.create(name="bench", scopes=["trade:paper"], now_ns=time.time_ns())
    store.save()
    plain, secured = scratch / "off.toml", scratch / "on.toml"
    plain.write_text(CONFIG)
    secured.write_text(CONFIG + ("" if ns.aa else AUTH.format(tokens=scratch / "tokens.json")))
    configs = {"off": plain, "on": secured}
    samples: dict[str, array[int]] = {"off": array("q"), "on": array("q")}
    cpu = {"off": 0, "on": 0}
    # Two rounds with fresh servers started in swapped order: on this shared machine
    # the second process started measured a few % slower even with both unsecured.
    for round_, order in enumerate((("off", "on"), ("on", "off"))):
        servers = {
            name: start_server(configs[name], scratch / f"{name}-{round_}.journal")
            for name in order
        }
        start: dict[str, int] = {}

        def warmed(
            servers: dict[str, tuple[subprocess.Popen[str], str]] = servers,
            start: dict[str, int] = start,
        ) -> None:
            start.update({name: cpu_ns(proc.pid) for name, (proc, _) in servers.items()})

        try:
            got = uvloop.run(
                measure(
                    servers["off"][1],
                    servers["on"][1],
                    None if ns.aa else token,
                    ns.calls // 2,
                    ns.warmup,
                    warmed,
                )
            )
            for name, (proc, _) in servers.items():
                cpu[name] += cpu_ns(proc.pid) - start[name]
        finally:
            for proc, _ in servers.values():
                proc.send_signal(signal.SIGTERM)
                proc.wait(10)
        for name in samples:
            samples[name].extend(got[name])
    hists = {name: histogram(values) for name, values in samples.items()}
    print(f"SubmitOrder -> ack, {ns.calls} sequential calls each, interleaved; microseconds")
    header = "".join(f"{'p' + str(p):>9}" for p in PERCENTILES)
    print(f"{'auth':<8}{header}{'max':>9}")
    for name, h in hists.items():
        cells = "".join(f"{h.get_value_at_percentile(p) / 1000:>9.0f}" for p in PERCENTILES)
        print(f"{name:<8}{cells}{h.get_max_value() / 1000:>9.0f}")
    on, off = hists["on"], hists["off"]
    ratios = "  ".join(
        f"p{p} {on.get_value_at_percentile(p) / off.get_value_at_percentile(p):.3f}x"
        for p in PERCENTILES
    )
    label = "A/A (both off)" if ns.aa else "auth on/off"
    print(f"{label}: {ratios}  (target p99 <= 1.05x)")
    # CPU per call does not depend on how busy the shared machine is, latency does.
    per_call = {name: cpu[name] / len(samples[name]) / 1000 for name in cpu}
    print(
        f"server CPU per SubmitOrder: off {per_call['off']:.0f} us, on {per_call['on']:.0f} us "
        f"({per_call['on'] / per_call['off']:.3f}x)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
