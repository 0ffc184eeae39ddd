"""Journal replay speed: write N events the way the server does, then time a cold start.

The journal is filled by a real engine (paper venue, journal on, fsync never)
with market orders across several accounts and symbols (accepted, acknowledged
and filled: three events each) plus resting limit orders, then a fresh engine
replays it exactly as ``create_server`` does. Target: 1,000,000 events in
under 10 s.

    python benchmarks/bench_replay.py --events 1000000
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

import uvloop

from fillgate.app import build
from fillgate.config import config_from_dict
from fillgate.domain.commands import SubmitOrder
from fillgate.domain.enums import OrderType, Side, TimeInForce
from fillgate.engine.recovery import replay
from fillgate.journal.journal import FsyncPolicy, Journal

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


async def fill_journal(path: Path, events: int) -> int:
    journal = Journal(path, FsyncPolicy.NEVER)
    journal.open()
    journal.start()
    parts = build(make_config(), journal=journal)
    await parts.engine.start()
    i = 0
    while journal.next_seq <= events:
        resting = i % 50 == 0
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
        i += 1
    await journal.close()
    return journal.next_seq - 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--budget-s", type=float, default=10.0)
    ns = parser.parse_args()
    path = Path(tempfile.mkdtemp(prefix="fillgate-replay-")) / "journal.log"
    started = time.perf_counter()
    written = uvloop.run(fill_journal(path, ns.events))
    print(
        f"wrote {written:,} events ({path.stat().st_size / 1e6:.0f} MB) "
        f"in {time.perf_counter() - started:.1f} s"
    )

    async def cold_start() -> tuple[float, float, float, int]:
        cpu0, t0 = time.process_time(), time.perf_counter()
        journal = Journal(path, FsyncPolicy.NEVER)
        records = journal.open()
        t1 = time.perf_counter()
        parts = build(make_config(), journal=journal)
        stats = replay(parts.engine, records, total=journal.records)
        t2 = time.perf_counter()
        return t1 - t0, t2 - t1, time.process_time() - cpu0, stats.orders

    read_s, apply_s, cpu_s, orders = uvloop.run(cold_start())
    total = read_s + apply_s
    verdict = "PASS" if total < ns.budget_s else "FAIL"
    print(
        f"replayed {written:,} events ({orders:,} orders): read+decode {read_s:.2f} s, "
        f"apply {apply_s:.2f} s, total {total:.2f} s wall / {cpu_s:.2f} s CPU "
        f"({total / written * 1e6:.1f} us/event)  {verdict} (budget {ns.budget_s:.0f} s)"
    )
    path.unlink()
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main())
