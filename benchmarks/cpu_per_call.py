"""Server CPU per call over gRPC: an empty Ping next to a SubmitOrder, journal on and off.

Starts ``fillgate serve`` (paper venue, defaults) and sends N sequential calls of
each from this process; reads the server's CPU time (every thread, Linux
schedstat) around each series. Where ``cpu_per_order.py`` measures the order
path in process, this measures what a call costs the server end to end: gRPC's
own work (the Ping), the order path, and the journal (the write, the sync
thread's fdatasync in the kernel, the wake-up back to the loop).

    python benchmarks/cpu_per_call.py [--calls 3000]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections.abc import Awaitable, Callable
from typing import Any

import grpc
import uvloop
from auth_latency import cpu_ns  # sibling scripts: run as `python benchmarks/<x>.py`
from quick_latency import order_request, start_server

from fillgate.v1 import admin_service_pb2 as apb
from fillgate.v1 import admin_service_pb2_grpc as agrpc
from fillgate.v1 import execution_service_pb2_grpc as pbgrpc

Call = Callable[[int], Awaitable[Any]]


async def _series(pid: int, calls: int, call: Call) -> tuple[float, float]:
    """(server CPU us per call, wall us per call) over ``calls`` sequential calls."""
    c0, t0 = cpu_ns(pid), time.perf_counter()
    for i in range(calls):
        await call(i)
    return (cpu_ns(pid) - c0) / calls / 1e3, (time.perf_counter() - t0) / calls * 1e6


async def run(journal: str, calls: int) -> dict[str, tuple[float, float]]:
    proc, target = start_server(journal)
    try:
        async with grpc.aio.insecure_channel(target) as channel:
            admin = agrpc.AdminServiceStub(channel)
            execution = pbgrpc.ExecutionServiceStub(channel)

            async def ping(i: int) -> Any:
                return await admin.Ping(apb.PingRequest())

            async def submit(i: int) -> Any:
                return await execution.SubmitOrder(order_request(i, "cpu"))

            await _series(proc.pid, calls // 10, ping)  # warm-up
            await _series(proc.pid, calls // 10, lambda i: submit(calls + i))
            return {
                "Ping": await _series(proc.pid, calls, ping),
                "SubmitOrder": await _series(proc.pid, calls, submit),
            }
    finally:
        proc.kill()
        proc.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=3000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        results = {
            "journal on": uvloop.run(run(os.path.join(tmp, "journal"), args.calls)),
            "journal off": uvloop.run(run("off", args.calls)),
        }
    print(f"{'server':12} {'rpc':12} {'CPU us/call':>12} {'wall us/call':>13}")
    for name, rows in results.items():
        for rpc, (cpu, wall) in rows.items():
            print(f"{name:12} {rpc:12} {cpu:12.0f} {wall:13.0f}")


if __name__ == "__main__":
    main()
