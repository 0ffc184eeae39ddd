"""Journal replay speed: write N events the way the server does, then time a cold start.

The journal is filled by a real engine (paper venue, journal on, fsync never)
with market orders across several accounts and symbols (accepted, acknowledged
and filled: three events each) plus resting limit orders, then a fresh engine
replays it exactly as ``create_server`` does. Target: 1,000,000 events in
under 10 s.

With ``--snapshot`` the filling engine takes a snapshot ``--tail`` events
before the end (as the server's snapshotter does: capture on the loop, write
in a worker), reporting the capture's pause of the loop, the write time, how
late a 1 ms timer on the idle loop fires while the worker writes, and then,
writing it again while submits go on back to back, the submit latency
before and during the write (with the longest cyclic-GC pause meanwhile:
this process does not ``gc.freeze`` as the server does, so full collections
show up here). Then the cold start is timed twice, each in a fresh process:
from the snapshot plus the tail, and from the whole journal.

    python benchmarks/bench_replay.py --events 1000000
    python benchmarks/bench_replay.py --events 1000000 --snapshot --tail 10000
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import shutil
import subprocess
import sys
import tempfile
import time
from collections import deque
from decimal import Decimal
from pathlib import Path

import uvloop

from fillgate.app import Components, build
from fillgate.config import config_from_dict
from fillgate.domain.commands import SubmitOrder
from fillgate.domain.enums import OrderType, Side, TimeInForce
from fillgate.engine.checkpoints import Snapshotter
from fillgate.engine.recovery import rebuild
from fillgate.engine.snapshot import capture
from fillgate.journal.journal import FsyncPolicy, Journal
from fillgate.journal.snapshots import list_snapshots

ACCOUNTS = [f"acct-{i}" for i in range(10)]
SYMBOLS = [f"SYM{i}" for i in range(20)]


def make_config():  # type: ignore[no-untyped-def]
    return config_from_dict(
        {
            "accounts": {a: {"starting_cash": "1000000000"} for a in ACCOUNTS},
            "symbols": {
                s: {"reference_price": "100", "price_precision": 2, "quantity_precision": 2}
                for s in SYMBOLS
            },
        }
    )


async def _lag_while(task: asyncio.Future[object]) -> list[float]:
    """Sleep 1 ms at a time until ``task`` ends; return how late each wake-up was (s)."""
    late = []
    while not task.done():
        t0 = time.perf_counter()
        await asyncio.sleep(0.001)
        late.append(time.perf_counter() - t0 - 0.001)
    return late


class _Collections:
    """Time the cyclic collector's runs (gc.callbacks), to tell its pauses from ours."""

    def __init__(self) -> None:
        self.longest = 0.0
        self.generation = -1
        self._started = 0.0

    def note(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        elif time.perf_counter() - self._started > self.longest:
            self.longest = time.perf_counter() - self._started
            self.generation = info["generation"]


def _percentiles(values: list[float]) -> str:
    if not values:
        return "(none)"
    values = sorted(values)
    p50, p99 = values[len(values) // 2], values[int(len(values) * 0.99)]
    return (
        f"p50 {p50 * 1e6:.0f} us / p99 {p99 * 1e6:.0f} us / max {values[-1] * 1e3:.1f} ms "
        f"({len(values):,} submits)"
    )


async def _idle_snapshot(parts: Components, journal: Journal, snapshotter: Snapshotter) -> None:
    """Take a snapshot with the loop idle but for a 1 ms timer; say how late the timer ran."""
    task = asyncio.ensure_future(snapshotter.take())
    late = sorted(await _lag_while(task))
    await task
    p99 = late[int(len(late) * 0.99)] if late else 0.0
    print(
        f"snapshot at record {journal.next_seq - 1:,} "
        f"({len(parts.engine.state.orders.orders):,} orders, "
        f"{len(parts.engine.open_orders()):,} open): "
        f"capture (loop paused) {snapshotter.last_capture_s * 1e3:.1f} ms, "
        f"encode+write {snapshotter.last_write_s:.2f} s; idle-loop 1 ms timer late by "
        f"p99 {p99 * 1e3:.2f} ms, max {max(late, default=0) * 1e3:.2f} ms "
        f"over {len(late)} wake-ups"
    )
    pauses = []
    for _ in range(5):
        mark = journal.mark()
        assert mark is not None
        started = time.perf_counter()
        capture(parts.engine.state, parts.engine.bus, mark, 0)
        pauses.append(time.perf_counter() - started)
    print("capture alone, 5 times: " + ", ".join(f"{p * 1e3:.1f}" for p in pauses) + " ms")


async def fill_journal(path: Path, events: int, snapshot_at: int | None) -> int:
    journal = Journal(path, FsyncPolicy.NEVER)
    journal.open()
    journal.start()
    parts = build(make_config(), journal=journal)
    await parts.engine.start()
    snapshotter = Snapshotter(parts.engine, journal, 0)
    i = 0
    before: deque[float] = deque(maxlen=5000)  # submit latencies just before the snapshot
    during: list[float] = []  # ... while a snapshot is written under that load
    loaded: asyncio.Future[object] | None = None
    collections: _Collections | None = None
    while journal.next_seq <= events:
        if snapshot_at is not None and journal.next_seq > snapshot_at:
            snapshot_at = None
            await _idle_snapshot(parts, journal, snapshotter)
            collections = _Collections()
            gc.callbacks.append(collections.note)
            loaded = asyncio.ensure_future(snapshotter.take())
        resting = i % 50 == 1  # odd: a buy, at 50 below the price: it rests
        started = time.perf_counter()
        await parts.engine.submit(
            SubmitOrder(
                account=ACCOUNTS[i % len(ACCOUNTS)],
                symbol=SYMBOLS[i % len(SYMBOLS)],
                side=Side.BUY if i % 2 else Side.SELL,
                quantity=Decimal("1.5"),
                type=OrderType.LIMIT if resting else OrderType.MARKET,
                limit_price=Decimal("50") if resting else None,
                time_in_force=TimeInForce.GTC,
                client_order_id=f"r-{i}",
            )
        )
        took = time.perf_counter() - started
        if loaded is None:
            before.append(took)
        elif not loaded.done():
            during.append(took)
        i += 1
    if loaded is not None and collections is not None:
        outlasted = not loaded.done()
        await loaded
        gc.callbacks.remove(collections.note)
        print(
            f"snapshot under load (back-to-back submits in process): encode+write "
            f"{snapshotter.last_write_s:.2f} s{' (outlasting the tail)' if outlasted else ''}; "
            f"submit latency before {_percentiles(list(before))}, during "
            f"{_percentiles(during)}; longest cyclic GC pause meanwhile "
            f"{collections.longest * 1e3:.0f} ms (generation {collections.generation}; "
            "the bench does not gc.freeze)"
        )
    await journal.close()
    return journal.next_seq - 1


def cold_start(path: Path, *, snapshots: bool) -> tuple[float, float, int, int]:
    """Rebuild as create_server does; return (wall s, CPU s, orders, records replayed)."""

    async def run() -> tuple[float, float, int, int]:
        cpu0, t0 = time.process_time(), time.perf_counter()
        journal = Journal(path, FsyncPolicy.NEVER)
        parts = build(make_config(), journal=journal)
        stats = rebuild(parts.engine, journal, snapshots=snapshots)
        wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
        await journal.close()
        return wall, cpu, stats.orders, stats.records

    return uvloop.run(run())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--budget-s", type=float, default=10.0)
    parser.add_argument("--snapshot", action="store_true", help="also time a start from one")
    parser.add_argument("--tail", type=int, default=10_000, help="events after the snapshot")
    parser.add_argument("--cold-start", type=Path, help=argparse.SUPPRESS)  # the child's job
    parser.add_argument("--from-snapshot", action="store_true", help=argparse.SUPPRESS)
    ns = parser.parse_args()
    if ns.cold_start is not None:
        print(json.dumps(cold_start(ns.cold_start, snapshots=ns.from_snapshot)))
        return 0
    directory = Path(tempfile.mkdtemp(prefix="fillgate-replay-"))
    path = directory / "journal.log"
    started = time.perf_counter()
    snapshot_at = max(ns.events - ns.tail, 1) if ns.snapshot else None
    written = uvloop.run(fill_journal(path, ns.events, snapshot_at))
    print(
        f"wrote {written:,} events ({path.stat().st_size / 1e6:.0f} MB) "
        f"in {time.perf_counter() - started:.1f} s"
    )
    runs = [("full replay", False)]
    if ns.snapshot:
        [snap] = list_snapshots(path)[:1]
        print(f"snapshot {snap.path.name}: {snap.path.stat().st_size / 1e6:.0f} MB")
        runs.insert(0, ("from snapshot", True))
    verdict = "PASS"
    for label, snapshots in runs:
        # A restart is a fresh process: no heap, caches or page layout left by the fill.
        child = [sys.executable, __file__, "--cold-start", str(path)]
        child += ["--from-snapshot"] if snapshots else []
        out = subprocess.run(child, check=True, capture_output=True, text=True).stdout
        wall, cpu, orders, replayed = json.loads(out.strip().splitlines()[-1])
        ok = wall < ns.budget_s
        verdict = verdict if ok else "FAIL"
        print(
            f"{label}: {written:,} events ({orders:,} orders, {replayed:,} records replayed) "
            f"in {wall:.2f} s wall / {cpu:.2f} s CPU  {'PASS' if ok else 'FAIL'} "
            f"(budget {ns.budget_s:.0f} s)"
        )
    shutil.rmtree(directory)
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main())
