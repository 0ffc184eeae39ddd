"""Typed, immutable values mirroring the fillgate.v1 results.

Money and quantities are ``decimal.Decimal``. A price the server leaves empty
(``limit_price`` of a market order, ``average_fill_price`` before any fill, ...)
is ``None``; an empty quantity or amount is read as zero. Timestamps are
timezone-aware ``datetime`` in UTC, ``None`` when the server left them unset.

Enum values are the proto enum numbers, so ``Side.BUY.value == fillgate.v1.SIDE_BUY``.
``UNSPECIFIED`` exists only so that every number the server may send maps to a
member; it is never valid input.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Self, TypeAlias


class ProtoEnum(enum.Enum):
    """Base for enums whose values are proto enum numbers."""

    @property
    def label(self) -> str:
        """Return the lowercase, hyphenated name (``STOP_LIMIT`` -> ``stop-limit``)."""
        return self.name.lower().replace("_", "-")

    @classmethod
    def parse(cls, text: str) -> Self:
        """Return the member named ``text``, ignoring case and ``-``/``_`` differences."""
        key = text.strip().upper().replace("-", "_")
        try:
            member = cls[key]
        except KeyError:
            member = None
        if member is None or member.value == 0:
            choices = ", ".join(m.label for m in cls if m.value != 0)
            raise ValueError(f"invalid {cls.__name__} {text!r} (choose from {choices})")
        return member


class Side(ProtoEnum):
    """Direction of an order."""

    UNSPECIFIED = 0
    BUY = 1
    SELL = 2


class OrderType(ProtoEnum):
    """How an order is priced."""

    UNSPECIFIED = 0
    MARKET = 1
    LIMIT = 2
    STOP = 3
    STOP_LIMIT = 4


class TimeInForce(ProtoEnum):
    """How long an order stays working."""

    UNSPECIFIED = 0
    GTC = 1
    IOC = 2
    FOK = 3
    DAY = 4


class OrderState(ProtoEnum):
    """Lifecycle state of an order (FIX OrdStatus)."""

    UNSPECIFIED = 0
    PENDING_NEW = 1
    NEW = 2
    PARTIALLY_FILLED = 3
    FILLED = 4
    PENDING_CANCEL = 5
    PENDING_REPLACE = 6
    CANCELED = 7
    REJECTED = 8
    EXPIRED = 9
    QUEUED = 20
    """Held by fillgate while its market is closed, until ``Order.release_time``."""

    @property
    def is_terminal(self) -> bool:
        """Return whether the order can no longer change."""
        return self in _TERMINAL_STATES


_TERMINAL_STATES = frozenset(
    {OrderState.FILLED, OrderState.CANCELED, OrderState.REJECTED, OrderState.EXPIRED}
)


class ExecType(ProtoEnum):
    """Event an execution report announces (FIX ExecType)."""

    UNSPECIFIED = 0
    PENDING_NEW = 1
    NEW = 2
    TRADE = 3
    PENDING_CANCEL = 4
    CANCELED = 5
    PENDING_REPLACE = 6
    REPLACED = 7
    REJECTED = 8
    EXPIRED = 9
    TRIGGERED = 10
    CANCEL_REJECTED = 11
    REPLACE_REJECTED = 12
    QUEUED = 30
    RELEASED = 31


class StreamEventKind(ProtoEnum):
    """A kind of event a fill stream carries (``stream_fills(kinds=...)``)."""

    UNSPECIFIED = 0
    EXECUTION_REPORT = 1
    TRADING_STATE = 2
    RISK_ALERT = 3
    VENUE_DRIFT = 4
    SESSION = 5
    ALERT = 6
    DENIAL = 7
    """Opt-in: a stream carries denials only when ``kinds`` names this kind."""


class PositionLifecycle(ProtoEnum):
    """What a fill did to its position."""

    UNSPECIFIED = 0
    OPENED = 1
    INCREASED = 2
    REDUCED = 3
    CLOSED = 4
    REVERSED = 5


class TradingMode(ProtoEnum):
    """What trading a scope allows; the strictest applicable mode wins."""

    UNSPECIFIED = 0
    ACTIVE = 1
    REDUCING = 2
    HALTED = 3


class HaltScope(ProtoEnum):
    """What a halt applies to."""

    UNSPECIFIED = 0
    ALL = 1
    ACCOUNT = 2
    SYMBOL = 3
    STRATEGY = 4


class BreakerKind(ProtoEnum):
    """A circuit breaker."""

    UNSPECIFIED = 0
    DAILY_LOSS = 1
    DRAWDOWN = 2
    REJECTION_RATE = 3
    SLIPPAGE = 4


class BreakerState(ProtoEnum):
    """Whether a breaker watches, has tripped, or is off."""

    UNSPECIFIED = 0
    ARMED = 1
    TRIPPED = 2
    DISABLED = 3


class DriftKind(ProtoEnum):
    """What reconciliation with a venue found."""

    UNSPECIFIED = 0
    POSITION = 1
    """fillgate's position and the venue's differ in quantity."""
    UNKNOWN_ORDER = 2
    """The venue has an open order that fillgate did not place."""
    RECONCILE_FAILED = 3
    """The venue could not be read: the account takes no new orders until it reconciles."""
    RECONCILED = 4
    """The account reconciled again after a failure or a drift."""
    EQUITY = 50
    """The venue's equity and fillgate's differ by more than the tolerance."""
    SESSION = 55
    """The venue's market calendar or clock disagrees with the configured calendar."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Order:
    """One order as fillgate knows it."""

    order_id: str
    client_order_id: str
    venue_order_id: str
    account: str
    symbol: str
    side: Side
    type: OrderType
    time_in_force: TimeInForce
    quantity: Decimal
    limit_price: Decimal | None
    stop_price: Decimal | None
    strategy_id: str
    tags: Mapping[str, str] = field(default_factory=dict, hash=False)
    reduce_only: bool
    state: OrderState
    filled_quantity: Decimal
    leaves_quantity: Decimal
    average_fill_price: Decimal | None
    fees: Decimal
    venue: str
    triggered: bool
    reason: str
    version: int
    create_time: datetime | None
    update_time: datetime | None
    #: The symbol's mark (mid) when fillgate accepted the order; None when unknown.
    arrival_price: Decimal | None = None
    release_time: datetime | None = None
    """When a queued order goes to its venue (its market's open); None if never queued."""
    extended_hours: bool = False
    """Eligible in the pre-market and after-hours sessions."""
    #: The good-till-date the order was submitted with, if any.
    expire_time: datetime | None = None
    #: The time limit from acceptance the order was submitted with, if any.
    expire_after: timedelta | None = None
    #: When a time limit (the earlier of the two) ends the order if still open.
    expires_at: datetime | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class SubmitResult:
    """Result of a submit: the order and whether the request repeated an earlier one."""

    order: Order
    duplicate: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class PositionChange:
    """A position right after a fill, and what the fill did to it."""

    lifecycle: PositionLifecycle
    quantity: Decimal
    """Signed: positive long, negative short, zero flat."""
    average_price: Decimal | None
    """Average entry price of what is open; ``None`` when flat."""
    realized_pnl: Decimal


