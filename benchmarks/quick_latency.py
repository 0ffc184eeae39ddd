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
import time
from array import array

import grpc
import uvloop
from hdrh.histogram import HdrHistogram

from fillgate.v1 import admin_service_pb2 as apb
from fillgate.v1 import admin_service_pb2_grpc as agrpc
from fillgate.v1 import execution_service_pb2 as pb
from fillgate.v1 import execution_service_pb2_grpc as pbgrpc
from fillgate.v1 import order_pb2 as order_pb

PERCENTILES = (50, 90, 99, 99.9)


def start_server() -> tuple[subprocess.Popen[str], str]:
    env = {**os.environ, "FILLGATE_LOG_LEVEL": "WARNING"}
    proc = subprocess.Popen(
        [
            os.path.join(os.path.dirname(sys.executable), "fillgate"),
            "serve",
            "--listen",
            "127.0.0.1:0",
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


async def measure(target: str, calls: int, warmup: int) -> tuple[array[int], array[int]]:
    async with grpc.aio.insecure_channel(target) as channel:
        admin = agrpc.AdminServiceStub(channel)
        execution = pbgrpc.ExecutionServiceStub(channel)
        ping = apb.PingRequest()

        def order(i: int) -> pb.SubmitOrderRequest:
            return pb.SubmitOrderRequest(
                account="paper",
                symbol="BTC-USD",
                side=order_pb.SIDE_BUY if i % 2 else order_pb.SIDE_SELL,
                quantity="0.01",
                type=order_pb.ORDER_TYPE_MARKET,
                time_in_force=order_pb.TIME_IN_FORCE_IOC,
                client_order_id=f"q-{i}",
            )

        for i in range(warmup):
            await admin.Ping(ping)
            await execution.SubmitOrder(order(-i - 1))
        pings, submits = array("q"), array("q")
        clock = time.perf_counter_ns
        for i in range(calls):
            t0 = clock()
            await admin.Ping(ping)
            t1 = clock()
            await execution.SubmitOrder(order(i))
            t2 = clock()
            pings.append(t1 - t0)
            submits.append(t2 - t1)
        return pings, submits


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=10_000)
    parser.add_argument("--warmup", type=int, default=500)
    ns = parser.parse_args()
    proc, target = start_server()
    try:
        pings, submits = uvloop.run(measure(target, ns.calls, ns.warmup))
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(10)
    hp, hs = histogram(pings), histogram(submits)
    print(f"{ns.calls} sequential calls each, interleaved; latency in microseconds")
    print(f"{'rpc':<14}" + "".join(f"{'p' + str(p):>10}" for p in PERCENTILES) + f"{'max':>10}")
    for name, h in (("Ping (empty)", hp), ("SubmitOrder", hs)):
        cells = "".join(f"{h.get_value_at_percentile(p) / 1000:>10.0f}" for p in PERCENTILES)
        print(f"{name:<14}{cells}{h.get_max_value() / 1000:>10.0f}")
    ratios = "".join(
        f"{hs.get_value_at_percentile(p) / hp.get_value_at_percentile(p):>10.2f}"
        for p in PERCENTILES
    )
    print(f"{'ratio':<14}{ratios}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
