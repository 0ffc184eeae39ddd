"""Events: the only way state changes. Past tense; frozen; replayable.

Order events name the order by ``order_id``; venue adapters emit the venue
ones (acknowledged, filled, canceled, ...) and the engine the rest.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from fillgate.domain.commands import SubmitOrder
from fillgate.domain.enums import AlertKind, Breaker, HaltScope, SessionPhase, TradingMode
from fillgate.domain.orders import Order


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderEvent:
    """Base of the events that change one order."""

    order_id: str
    ts_ns: int


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderAccepted(OrderEvent):
    """fillgate accepted a new order; it now exists in PENDING_NEW."""

    order: Order
    #: The principal whose command caused it ("auth.by" in the journal); "" = the system.
    by: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderQueued(OrderEvent):
    """fillgate accepted a new order while its market was closed and holds it (QUEUED).

    ``order.release_ns`` is when it goes to the venue (the market's next open).
    """

    order: Order
    #: The principal whose command caused it ("auth.by" in the journal); "" = the system.
    by: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderReleased(OrderEvent):
    """A queued order passed the pre-trade checks at the open; it now goes to its venue."""


@dataclass(frozen=True, slots=True, kw_only=True)
class SessionChanged:
    """A symbol's market moved to another phase of its day (it opened, closed, ...).

    Streamed to every subscriber of the symbol and journaled; it changes no state.
    """

    symbol: str
    calendar: str
    phase: SessionPhase
    #: The next regular open and close after the change; 0 when there is none.
    next_open_ns: int
    next_close_ns: int
    ts_ns: int


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderAcknowledged(OrderEvent):
    """The venue acknowledged the order under its own id."""

    venue_order_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderFilled(OrderEvent):
    """The venue filled ``quantity`` at ``price``."""

    venue_exec_id: str
    quantity: Decimal
    price: Decimal
    fee: Decimal


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderTriggered(OrderEvent):
    """A stop or stop-limit order's stop price was reached."""


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderCancelRequested(OrderEvent):
    """fillgate sent a cancel to the venue."""

    #: The principal whose command caused it ("auth.by" in the journal); "" = the system.
    by: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderCanceled(OrderEvent):
    """The venue canceled the order."""

    reason: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderCancelRejected(OrderEvent):
    """The venue refused a cancel; the order keeps working."""

    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderReplaceRequested(OrderEvent):
    """fillgate sent a replace to the venue with these new terms."""

    quantity: Decimal
    limit_price: Decimal | None
    stop_price: Decimal | None
    #: The principal whose command caused it ("auth.by" in the journal); "" = the system.
    by: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderReplaced(OrderEvent):
    """The venue applied a replace: these are the order's terms now."""

    quantity: Decimal
    limit_price: Decimal | None
    stop_price: Decimal | None
    #: The venue's id for the order from now on, when the replace created a new
    #: venue order (Alpaca, OANDA, cancel + new); "" when the id is unchanged.
    venue_order_id: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderReplaceRejected(OrderEvent):
    """The venue refused a replace; the order keeps its old terms."""

    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderRejected(OrderEvent):
    """The venue refused the order."""

    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderExpired(OrderEvent):
    """The order's time in force ran out (IOC/FOK remainder, end of day)."""

    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderStopTrailed(OrderEvent):
    """The venue moved the stop of an order it trails itself (a bracket stop tagged
    ``ct.trail``): its stop price is now ``stop_price``. Journaled, not streamed; it
    changes no state of the order's life, only the price GetOrder and the lists show."""

    stop_price: Decimal


@dataclass(frozen=True, slots=True, kw_only=True)
class TradingStateChanged:
    """A scope's trading mode changed (ACTIVE after a resume)."""

    scope: HaltScope
    target: str
    mode: TradingMode
    reason: str
    requested_by: str
    ts_ns: int

    @property
    def account(self) -> str:
        """The account the change is about ("" unless the scope is one account)."""
        return self.target if self.scope is HaltScope.ACCOUNT else ""

    @property
    def symbol(self) -> str:
        """The symbol the change is about ("" unless the scope is one symbol)."""
        return self.target if self.scope is HaltScope.SYMBOL else ""


@dataclass(frozen=True, slots=True, kw_only=True)
class ReferencePriceMoved:
    """A symbol's reference price moved: marks and paper matching follow it."""

    symbol: str
    price: Decimal
    ts_ns: int
    #: The principal whose command caused it ("auth.by" in the journal); "" = the system.
    by: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class QuoteUpdated:
    """A live quote arrived (price feed or venue stream). Folded, never journaled.

    A tick log is not the journal's job: what P&L needs of it is the mark,
    journaled as :class:`MarkMoved` (see ``Engine.on_quote``).
    """

    symbol: str
    bid: Decimal | None
    ask: Decimal | None
    last: Decimal | None
    #: ``feed`` or ``venue`` (marketdata/quotes.py).
    source: str
    #: When the quote was true (the venue's timestamp, else its arrival), wall ns.
    ts_ns: int


@dataclass(frozen=True, slots=True, kw_only=True)
class MarkMoved:
    """A symbol's mark moved with a live quote: positions are re-valued at it."""

    symbol: str
    mark: Decimal
    ts_ns: int


@dataclass(frozen=True, slots=True, kw_only=True)
class VenueAccountRead:
    """A remote venue reported an account's money. Folded, never journaled (re-read)."""

    account: str
    currency: str
    cash: Decimal
    equity: Decimal
    buying_power: Decimal | None
    margin_used: Decimal | None
    margin_available: Decimal | None
    ts_ns: int


@dataclass(frozen=True, slots=True, kw_only=True)
class EquityBaselined:
    """fillgate's cash for an account moved by ``delta`` so its equity equals the venue's.

    Taken once per account, at the first venue read: the config's
    ``starting_cash`` is only the paper venue's; a real account's money is
    the venue's. Later differences are reported (``VenueDrift`` equity), not corrected.
    """

    account: str
    delta: Decimal
    venue_equity: Decimal
    ts_ns: int


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderListEnded:
    """CancelOrderList ended a bracket or order list: the runner cancels what of it
    works and never places a member for it again (journaled as ``ct.list_ended``)."""

    list_id: str
    ts_ns: int
    #: The principal whose command caused it ("auth.by" in the journal); "" = the system.
    by: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class HeldStopMoved:
    """A bracket's trailing stop-loss that fillgate holds (no order at the venue: a spot
    venue's take-profits hold the balance it would sell) moved to ``stop_price``
    following the mark (journaled as ``ct.held_stop``, so a restart resumes from it)."""

    list_id: str
    stop_price: Decimal
    ts_ns: int


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderDenied:
    """A submit was refused before any venue saw it (halt, reduce-only, risk limit).

    No order exists afterwards; the event is kept for audit and breakers.
    """

    command: SubmitOrder
    reason: str
    message: str
    metadata: tuple[tuple[str, str], ...]
    ts_ns: int


@dataclass(frozen=True, slots=True, kw_only=True)
class BreakerTripped:
    """A circuit breaker tripped: the account is restricted to ``mode`` (streamed as RiskAlert)."""

    breaker: Breaker
    account: str
    #: The symbol of the fill that tripped it (slippage), else "".
    symbol: str
    mode: TradingMode
    cancel_open_orders: bool
    flatten_positions: bool
    value: Decimal
    limit: Decimal
    message: str
    ts_ns: int


@dataclass(frozen=True, slots=True, kw_only=True)
class VenueDrift:
    """Reconciliation found fillgate's book and the venue's disagreeing (or could not check).

    Streamed and journaled as an alert; it changes no state. ``kind`` is one of
    ``position`` (quantities differ), ``unknown_order`` (an open order at the
    venue that fillgate did not place), ``reconcile_failed`` (the venue could
    not be read: the account takes no new orders) and ``reconciled`` (the
    account reconciled again after a failure or a drift), and ``session`` (the
    venue's market calendar or clock disagrees with the symbol's calendar).
    """

    account: str
    #: The symbol the drift is about, "" for account-wide kinds.
    symbol: str
    kind: str
    #: fillgate's value (a decimal string, an order id), "" when not applicable.
    ours: str
    #: The venue's value.
    venue: str
    message: str
    ts_ns: int


@dataclass(frozen=True, slots=True, kw_only=True)
class AlertRaised:
    """An operator alert (``fillgate.metrics.alerts``): streamed and journaled, no state change."""

    kind: AlertKind
    #: The account and symbol concerned, "" when none.
    account: str
    symbol: str
    #: The measured value and the bound it crossed (bps, ms, a count).
    value: Decimal
    threshold: Decimal
    message: str
    ts_ns: int