@dataclass(frozen=True, slots=True, kw_only=True)
class ExecutionReport:
    """One event in an order's life and the order's state after it."""

    sequence: int
    exec_id: str
    exec_type: ExecType
    order_state: OrderState
    order_id: str
    client_order_id: str
    venue_order_id: str
    venue_exec_id: str
    account: str
    symbol: str
    side: Side
    venue: str
    strategy_id: str
    order_quantity: Decimal
    limit_price: Decimal | None
    stop_price: Decimal | None
    last_quantity: Decimal | None
    """Quantity of this fill; ``None`` unless ``exec_type`` is ``TRADE``."""
    last_price: Decimal | None
    """Price of this fill; ``None`` unless ``exec_type`` is ``TRADE``."""
    cumulative_quantity: Decimal
    leaves_quantity: Decimal
    average_price: Decimal | None
    fee: Decimal | None
    """Fee charged on this fill; ``None`` unless ``exec_type`` is ``TRADE``."""
    reason: str
    transact_time: datetime | None
    monotonic_ns: int
    requested_by: str = ""
    """The authenticated principal whose submit, cancel or replace this reports ("" if none)."""
    position: PositionChange | None = None
    """On a fill: the position right after it (opened, increased, reduced, closed, reversed)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Position:
    """Holding of one account in one symbol (average-cost accounting)."""

    account: str
    symbol: str
    quantity: Decimal
    """Signed: positive long, negative short, zero flat."""
    average_price: Decimal | None
    cost_basis: Decimal
    mark_price: Decimal | None
    market_value: Decimal
    realized_pnl: Decimal
    unrealized_pnl: Decimal
    fees: Decimal
    update_time: datetime | None
    open_time: datetime | None = None
    """When the position was entered (first fill from flat, or a flip); None while flat."""


@dataclass(frozen=True, slots=True, kw_only=True)
class AccountTotals:
    """Sums over an account's positions and cash."""

    account: str
    cash: Decimal
    equity: Decimal
    realized_pnl: Decimal
    unrealized_pnl: Decimal
    fees: Decimal
    gross_exposure: Decimal
    net_exposure: Decimal
    open_positions: int
    update_time: datetime | None


