"""The snapshot the page paints first: every panel, and the sequence it is consistent with."""

from __future__ import annotations

from typing import Any

from fillgate.domain.enums import HaltScope
from fillgate.engine.engine import Engine
from fillgate.engine.reconcile import Reconciler

from . import views
from .monitor import Monitor


def snapshot(
    engine: Engine, monitor: Monitor, accounts: list[str], reconciler: Reconciler | None
) -> dict[str, Any]:
    """Everything the page shows for ``accounts``, consistent (nothing awaits)."""
    now = engine.clock.now_ns()
    wanted = set(accounts)
    snaps = engine.book.snapshots(accounts) if accounts else []
    return {
        "head": engine.bus.head,
        "now_ns": now,
        "accounts": [views.account(engine, s, views.buying_power(engine, s)) for s in snaps],
        "positions": [
            views.position(p, now)
            for s in snaps
            for p in s.positions.values()
            if p.quantity or p.realized_pnl
        ],
        "orders": [
            views.order(o)
            for o in sorted(engine.open_orders(), key=lambda o: o.created_ns)
            if o.account in wanted
        ],
        "fills": [f for f in monitor.tape if f["account"] in wanted],
        "restrictions": [
            views.restriction(r)
            for r in engine.trading.restrictions()
            if r.scope is not HaltScope.ACCOUNT or r.target in wanted
        ],
        "risk": views.risk(engine, accounts),
        "venues": views.venues(engine, accounts, reconciler),
        "symbols": views.symbols(engine, now),
        "latency": monitor.latency(),
        "equity_curve": monitor.equity_curve(wanted),
    }
