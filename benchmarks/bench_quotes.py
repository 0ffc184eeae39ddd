"""Quotes under load: SubmitOrder p99 with a 1,000 quotes/s feed on vs off, and quote-to-mark.

Part 1 (over gRPC): two ``fillgate serve`` processes with the same 100
symbols and journal settings, one replaying a paper price feed of 1,000
quotes/s across the 100 symbols (looping), one without. This process sends
SubmitOrder open-loop at 250/s (latency measured from each call's planned
send time, so a stall is not hidden), alternating between the two servers
in short windows so machine noise hits both alike. Prints p50/p99/max per
server and the p99 ratio on/off (target <= 1.2).

Part 2 (in process): one engine with the journal on, fed 1,000 quotes/s by
``PriceFeed`` while SubmitOrder runs at 250/s on the same loop; quote-to-mark
latency is from each quote's due time to the moment its mark is applied
(the feed's own lateness included). Prints p50/p99/max.

    python benchmarks/bench_quotes.py --seconds 6
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from array import array
from decimal import Decimal
from pathlib import Path

import grpc
import uvloop
from hdrh.histogram import HdrHistogram

from fillgate.app import build
from fillgate.config import config_from_dict
from fillgate.domain.commands import SubmitOrder
from fillgate.domain.enums import OrderType, Side, TimeInForce
from fillgate.journal.journal import FsyncPolicy, Journal
from fillgate.marketdata.feed import FeedQuote, PriceFeed
from fillgate.marketdata.quotes import FEED
from fillgate.v1 import execution_service_pb2 as pb
from fillgate.v1 import execution_service_pb2_grpc as pbgrpc
from fillgate.v1 import order_pb2 as order_pb

SYMBOLS = [f"S{i:02d}" for i in range(100)]
QUOTES_PER_S = 1000
SUBMITS_PER_S = 250
SHED: dict[str, int] = {}


def config_toml(feed: Path | None) -> str:
    # Admission control off: this measures latency; shedding would drop the slowest calls.
    lines = [
        "[server]\nadmission_max_in_flight_orders = 0\nadmission_max_loop_lag_ms = 0\n"
        "admission_max_queue_delay_ms = 0\n",
        '[accounts.paper]\nstarting_cash = "1000000000"\n',
    ]
    for s in SYMBOLS:
        lines.append(f'[symbols.{s}]\nreference_price = "100"\nprice_precision = 2\n')
    if feed is not None:
        lines.append(f'[marketdata]\nfeed = "{feed}"\nfeed_speed = 1\nfeed_loop = true\n')
    return "\n".join(lines)


def write_feed(path: Path, seconds: int = 10) -> None:
    """1,000 quotes/s across the symbols: a small walk around 100, 1 ms apart."""
    rows = ["time,symbol,bid,ask,last"]
    for i in range(seconds * QUOTES_PER_S):
        ms = i
        stamp = f"2026-01-05T14:{30 + ms // 60000:02d}:{(ms // 1000) % 60:02d}.{ms % 1000:03d}Z"
        bid = Decimal(9990 + (i // len(SYMBOLS) * 7) % 20) / 100  # moves every pass
        rows.append(f"{stamp},{SYMBOLS[i % len(SYMBOLS)]},{bid},{bid + Decimal('0.02')},")
    path.write_text("\n".join(rows) + "\n")


def start_server(config: Path, journal: Path) -> tuple[subprocess.Popen[str], str]:
    env = {**os.environ, "FILLGATE_LOG_LEVEL": "WARNING"}
    argv = [os.path.join(os.path.dirname(sys.executable), "fillgate"), "serve"]
    argv += ["--listen", "127.0.0.1:0", "--config", str(config), "--journal", str(journal)]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True, env=env)
    assert proc.stdout is not None
    match = re.search(r"listening on (\S+)", proc.stdout.readline())
    if not match:
        proc.kill()
        raise SystemExit("server did not start")
    return proc, match.group(1)


def histogram(samples: array[int]) -> HdrHistogram:
    h = HdrHistogram(1, 60 * 10**9, 3)
    for s in samples:
        h.record_value(max(1, s))
    return h


def order(i: int) -> pb.SubmitOrderRequest:
    return pb.SubmitOrderRequest(
        account="paper",
        symbol=SYMBOLS[i % len(SYMBOLS)],
        side=order_pb.SIDE_BUY if i % 2 else order_pb.SIDE_SELL,
        quantity="1",
        type=order_pb.ORDER_TYPE_MARKET,
        time_in_force=order_pb.TIME_IN_FORCE_IOC,
        client_order_id=f"b-{i}",
    )


async def open_loop(stub: object, start: int, count: int, out: array[int]) -> None:
    """Send ``count`` submits at SUBMITS_PER_S from now; record latency from the plan."""
    loop = asyncio.get_running_loop()
    interval = 1e9 / SUBMITS_PER_S
    planned0 = time.perf_counter_ns()
    tasks = []

    async def one(i: int, planned: int) -> None:
        try:
            await stub.SubmitOrder(order(i))  # type: ignore[attr-defined]
        except grpc.aio.AioRpcError as exc:  # shed by admission control: counted, not timed
            SHED[exc.code().name] = SHED.get(exc.code().name, 0) + 1
            return
        out.append(time.perf_counter_ns() - planned)

    for k in range(count):
        planned = planned0 + int(k * interval)
        delay = (planned - time.perf_counter_ns()) / 1e9
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(loop.create_task(one(start + k, planned)))
    await asyncio.gather(*tasks)


async def part1(targets: dict[str, str], seconds: float, window_s: float) -> dict[str, array[int]]:
    channels = {n: grpc.aio.insecure_channel(t) for n, t in targets.items()}
    stubs = {n: pbgrpc.ExecutionServiceStub(c) for n, c in channels.items()}
    samples = {n: array("q") for n in targets}
    per_window = int(window_s * SUBMITS_PER_S)
    i = 0
    for stub in stubs.values():  # warm up each server (connections, first orders)
        await open_loop(stub, i, 100, array("q"))
        i += 100
    windows = max(1, int(seconds / window_s))
    for _ in range(windows):
        for name, stub in stubs.items():
            before = dict(SHED)
            await open_loop(stub, i, per_window, samples[name])
            if before != SHED:
                print(f"  {name}: refused so far {SHED}", file=sys.stderr)
            i += per_window
    for c in channels.values():
        await c.close()
    return samples


async def part2(seconds: float, scratch: Path, with_submits: bool) -> array[int]:
    """Quote-to-mark on one engine: due time of each quote -> its mark applied."""
    config = config_from_dict(
        {
            "accounts": {"paper": {"starting_cash": "1000000000"}},
            "symbols": {s: {"reference_price": "100", "price_precision": 2} for s in SYMBOLS},
        }
    )
    journal = Journal(scratch / f"inproc-{with_submits}.log", FsyncPolicy.BATCH)
    list(journal.open())
    journal.start()
    parts = build(config, journal=journal)
    engine = parts.engine
    await engine.start()
    count = int(seconds * QUOTES_PER_S)
    quotes = [
        FeedQuote(
            offset_ns=i * 1_000_000,
            symbol=SYMBOLS[i % len(SYMBOLS)],
            bid=Decimal(9990 + (i // len(SYMBOLS) * 7) % 20) / 100,
            ask=Decimal(9992 + (i // len(SYMBOLS) * 7) % 20) / 100,
            last=None,
        )
        for i in range(count)
    ]
    latencies = array("q")
    start_ns = 0

    def deliver(q: FeedQuote) -> None:
        engine.on_quote(q.symbol, bid=q.bid, ask=q.ask, source=FEED)
        latencies.append(time.monotonic_ns() - (start_ns + q.offset_ns))

    feed = PriceFeed(quotes, deliver, speed=1)

    async def submits() -> None:
        for k in range(int(seconds * SUBMITS_PER_S) if with_submits else 0):
            await asyncio.sleep(1 / SUBMITS_PER_S)
            await engine.submit(
                SubmitOrder(
                    account="paper",
                    symbol=SYMBOLS[k % len(SYMBOLS)],
                    side=Side.BUY if k % 2 else Side.SELL,
                    quantity=Decimal(1),
                    type=OrderType.MARKET,
                    time_in_force=TimeInForce.IOC,
                    client_order_id=f"p-{k}",
                )
            )

    start_ns = time.monotonic_ns()  # PriceFeed's clock: monotonic, started just after
    await asyncio.gather(feed.run(), submits())
    await engine.stop()
    await journal.close()
    return latencies


def row(name: str, h: HdrHistogram) -> str:
    cells = "".join(f"{h.get_value_at_percentile(p) / 1000:>9.0f}" for p in (50, 99))
    return f"{name:<24}{cells}{h.get_max_value() / 1000:>9.0f}{h.get_total_count():>8}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=6.0, help="per series")
    parser.add_argument("--window", type=float, default=1.0, help="alternation window (s)")
    ns = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="fillgate-bench-quotes-"))
    feed = scratch / "feed.csv"
    write_feed(feed)
    servers = {}
    for name, path in (("feed off", None), ("feed on", feed)):
        config = scratch / f"{name.replace(' ', '-')}.toml"
        config.write_text(config_toml(path))
        servers[name] = start_server(config, scratch / f"{name.replace(' ', '-')}.log")
    try:
        time.sleep(0.5)  # let the feed get going
        samples = uvloop.run(part1({n: t for n, (_, t) in servers.items()}, ns.seconds, ns.window))
    finally:
        for proc, _ in servers.values():
            proc.send_signal(signal.SIGTERM)
            proc.wait(10)
    hists = {n: histogram(s) for n, s in samples.items()}
    print(f"SubmitOrder at {SUBMITS_PER_S}/s open loop, {ns.seconds:g} s per series, alternating")
    print(f"{'series (us)':<24}{'p50':>9}{'p99':>9}{'max':>9}{'n':>8}")
    for name, h in hists.items():
        print(row(name, h))
    off, on = hists["feed off"], hists["feed on"]
    ratio = on.get_value_at_percentile(99) / off.get_value_at_percentile(99)
    print(f"p99 feed on / feed off: {ratio:.2f} (target <= 1.2)")
    print(f"\nquote-to-mark at {QUOTES_PER_S} quotes/s, in process (us)")
    print(f"{'series (us)':<24}{'p50':>9}{'p99':>9}{'max':>9}{'n':>8}")
    for with_submits in (False, True):
        latencies = uvloop.run(part2(ns.seconds, scratch, with_submits))
        label = f"+{SUBMITS_PER_S} submits/s" if with_submits else "quotes only"
        print(row(label, histogram(latencies)))
    print(f"load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    return 0


if __name__ == "__main__":
    sys.exit(main())
