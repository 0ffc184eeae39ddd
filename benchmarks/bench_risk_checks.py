"""What the pre-trade risk engine adds to the order path, in process, under a loaded book.

Builds an engine with ``fillgate.app.build`` (paper venue, no journal, every
risk check and breaker switched on with limits generous enough never to
deny), puts 1,000 positions and 10,000 resting limit orders on record, then
submits market IOC orders of 0.01 alternating buy and sell over random
symbols, and measures per order:

- ``check``: ``RiskChecks.check`` (called from ``Engine._guard``);
- ``hooks``: every ``RiskChecks.on_order`` call the order's events make
  (accept, acknowledge, fill; exposure aggregates and breakers);
- ``added``: check + hooks, the risk engine's whole cost for the order, which
  the issue bounds at 50 us p99;
- ``guard``: ``Engine._guard`` with the risk engine and without (same state),
  and full ``Engine.submit`` with and without, interleaved, for context.

    python benchmarks/bench_risk_checks.py [--orders 20000] [--positions 1000]

Closed loop on one core: the numbers are CPU cost, not queueing. The timer
wrappers add ~0.1-0.3 us per call, so "added" is slightly pessimistic.
"""

from __future__ import annotations

import argparse
import gc
import random
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import uvloop
from hdrh.histogram import HdrHistogram

from fillgate.app import Components, build
from fillgate.config import config_from_dict
from fillgate.domain.commands import SubmitOrder
from fillgate.domain.enums import OrderType, Side, TimeInForce

BUDGET_P99_US = 50.0
PERCENTILES = (50, 90, 99, 99.9)
HUGE = "1000000000"


def make_config(accounts: list[str], symbols: int, risk_enabled: bool) -> Any:
    names = [f"S{i:04d}" for i in range(symbols)]
    return config_from_dict(
        {
            "accounts": {a: {"starting_cash": "1000000000000"} for a in accounts},
            "symbols": {
                n: {"reference_price": "100", "price_precision": 2, "quantity_precision": 4}
                for n in names
            },
            "risk": {
                "enabled": risk_enabled,
                "max_order_quantity": "1000",
                "max_order_notional": HUGE,
                "min_order_quantity": "0.0001",
                "price_collar_pct": "50",
                "max_position_quantity": HUGE,
                "max_position_pct_equity": "100",
                "max_open_positions": symbols * 2,
                "max_gross_exposure_pct_equity": "1000",
                "max_leverage": "100",
                "margin_rate": "0.5",
                "orders_per_second": HUGE,
                "order_burst": 1_000_000_000,
                "max_total_gross_exposure": "1000000000000000",
                "symbols": {n: {"tick_size": "0.01", "lot_size": "0.0001"} for n in names[::10]},
                "strategies": {"bench": {"orders_per_second": HUGE, "order_burst": 10**9}},
                "breakers": {
                    "daily_loss": {"limit": "1000000000000"},
                    "drawdown": {"limit": "99"},
                    "rejection_rate": {"limit": "99"},
                    "slippage": {"limit": "99"},
                },
            },
        }
    )


class Loaded:
    """An engine with positions and resting orders on record."""

    def __init__(self, accounts: int, positions: int, open_orders: int, risk: bool) -> None:
        self.accounts = [f"bench{i}" for i in range(accounts)]
        symbols = positions // accounts
        self.parts: Components = build(make_config(self.accounts, symbols, risk))
        self.engine = self.parts.engine
        self.names = sorted(self.parts.config.symbols)
        self.open_per_symbol = open_orders // positions
        self._ids = 0

    def command(
        self, account: str, symbol: str, side: Side, quantity: str, **kw: Any
    ) -> SubmitOrder:
        self._ids += 1
        return SubmitOrder(
            account=account,
            symbol=symbol,
            side=side,
            quantity=Decimal(quantity),
            type=kw.pop("type", OrderType.MARKET),
            time_in_force=kw.pop("tif", TimeInForce.IOC),
            client_order_id=f"b-{self._ids}",
            strategy_id="bench",
            **kw,
        )

    async def load(self) -> None:
        await self.engine.start()
        for account in self.accounts:
            for name in self.names:
                await self.engine.submit(self.command(account, name, Side.BUY, "1"))
                for k in range(self.open_per_symbol):
                    side = Side.BUY if k % 2 else Side.SELL
                    price = Decimal(90 - k) if side is Side.BUY else Decimal(110 + k)
                    order = self.command(
                        account, name, side, "0.5", type=OrderType.LIMIT, tif=TimeInForce.GTC,
                        limit_price=price,
                    )  # fmt: skip
                    await self.engine.submit(order)


