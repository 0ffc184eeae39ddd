"""Typed results of ``RiskService.GetRiskState`` and their conversion from protobuf.

Limits and usages are ``Decimal``; a usage the server leaves empty (a limit
judged per order, such as ``max_order_notional``) is ``None``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from ._convert import _dec, _enum, _opt_dec, _time
from .types import BreakerKind, BreakerState, TradingMode


@dataclass(frozen=True, slots=True, kw_only=True)
class RiskLimit:
    """One configured limit and how much of it is in use."""

    name: str
    """The config key, e.g. ``max_order_notional``, or ``buying_power``."""
    subject: str
    """The symbol or strategy it is set for; empty for the account itself."""
    limit: Decimal
    usage: Decimal | None
    """Current usage in the limit's unit; ``None`` for limits judged per order."""

    @property
    def utilization(self) -> Decimal | None:
        """Return usage as a fraction of the limit, when both are known and the limit > 0."""
        if self.usage is None or self.limit <= 0:
            return None
        return self.usage / self.limit


@dataclass(frozen=True, slots=True, kw_only=True)
class BreakerStatus:
    """One circuit breaker of an account."""

    breaker: BreakerKind
    state: BreakerState
    limit: Decimal | None
    value: Decimal
    """The latest measure (for slippage: the worst fill today)."""
    mode: TradingMode
    cancel_open_orders: bool
    flatten_positions: bool
    trip_time: datetime | None
    trip_message: str


@dataclass(frozen=True, slots=True, kw_only=True)
class AccountRisk:
    """The risk picture of one account."""

    account: str
    equity: Decimal
    day_start_equity: Decimal
    day_peak_equity: Decimal
    limits: tuple[RiskLimit, ...]
    breakers: tuple[BreakerStatus, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class RiskState:
    """Every limit with its usage and every breaker with its state."""

    enabled: bool
    """False when the server runs without pre-trade checks and breakers."""
    accounts: tuple[AccountRisk, ...]
    global_limits: tuple[RiskLimit, ...]


def risk_limit_from_proto(m: Any) -> RiskLimit:
    """Convert a ``fillgate.v1.RiskLimit``."""
    return RiskLimit(name=m.name, subject=m.subject, limit=_dec(m.limit), usage=_opt_dec(m.usage))


def breaker_status_from_proto(m: Any) -> BreakerStatus:
    """Convert a ``fillgate.v1.BreakerStatus``."""
    return BreakerStatus(
        breaker=_enum(BreakerKind, m.breaker),
        state=_enum(BreakerState, m.state),
        limit=_opt_dec(m.limit),
        value=_dec(m.value),
        mode=_enum(TradingMode, m.mode),
        cancel_open_orders=m.cancel_open_orders,
        flatten_positions=m.flatten_positions,
        trip_time=_time(m, "trip_time"),
        trip_message=m.trip_message,
    )


def account_risk_from_proto(m: Any) -> AccountRisk:
    """Convert a ``fillgate.v1.AccountRisk``."""
    return AccountRisk(
        account=m.account,
        equity=_dec(m.equity),
        day_start_equity=_dec(m.day_start_equity),
        day_peak_equity=_dec(m.day_peak_equity),
        limits=tuple(risk_limit_from_proto(x) for x in m.limits),
        breakers=tuple(breaker_status_from_proto(b) for b in m.breakers),
    )


def risk_state_from_proto(m: Any) -> RiskState:
    """Convert a ``GetRiskStateResponse``."""
    return RiskState(
        enabled=m.enabled,
        accounts=tuple(account_risk_from_proto(a) for a in m.accounts),
        global_limits=tuple(risk_limit_from_proto(x) for x in m.global_limits),
    )


__all__ = [
    "AccountRisk",
    "BreakerStatus",
    "RiskLimit",
    "RiskState",
    "account_risk_from_proto",
    "breaker_status_from_proto",
    "risk_limit_from_proto",
    "risk_state_from_proto",
]
