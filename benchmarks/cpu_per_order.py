"""CPU per SubmitOrder on the order path, in process, without gRPC (issue 18: the mypyc lever).

Builds the server's components with ``fillgate.app.build`` on the embedded
default configuration (paper venue, risk on) with a journal in a temporary
directory and ``fsync = "never"``, then submits market IOC orders of 0.001
BTC-USD, alternating buy and sell, one at a time (closed loop), through

- ``engine``: ``Engine.submit`` with a domain command;
- ``servicer``: ``ExecutionServicer.SubmitOrder`` with a protobuf request (the
  request conversion, the engine, the answer's conversion; no gRPC).

Per order it records the wall time of the call (one core, closed loop, so
about its CPU time) and reports p50 and mean; ``cpu mean`` is the process CPU
time (all threads: the journal's writer too) divided by the orders. Each path
runs ``--repeats`` times, alternating, after a warm-up; a fresh build each time.

    PYTHONPATH=server python benchmarks/cpu_per_order.py [--orders 5000] [--repeats 5]

It prints which ``fillgate`` modules came compiled (mypyc extension modules
next to their ``.py``) so that runs with and without them can be compared;
alternate the two a few times (the machine is shared, and one run can be off by 2x).
"""

from __future__ import annotations

import argparse
import gc
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import uvloop

import fillgate
from fillgate.api.servicer import ExecutionServicer
from fillgate.app import Components, build
from fillgate.app.assembly import open_journal
from fillgate.config import config_from_dict
from fillgate.domain.commands import SubmitOrder
from fillgate.domain.enums import OrderType, Side, TimeInForce
from fillgate.v1 import execution_service_pb2 as pb
from fillgate.v1 import order_pb2

ACCOUNT = "paper"
SYMBOL = "BTC-USD"


def compiled_modules() -> list[str]:
    """The fillgate modules present as extension modules (built by mypyc), not .py files."""
    root = Path(fillgate.__file__).parent
    found = (p.relative_to(root) for p in root.rglob("*.so"))
    return sorted(str(p).split(".")[0].replace("/", ".") for p in found if "__mypyc" not in p.name)


class Rig:
    """A started engine journaling (fsync never) into a temporary directory."""

    def __init__(self, directory: Path) -> None:
        config = config_from_dict(
            {"journal": {"path": str(directory / "journal.log"), "fsync": "never"}}
        )
        journal = open_journal(config)
        assert journal is not None
        list(journal.open())
        journal.start()
        self.parts: Components = build(config, journal=journal)
        self.engine = self.parts.engine
        self.servicer = ExecutionServicer(self.engine, self.parts.kill_switch)
        self._ids = 0

    def next_id(self) -> str:
        self._ids += 1
        return f"cpu-{self._ids}"

    async def by_engine(self, buy: bool) -> Any:
        return await self.engine.submit(
            SubmitOrder(
                account=ACCOUNT,
                symbol=SYMBOL,
                side=Side.BUY if buy else Side.SELL,
                quantity=Decimal("0.001"),
                type=OrderType.MARKET,
                time_in_force=TimeInForce.IOC,
                client_order_id=self.next_id(),
            )
        )

    async def by_servicer(self, buy: bool) -> Any:
        request = pb.SubmitOrderRequest(
            account=ACCOUNT,
            symbol=SYMBOL,
            side=order_pb2.SIDE_BUY if buy else order_pb2.SIDE_SELL,
            quantity="0.001",
            type=order_pb2.ORDER_TYPE_MARKET,
            time_in_force=order_pb2.TIME_IN_FORCE_IOC,
            client_order_id=self.next_id(),
        )
        return await self.servicer.SubmitOrder(request, None)

    async def stop(self) -> None:
        await self.engine.stop()
        journal = self.engine.journal
        if journal is not None:
            await journal.close()


async def one_run(path: str, orders: int, warmup: int) -> tuple[float, float, float]:
    """(p50 us, mean us, process CPU mean us) per order for ``orders`` orders on ``path``."""
    with tempfile.TemporaryDirectory() as tmp:
        rig = Rig(Path(tmp))
        await rig.engine.start()
        call: Callable[[bool], Awaitable[Any]] = (
            rig.by_engine if path == "engine" else rig.by_servicer
        )
        for i in range(warmup):
            await call(i % 2 == 0)
        gc.collect()
        clock = time.perf_counter_ns
        samples: list[int] = []
        cpu0 = time.process_time_ns()
        for i in range(orders):
            t = clock()
            await call(i % 2 == 0)
            samples.append(clock() - t)
        cpu = time.process_time_ns() - cpu0
        await rig.stop()
    return statistics.median(samples) / 1e3, statistics.fmean(samples) / 1e3, cpu / orders / 1e3


async def run(args: argparse.Namespace) -> None:
    compiled = compiled_modules()
    print(f"compiled (mypyc): {', '.join(compiled) if compiled else 'none (pure Python)'}")
    results: dict[str, list[tuple[float, float, float]]] = {p: [] for p in args.paths}
    for r in range(args.repeats):
        for path in args.paths:
            p50, mean, cpu = await one_run(path, args.orders, args.warmup)
            results[path].append((p50, mean, cpu))
            print(
                f"  run {r + 1} {path:<9} p50 {p50:7.1f}  mean {mean:7.1f}  cpu mean {cpu:7.1f} us"
            )
    print(
        f"{'path':<9} {'p50 (med of runs)':>18} {'mean (med)':>11} {'cpu mean (med)':>15}  us/order"
    )
    for path, rows in results.items():
        p50 = statistics.median(r[0] for r in rows)
        mean = statistics.median(r[1] for r in rows)
        cpu = statistics.median(r[2] for r in rows)
        print(f"{path:<9} {p50:18.1f} {mean:11.1f} {cpu:15.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=5_000)
    parser.add_argument("--warmup", type=int, default=500)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument(
        "--paths", nargs="+", default=["engine", "servicer"], choices=["engine", "servicer"]
    )
    uvloop.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
