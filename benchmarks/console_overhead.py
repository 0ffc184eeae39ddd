"""What the web console costs the order path: SubmitOrder -> ack with a browser attached vs not.

Starts two ``fillgate serve`` processes (journal on, paper venue): one plain, one
with ``--console`` and a headless chromium showing the console page (its live
event stream and periodic snapshot reads). Then makes N sequential SubmitOrder
calls to each, interleaved call by call so machine noise hits both alike, and
prints p50/p90/p99 and the ratios. A short closed-loop check, one run:

    python benchmarks/console_overhead.py --calls 3000
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from array import array

import grpc
import uvloop
from hdrh.histogram import HdrHistogram

from fillgate.v1 import execution_service_pb2 as pb
from fillgate.v1 import execution_service_pb2_grpc as pbgrpc
from fillgate.v1 import order_pb2 as order_pb

PERCENTILES = (50, 90, 99)
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def start_server(journal: str, console: str | None) -> tuple[subprocess.Popen[str], str, str]:
    env = {**os.environ, "FILLGATE_LOG_LEVEL": "WARNING"}
    argv = [
        os.path.join(os.path.dirname(sys.executable), "fillgate"),
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--journal",
        journal,
    ]
    if console is not None:
        argv += ["--console", console]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True, env=env)
    assert proc.stdout is not None
    match = re.search(r"listening on (\S+)", proc.stdout.readline())
    if not match:
        proc.kill()
        raise SystemExit("server did not start")
    url = ""
    if console is not None:
        found = re.search(r"console on (\S+)", proc.stdout.readline())
        url = found.group(1) if found else ""
    return proc, match.group(1), url


def attach_browser(url: str, profile: str) -> subprocess.Popen[bytes]:
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    return subprocess.Popen(
        [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--remote-debugging-port=0", url],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


async def measure(
    targets: dict[str, str], calls: int, warmup: int, shed: dict[str, int]
) -> dict[str, array[int]]:
    channels = {name: grpc.aio.insecure_channel(t) for name, t in targets.items()}
    stubs = {name: pbgrpc.ExecutionServiceStub(ch) for name, ch in channels.items()}
    samples = {name: array("q") for name in stubs}
    clock = time.perf_counter_ns
    for i in range(-warmup, calls):
        for name, stub in stubs.items():
            request = pb.SubmitOrderRequest(
                account="paper",
                symbol="BTC-USD",
                side=order_pb.SIDE_BUY if i % 2 else order_pb.SIDE_SELL,
                quantity="0.01",
                type=order_pb.ORDER_TYPE_MARKET,
                time_in_force=order_pb.TIME_IN_FORCE_IOC,
                client_order_id=f"c-{i}",
            )
            t0 = clock()
            try:
                await stub.SubmitOrder(request)
            except grpc.aio.AioRpcError as exc:  # shed by admission control: counted, reported
                if exc.code() is not grpc.StatusCode.RESOURCE_EXHAUSTED:
                    raise
                shed[name] = shed.get(name, 0) + 1
                continue
            if i >= 0:
                samples[name].append(clock() - t0)
    for ch in channels.values():
        await ch.close()
    return samples


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=3000)
    parser.add_argument("--warmup", type=int, default=300)
    parser.add_argument("--console", default="127.0.0.1:18765", help="console address")
    ns = parser.parse_args()
    scratch = tempfile.mkdtemp(prefix="fillgate-console-bench-")
    plain = start_server(os.path.join(scratch, "plain.journal"), None)
    with_console = start_server(os.path.join(scratch, "console.journal"), ns.console)
    browser = attach_browser(with_console[2], os.path.join(scratch, "profile"))
    try:
        time.sleep(3)  # the page loads and opens its event stream
        if browser.poll() is not None:
            raise SystemExit("chromium exited")
        shed: dict[str, int] = {}
        samples = uvloop.run(
            measure(
                {"console off": plain[1], "console + browser": with_console[1]},
                ns.calls,
                ns.warmup,
                shed,
            )
        )
    finally:
        browser.terminate()
        browser.wait(10)
        for proc, _, _ in (plain, with_console):
            proc.send_signal(signal.SIGTERM)
            proc.wait(10)
        shutil.rmtree(scratch, ignore_errors=True)
    hists = {}
    for name, values in samples.items():
        h = HdrHistogram(1, 60 * 10**9, 3)
        for v in values:
            h.record_value(v)
        hists[name] = h
    print(f"{ns.calls} sequential SubmitOrder calls to each server, interleaved; microseconds")
    print(f"{'server':<22}" + "".join(f"{'p' + str(p):>9}" for p in PERCENTILES))
    for name, h in hists.items():
        print(
            f"{name:<22}"
            + "".join(f"{h.get_value_at_percentile(p) / 1e3:>9.0f}" for p in PERCENTILES)
        )
    print(f"shed (RESOURCE_EXHAUSTED): {shed or 'none'}")
    off, on = hists["console off"], hists["console + browser"]
    for p in PERCENTILES:
        ratio = on.get_value_at_percentile(p) / off.get_value_at_percentile(p)
        print(f"p{p} console+browser / off: {ratio:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
