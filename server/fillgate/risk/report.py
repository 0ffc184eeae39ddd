"""The risk picture for GetRiskState: every configured limit with its usage, every breaker.

Built on request from the running aggregates; it walks an account's slots
(one per symbol traded), which is fine off the order path.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields
from decimal import Decimal

from fillgate.domain.enums import Breaker, BreakerState, TradingMode
from fillgate.domain.ratelimit import TokenBucket
from fillgate.domain.values import RATIO, ZERO
from fillgate.risk.breakers import Tripped, pct
from fillgate.risk.checks import RiskChecks

#: Limits judged per order: they have no running usage.
_PER_ORDER = {
    "max_order_quantity",
    "max_order_notional",
    "min_order_quantity",
    "price_collar_pct",
    "tick_size",
    "lot_size",
    "margin_rate",
    "orders_per_second",
}


@dataclass(frozen=True, slots=True, kw_only=True)
class LimitUsage:
    """One configured limit; ``usage`` is None for limits judged per order."""

    name: str
    #: The symbol or strategy it is set for; "" for the account (or all accounts).
    subject: str
    limit: Decimal
    usage: Decimal | None


@dataclass(frozen=True, slots=True, kw_only=True)
class BreakerStatus:
    breaker: Breaker
    state: BreakerState
    limit: Decimal | None
    value: Decimal
    mode: TradingMode
    cancel_open_orders: bool
    flatten_positions: bool
    tripped: Tripped | None


@dataclass(frozen=True, slots=True, kw_only=True)
class AccountRisk:
    account: str
    equity: Decimal
    day_start_equity: Decimal
    day_peak_equity: Decimal
    limits: tuple[LimitUsage, ...]
    breakers: tuple[BreakerStatus, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class RiskState:
    accounts: tuple[AccountRisk, ...]
    global_limits: tuple[LimitUsage, ...]


def risk_state(risk: RiskChecks, accounts: Iterable[str]) -> RiskState:
    """Return the limits and breakers of ``accounts`` (ordered by name)."""
    cap = risk.settings.max_total_gross_exposure
    total = risk.exposure.total_gross
    global_limits = (
        (LimitUsage(name="max_total_gross_exposure", subject="", limit=cap, usage=total),)
        if cap is not None
        else ()
    )
    return RiskState(
        accounts=tuple(_account(risk, name) for name in sorted(accounts)),
        global_limits=global_limits,
    )


def _account(risk: RiskChecks, account: str) -> AccountRisk:
    equity = risk.book.snapshot(account).equity
    acc = risk.exposure.accounts[account]
    slots = risk.exposure.slots(account)
    worst = {s.symbol: s.worst(risk.book.quantity(account, s.symbol)) for s in slots}
    value = {s.symbol: s.gross for s in slots}
    usage: dict[str, Decimal | None] = {
        "max_position_quantity": max(worst.values(), default=ZERO),
        "max_position_pct_equity": pct(max(value.values(), default=ZERO), equity),
        "max_open_positions": Decimal(acc.engaged),
        "max_gross_exposure_pct_equity": pct(acc.gross, equity),
        "max_leverage": RATIO.divide(acc.gross, equity) if equity > 0 else acc.gross,
        "one_pending_entry_per_side": Decimal(max((max(s.entries) for s in slots), default=0)),
    }
    limits = risk.settings.account(account)
    rows: list[LimitUsage] = []
    for f in fields(limits):
        limit = getattr(limits, f.name)
        if limit is None or limit is False:
            continue
        if f.name == "order_burst":
            continue  # shown with orders_per_second
        rows.append(_row(f.name, "", Decimal(limit), usage.get(f.name)))
        if f.name == "orders_per_second":
            bucket = risk.account_buckets.get(account)
            rows.append(_burst(bucket, limits.order_burst, limit, ""))
    if acc.margin or limits.margin_rate is not None:
        rows.append(LimitUsage(name="buying_power", subject="", limit=equity, usage=acc.margin))
    for symbol, rules in sorted(risk.settings.symbols.items()):
        per_symbol = {
            "max_position_quantity": worst.get(symbol, ZERO),
            "max_position_pct_equity": pct(value.get(symbol, ZERO), equity),
        }
        for f in fields(rules):
            limit = getattr(rules, f.name)
            if limit is not None:
                rows.append(_row(f.name, symbol, limit, per_symbol.get(f.name)))
    for strategy, strat in sorted(risk.settings.strategies.items()):
        for f in fields(strat):
            limit = getattr(strat, f.name)
            if limit is None or f.name == "order_burst":
                continue
            rows.append(_row(f.name, strategy, Decimal(limit), None))
            if f.name == "orders_per_second":
                bucket = risk.strategy_buckets.get(strategy)
                rows.append(_burst(bucket, strat.order_burst, limit, strategy))
    day = risk.breakers.day(account)
    return AccountRisk(
        account=account,
        equity=equity,
        day_start_equity=day.start,
        day_peak_equity=max(day.peak, equity),
        limits=tuple(rows),
        breakers=tuple(_breaker(risk, kind, account) for kind in Breaker),
    )


def _row(name: str, subject: str, limit: Decimal, usage: Decimal | None) -> LimitUsage:
    return LimitUsage(
        name=name, subject=subject, limit=limit, usage=None if name in _PER_ORDER else usage
    )


def _burst(
    bucket: TokenBucket | None, burst: int | None, rate: Decimal, subject: str
) -> LimitUsage:
    """The token bucket's size and how many tokens recent orders hold (whole orders)."""
    size = bucket.burst if bucket is not None else (burst or max(int(rate), 1))
    free = size if bucket is None else int(bucket.available())
    return LimitUsage(
        name="order_burst", subject=subject, limit=Decimal(size), usage=Decimal(size - free)
    )


def _breaker(risk: RiskChecks, kind: Breaker, account: str) -> BreakerStatus:
    cfg = risk.settings.breakers.get(kind)
    tripped = risk.breakers.day(account).tripped.get(kind)
    if cfg.limit is None:
        state = BreakerState.DISABLED
    else:
        state = BreakerState.TRIPPED if tripped is not None else BreakerState.ARMED
    return BreakerStatus(
        breaker=kind,
        state=state,
        limit=cfg.limit,
        value=risk.breakers.value(kind, account),
        mode=TradingMode[cfg.mode],
        cancel_open_orders=cfg.cancel_open_orders,
        flatten_positions=cfg.flatten_positions,
        tripped=tripped,
    )
