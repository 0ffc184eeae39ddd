"""Commands: what a client asks for. Imperative names; frozen; validated by the engine."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from fillgate.domain.enums import HaltScope, OrderType, Side, TimeInForce, TradingMode


@dataclass(frozen=True, slots=True, kw_only=True)
class SubmitOrder:
    """Place a new order. ``client_order_id`` is the idempotency key within the account."""

    account: str
    symbol: str
    side: Side
    quantity: Decimal
    type: OrderType
    time_in_force: TimeInForce
    client_order_id: str
    limit_price: Decimal | None = None
    stop_price: Decimal | None = None
    strategy_id: str = ""
    tags: tuple[tuple[str, str], ...] = ()
    reduce_only: bool = False
    #: Eligible in the pre-market and after-hours sessions (LIMIT + DAY only).
    extended_hours: bool = False
    #: The authenticated principal that sent it (journaled as "auth.by"); "" = the system.
    by: str = ""
    #: Good-till-date, ns since the epoch; 0 for none (see ``Order.expire_time_ns``).
    expire_time_ns: int = 0
    #: A time limit counted from acceptance, ns; 0 for none.
    expire_after_ns: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderRef:
    """Name an order by fillgate's id, or by account and client order id."""

    order_id: str = ""
    account: str = ""
    client_order_id: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class CancelOrder:
    """Cancel a working order."""

    ref: OrderRef
    #: The authenticated principal that sent it (journaled as "auth.by"); "" = the system.
    by: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class ReplaceOrder:
    """Change a working order's terms; None keeps the current value."""

    ref: OrderRef
    quantity: Decimal | None = None
    limit_price: Decimal | None = None
    stop_price: Decimal | None = None
    #: The authenticated principal that sent it (journaled as "auth.by"); "" = the system.
    by: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Halt:
    """Restrict trading in a scope, optionally canceling open orders and flattening."""

    scope: HaltScope
    target: str
    mode: TradingMode
    reason: str
    #: The authenticated principal that asked (no longer free text once auth is on).
    requested_by: str = ""
    cancel_open_orders: bool = False
    flatten_positions: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class Resume:
    """Lift the restriction of a scope."""

    scope: HaltScope
    target: str
    reason: str = ""
    requested_by: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class SetReferencePrice:
    """Move a symbol's reference price."""

    symbol: str
    price: Decimal
    #: The authenticated principal that sent it (journaled as "auth.by"); "" = the system.
    by: str = ""
