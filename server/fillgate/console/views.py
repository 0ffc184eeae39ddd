"""What the console shows, as JSON-ready dicts: money as decimal strings, never floats.

Everything here reads the engine's current state (immutable snapshots and
orders) and returns plain dicts; nothing awaits, so one snapshot is consistent.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import fields, is_dataclass
from decimal import Decimal
from enum import Enum
from typing import Any

from fillgate.book.positions import AccountSnapshot, Position
from fillgate.domain import events as ev
from fillgate.domain.enums import HaltScope, TradingMode
from fillgate.domain.orders import Order
from fillgate.domain.reports import ExecutionReport
from fillgate.domain.values import EXACT, ZERO, fmt
from fillgate.engine.engine import Engine
from fillgate.engine.reconcile import Reconciler
from fillgate.risk.report import risk_state
from fillgate.risk.trading_state import Restriction
from fillgate.streams.bus import BusEvent


def plain(value: Any) -> Any:
    """Turn a domain value into JSON-ready data: Decimal -> str, enum -> name, dataclass -> dict."""
    if isinstance(value, Decimal):
        return fmt(value)
    if isinstance(value, Enum):
        return value.name
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, tuple | list):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    return value


def order(o: Order) -> dict[str, Any]:
    data: dict[str, Any] = plain(o)
    data["tags"] = dict(o.tags)
    data["leaves_quantity"] = fmt(o.leaves_quantity)
    data["average_price"] = fmt(o.filled_notional / o.filled_quantity) if o.filled_quantity else ""
    return data


def position(p: Position, now_ns: int) -> dict[str, Any]:
    return {
        "account": p.account,
        "symbol": p.symbol,
        "quantity": fmt(p.quantity),
        "average_price": fmt(p.average_price),
        "mark": fmt(p.mark),
        "market_value": fmt(p.market_value),
        "realized_pnl": fmt(p.realized_pnl),
        "unrealized_pnl": fmt(p.unrealized_pnl),
        "fees": fmt(p.fees),
        "updated_ns": p.updated_ns,
        "age_s": max(0, now_ns - p.updated_ns) // 1_000_000_000 if p.updated_ns else None,
    }


def restriction(r: Restriction) -> dict[str, Any]:
    return {
        "scope": r.scope.name,
        "target": r.target,
        "mode": r.mode.name,
        "reason": r.reason,
        "requested_by": r.requested_by,
        "set_ns": r.set_ns,
    }


def trading_state(engine: Engine, account: str) -> dict[str, Any]:
    """The strictest restriction on the whole account (all trading, or the account itself)."""
    found = [
        r
        for r in (
            engine.trading.get(HaltScope.ALL, ""),
            engine.trading.get(HaltScope.ACCOUNT, account),
        )
        if r is not None
    ]
    if not found:
        return {"mode": TradingMode.ACTIVE.name, "reason": "", "requested_by": "", "scope": ""}
    worst = max(found, key=lambda r: r.mode)
    return {
        "mode": worst.mode.name,
        "reason": worst.reason,
        "requested_by": worst.requested_by,
        "scope": worst.scope.name,
    }


def account(engine: Engine, snap: AccountSnapshot, buying_power: Decimal) -> dict[str, Any]:
    return {
        "account": snap.account,
        "venue": engine.universe.accounts.get(snap.account, ""),
        "equity": fmt(snap.equity),
        "cash": fmt(snap.cash),
        "buying_power": fmt(buying_power),
        "realized_pnl": fmt(snap.realized_pnl),
        "unrealized_pnl": fmt(snap.unrealized_pnl),
        "fees": fmt(snap.fees),
        "market_value": fmt(snap.market_value),
        "gross_exposure": fmt(snap.gross_exposure),
        "net_exposure": fmt(snap.net_exposure),
        "open_positions": snap.open_positions,
        "trading_state": trading_state(engine, snap.account),
    }


def buying_power(engine: Engine, snap: AccountSnapshot) -> Decimal:
    """Equity less the margin in use when risk keeps margin; otherwise the cash."""
    risk = engine.risk
    if risk is None:
        return snap.cash
    margin = (
        risk.exposure.accounts[snap.account].margin
        if snap.account in (risk.exposure.accounts)
        else ZERO
    )
    return EXACT.subtract(snap.equity, margin) if margin else snap.cash


def risk(engine: Engine, accounts: Iterable[str]) -> dict[str, Any]:
    if engine.risk is None:
        return {"enabled": False, "accounts": [], "global_limits": []}
    state = risk_state(engine.risk, accounts)
    return {"enabled": True, **plain(state)}


def venues(engine: Engine, accounts: Iterable[str], reconciler: Reconciler | None) -> list[Any]:
    """Per account: its venue, whether it takes orders, drift, and its last reconciliation.

    DOWN: the venue cannot be read (no new orders); DEGRADED: it answers but
    disagrees with fillgate (drift reported); CONNECTED otherwise.
    """
    rows = []
    for name in accounts:
        blocked = engine.blocked.get(name)
        drifts = reconciler.drifting(name) if reconciler is not None else 0
        status, detail = "CONNECTED", ""
        if blocked:
            status, detail = "DOWN", blocked
        elif drifts:
            status, detail = "DEGRADED", f"{drifts} drift(s) reported"
        rows.append(
            {
                "account": name,
                "venue": engine.universe.accounts[name],
                "status": status,
                "detail": detail,
                "last_reconciled_ns": (
                    reconciler.last_reconciled_ns.get(name) if reconciler is not None else None
                ),
            }
        )
    return rows


def symbols(engine: Engine, now_ns: int) -> list[Any]:
    """Each symbol's reference price, its age, and its market phase (sessions)."""
    rows = []
    for s in engine.symbols():
        row: dict[str, Any] = {
            "symbol": s.config.name,
            "reference_price": fmt(s.reference_price),
            "quote_age_s": (now_ns - s.updated_ns) / 1e9 if s.updated_ns else None,
            "market": None,
        }
        if engine.sessions is not None:
            m = engine.sessions.status(s.config.name, now_ns)
            row["market"] = {
                "phase": m.phase.name,
                "calendar": m.calendar,
                "next_open_ns": m.next_open_ns,
                "next_close_ns": m.next_close_ns,
            }
        rows.append(row)
    return rows


def event(item: BusEvent) -> tuple[str, dict[str, Any]]:
    """Return (SSE event name, data) for one stream event."""
    payload = item.payload
    if isinstance(payload, ExecutionReport):
        data: dict[str, Any] = {
            "sequence": item.sequence,
            "exec_id": payload.exec_id,
            "exec_type": payload.exec_type.name,
            "order": order(payload.order),
            "monotonic_ns": payload.monotonic_ns,
        }
        if isinstance(payload.event, ev.OrderFilled):
            data["fill"] = fill(payload.order, payload.event)
        return "execution", data
    name = {
        ev.TradingStateChanged: "trading_state",
        ev.BreakerTripped: "breaker",
        ev.VenueDrift: "venue_drift",
    }.get(type(payload), "other")
    return name, {"sequence": item.sequence, "type": type(payload).__name__, **plain(payload)}


def fill(o: Order, f: ev.OrderFilled) -> dict[str, Any]:
    return {
        "order_id": o.order_id,
        "account": o.account,
        "symbol": o.symbol,
        "side": o.side.name,
        "quantity": fmt(f.quantity),
        "price": fmt(f.price),
        "fee": fmt(f.fee),
        "ts_ns": f.ts_ns,
    }
