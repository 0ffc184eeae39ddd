"""The console's views and monitor over an in-process engine (unit harness, ManualClock)."""

from __future__ import annotations

from decimal import Decimal

from fillgate.console import page, views
from fillgate.console.monitor import Monitor, percentile
from fillgate.domain.enums import HaltScope, OrderType, TradingMode


class _Reconciler:
    def __init__(self, drifts: dict[str, int]) -> None:
        self._drifts = drifts
        self.last_reconciled_ns = {"acct-a": 7}

    def drifting(self, account: str) -> int:
        return self._drifts.get(account, 0)


def test_percentile_nearest_rank_in_milliseconds() -> None:
    samples = sorted(n * 1_000_000 for n in range(1, 101))  # 1..100 ms
    assert percentile(samples, 0.5) == 50.0
    assert percentile(samples, 0.99) == 99.0
    assert percentile([], 0.99) == 0.0


async def test_monitor_fill_reaches_tape_and_latency(harness) -> None:  # type: ignore[no-untyped-def]
    monitor = Monitor(harness.engine, tape_size=10, equity_sample_s=1)
    sub = harness.engine.bus.subscribe(from_sequence=0)
    order = await harness.submit_order()
    while (item := await sub.next(0)) is not None:
        monitor.observe(item)
    assert [f["order_id"] for f in monitor.tape] == [order.order_id]
    assert monitor.tape[0]["quantity"] == "1"
    assert monitor.latency()["count"] == 1


async def test_snapshot_money_is_decimal_strings(harness) -> None:  # type: ignore[no-untyped-def]
    await harness.submit_order(quantity=Decimal("0.5"))
    monitor = Monitor(harness.engine, tape_size=10, equity_sample_s=1)
    snap = page.snapshot(harness.engine, monitor, ["acct-a"], None)
    (account,) = snap["accounts"]
    assert isinstance(account["equity"], str) and Decimal(account["equity"]) > 0
    (position,) = snap["positions"]
    assert position["quantity"] == "0.5"
    assert snap["head"] == harness.engine.bus.head


async def test_snapshot_of_other_account_hides_its_orders(harness) -> None:  # type: ignore[no-untyped-def]
    await harness.submit_order(type=OrderType.LIMIT, limit_price=Decimal(1))
    monitor = Monitor(harness.engine, tape_size=10, equity_sample_s=1)
    assert page.snapshot(harness.engine, monitor, [], None)["orders"] == []
    assert len(page.snapshot(harness.engine, monitor, ["acct-a"], None)["orders"]) == 1


async def test_trading_state_strictest_of_all_and_account(harness) -> None:  # type: ignore[no-untyped-def]
    await harness.halt(TradingMode.REDUCING, HaltScope.ALL)
    await harness.halt(TradingMode.HALTED, HaltScope.ACCOUNT, "acct-a")
    assert views.trading_state(harness.engine, "acct-a")["mode"] == "HALTED"


async def test_symbols_show_market_phase(harness) -> None:  # type: ignore[no-untyped-def]
    assert harness.engine.sessions is not None
    (row,) = [r for r in views.symbols(harness.engine, 0) if r["symbol"] == "XYZ"]
    market = harness.engine.sessions.status("XYZ", 0)
    assert row["market"]["phase"] == market.phase.name
    assert row["market"]["calendar"] == market.calendar


async def test_venue_with_drift_is_degraded(harness) -> None:  # type: ignore[no-untyped-def]
    rows = views.venues(harness.engine, ["acct-a"], _Reconciler({"acct-a": 2}))  # type: ignore[arg-type]
    assert rows[0]["status"] == "DEGRADED" and rows[0]["last_reconciled_ns"] == 7
    harness.engine.blocked["acct-a"] = "cannot reconcile"
    rows = views.venues(harness.engine, ["acct-a"], _Reconciler({}))  # type: ignore[arg-type]
    assert rows[0]["status"] == "DOWN"