def timed(samples: list[int], fn: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap ``fn`` so each call's duration (ns) is added to ``samples[-1]``."""
    clock = time.perf_counter_ns

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = clock()
        try:
            return fn(*args, **kwargs)
        finally:
            samples[-1] += clock() - start

    return wrapper


def histogram(values: list[int]) -> HdrHistogram:
    h = HdrHistogram(1, 10 * 10**9, 3)
    for v in values:
        h.record_value(max(v, 1))
    return h


def line(name: str, values: list[int]) -> str:
    h = histogram(values)
    cells = "  ".join(f"p{p:<4} {h.get_value_at_percentile(p) / 1000:8.2f}" for p in PERCENTILES)
    return f"{name:<22} {cells}   max {h.get_max_value() / 1000:9.2f}  (us, n={len(values)})"


async def run(args: argparse.Namespace) -> int:
    rng = random.Random(7)
    started = time.perf_counter()
    on = Loaded(args.accounts, args.positions, args.open_orders, risk=True)
    off = Loaded(args.accounts, args.positions, args.open_orders, risk=False)
    await on.load()
    await off.load()
    risk = on.engine.risk
    assert risk is not None and off.engine.risk is None
    positions = sum(s.open_positions for s in on.engine.book.snapshots())
    print(
        f"loaded in {time.perf_counter() - started:.1f}s: {len(on.accounts)} account(s), "
        f"{positions} positions, {len(on.engine.open_orders())} open orders, "
        f"gross exposure {risk.exposure.total_gross}"
    )
    if args.gc_freeze:
        gc.collect()
        gc.freeze()  # what a latency-tuned server does after startup

    check: list[int] = [0]
    hooks: list[int] = [0]
    risk.check = timed(check, risk.check)  # type: ignore[method-assign]
    risk.on_order = timed(hooks, risk.on_order)  # type: ignore[method-assign]

    # 1. the guard alone, with and without risk: no state changes, many samples
    guard_on: list[int] = []
    guard_off: list[int] = []
    clock = time.perf_counter_ns
    for i in range(args.orders * 5):
        account, symbol = rng.choice(on.accounts), rng.choice(on.names)
        side = Side.BUY if i % 2 else Side.SELL
        kw = {"account": account, "symbol": symbol, "strategy": "bench", "side": side,
              "quantity": Decimal("0.01"), "reduce_only": False}  # fmt: skip
        for engine, out in ((on.engine, guard_on), (off.engine, guard_off)):
            t = clock()
            engine._guard(**kw)
            out.append(clock() - t)

    # 2. full submits, interleaved: per order, the risk engine's own time
    gc.collect()
    added: list[int] = []
    checks: list[int] = []
    hook_ns: list[int] = []
    submit_on: list[int] = []
    submit_off: list[int] = []
    warmup = min(500, args.orders // 10)
    denied = 0
    for i in range(args.orders + warmup):
        account, symbol = rng.choice(on.accounts), rng.choice(on.names)
        side = Side.BUY if i % 2 else Side.SELL
        check.append(0)
        hooks.append(0)
        t = clock()
        try:
            await on.engine.submit(on.command(account, symbol, side, "0.01"))
        except Exception:
            denied += 1
        t_on = clock() - t
        t = clock()
        await off.engine.submit(off.command(account, symbol, side, "0.01"))
        t_off = clock() - t
        if i >= warmup:
            checks.append(check[-1])
            hook_ns.append(hooks[-1])
            added.append(check[-1] + hooks[-1])
            submit_on.append(t_on)
            submit_off.append(t_off)

    print()
    print(line("Engine._guard, no risk", guard_off))
    print(line("Engine._guard, risk", guard_on))
    print(line("Engine.submit, no risk", submit_off))
    print(line("Engine.submit, risk", submit_on))
    print(line("risk check", checks))
    print(line("risk hooks (3 events)", hook_ns))
    print(line("ADDED per order", added))
    p99 = histogram(added).get_value_at_percentile(99) / 1000
    verdict = "PASS" if p99 <= BUDGET_P99_US and not denied else "FAIL"
    print(
        f"\n{verdict}: risk adds {p99:.2f} us at p99 per order (budget {BUDGET_P99_US:.0f} us); "
        f"denied {denied}"
    )
    return 0 if verdict == "PASS" else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=20_000)
    parser.add_argument("--positions", type=int, default=1_000)
    parser.add_argument("--open-orders", type=int, default=10_000)
    parser.add_argument(
        "--accounts", type=int, default=1, help="spread the positions over this many accounts"
    )
    parser.add_argument("--gc-freeze", action="store_true", help="gc.freeze() after loading")
    return uvloop.run(run(parser.parse_args()))


if __name__ == "__main__":
    raise SystemExit(main())