@dataclass(frozen=True, slots=True, kw_only=True)
class AccountPositions:
    """Consistent snapshot of one account."""

    totals: AccountTotals
    positions: tuple[Position, ...]

    @property
    def account(self) -> str:
        """Return the snapshot's account."""
        return self.totals.account


@dataclass(frozen=True, slots=True, kw_only=True)
class TradingRestriction:
    """One halt in force."""

    scope: HaltScope
    target: str
    mode: TradingMode
    reason: str
    requested_by: str
    set_time: datetime | None


@dataclass(frozen=True, slots=True, kw_only=True)
class HaltResult:
    """What a halt did."""

    restriction: TradingRestriction
    canceled_orders: tuple[Order, ...]
    flatten_orders: tuple[Order, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class TradingStateChanged:
    """Stream event announcing a halt or a resume."""

    sequence: int
    scope: HaltScope
    target: str
    mode: TradingMode
    """The scope's new mode (``ACTIVE`` after a resume)."""
    reason: str
    requested_by: str
    change_time: datetime | None


@dataclass(frozen=True, slots=True, kw_only=True)
class SubscriptionAck:
    """First message of a fill stream."""

    subscription_id: str
    head_sequence: int
    """Latest sequence published when the stream opened."""
    first_sequence: int
    """First sequence this stream will deliver."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Heartbeat:
    """Stream liveness message."""

    head_sequence: int
    server_time: datetime | None


@dataclass(frozen=True, slots=True, kw_only=True)
class SymbolInfo:
    """A configured symbol and its reference price."""

    symbol: str
    reference_price: Decimal | None
    price_precision: int
    quantity_precision: int
    update_time: datetime | None


@dataclass(frozen=True, slots=True, kw_only=True)
class RiskAlert:
    """Stream event: a circuit breaker tripped and restricted an account."""

    sequence: int
    breaker: BreakerKind
    account: str
    symbol: str
    """The symbol of the fill that tripped it (slippage), else empty."""
    mode: TradingMode
    """The mode the trip set on the account (``REDUCING`` or ``HALTED``)."""
    cancel_open_orders: bool
    flatten_positions: bool
    value: Decimal
    """The measured value that crossed the limit."""
    limit: Decimal
    message: str
    alert_time: datetime | None


@dataclass(frozen=True, slots=True, kw_only=True)
class VenueDrift:
    """Stream event: reconciliation found the venue disagreeing with fillgate, or could not check.

    An alert: it changes nothing by itself. ``ours`` and ``venue`` are kept as
    the server sent them, since they are quantities or order ids depending on
    ``kind``.
    """

    sequence: int
    account: str
    symbol: str
    """The symbol the drift is about, empty for account-wide kinds."""
    kind: DriftKind
    ours: str
    """fillgate's value (a decimal string or an order id), empty when not applicable."""
    venue: str
    """The venue's value, empty when not applicable."""
    message: str
    detected_time: datetime | None


class AlertKind(ProtoEnum):
    """What an operator alert is about."""

    UNSPECIFIED = 0
    SLIPPAGE = 1
    """A fill's slippage against the arrival price exceeded the threshold."""
    RECONCILE_FAILED = 2
    """A venue could not be read: its account takes no new orders."""
    BREAKER_TRIPPED = 3
    """A circuit breaker tripped."""
    AUTH_FAILURES = 4
    """A burst of authentication failures from one peer."""
    JOURNAL_FSYNC_SLOW = 5
    """A journal fsync took longer than the bound."""
    VENUE_DISCONNECTED = 6
    """A venue's event stream has been down longer than the bound."""
    DATA_STALE = 7
    """A symbol with a live quote source has had no quote for too long while its market is open."""
    DATA_RESUMED = 8
    """Quotes arrive again for a symbol a DATA_STALE alert named."""
    PROTECTION_FAILED = 9
    """The venue refused every closing order fillgate sent for a bracket: act by hand."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Alert:
    """Stream event: an operator alert. It changes nothing by itself."""

    sequence: int
    kind: AlertKind
    account: str
    symbol: str
    value: Decimal
    """The measured value (basis points, milliseconds, a count)."""
    threshold: Decimal
    """The configured bound the value crossed."""
    message: str
    alert_time: datetime | None


@dataclass(frozen=True, slots=True, kw_only=True)
class Denial:
    """An order refused before any venue saw it (a halt, a risk limit, a breaker).

    Also a stream event, for a stream that asked for ``StreamEventKind.DENIAL``.
    """

    time: datetime | None
    account: str
    symbol: str
    side: Side
    quantity: Decimal
    type: OrderType
    limit_price: Decimal | None
    stop_price: Decimal | None
    client_order_id: str
    strategy_id: str
    reason: str
    message: str
    metadata: Mapping[str, str] = field(default_factory=dict, hash=False)
    sequence: int = 0
    """The stream sequence; 0 for a denial journaled before denials were streamed."""


class SessionPhase(ProtoEnum):
    """Where a market is in its trading day."""

    UNSPECIFIED = 0
    CLOSED = 1
    PRE_MARKET = 2
    REGULAR = 3
    POST_MARKET = 4


@dataclass(frozen=True, slots=True, kw_only=True)
class SessionEvent:
    """Stream event: a symbol's market opened, closed, or entered an extended session."""

    sequence: int
    symbol: str
    calendar: str
    phase: SessionPhase
    """The market's phase from this event on."""
    next_open: datetime | None
    next_close: datetime | None
    event_time: datetime | None


StreamEvent: TypeAlias = (
    SubscriptionAck
    | ExecutionReport
    | TradingStateChanged
    | RiskAlert
    | VenueDrift
    | Alert
    | SessionEvent
    | Denial
    | Heartbeat
)
"""One message of a fill stream."""

__all__ = [
    "AccountPositions",
    "AccountTotals",
    "Alert",
    "AlertKind",
    "BreakerKind",
    "BreakerState",
    "Denial",
    "DriftKind",
    "ExecType",
    "ExecutionReport",
    "HaltResult",
    "HaltScope",
    "Heartbeat",
    "Order",
    "OrderState",
    "OrderType",
    "Position",
    "ProtoEnum",
    "RiskAlert",
    "Side",
    "StreamEvent",
    "SubmitResult",
    "SubscriptionAck",
    "SymbolInfo",
    "TimeInForce",
    "TradingMode",
    "TradingRestriction",
    "TradingStateChanged",
    "VenueDrift",
]
