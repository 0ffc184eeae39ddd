"""What the fill stream carries for an order event."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from fillgate.domain.enums import ExecType, PositionLifecycle
from fillgate.domain.events import OrderEvent
from fillgate.domain.orders import Order


@dataclass(frozen=True, slots=True, kw_only=True)
class PositionChange:
    """A fill's position right after it, and what the fill did to it."""

    lifecycle: PositionLifecycle
    #: Signed: positive long, negative short, zero flat.
    quantity: Decimal
    #: The average entry price of what is open; None when flat.
    average_price: Decimal | None
    #: Realized P&L of the position so far (before fees).
    realized_pnl: Decimal


@dataclass(frozen=True, slots=True, kw_only=True)
class ExecutionReport:
    """An order event and the order's state right after it."""

    exec_id: str
    exec_type: ExecType
    #: The order after the event.
    order: Order
    #: The event itself: fills carry quantity, price and fee; others a reason.
    event: OrderEvent
    monotonic_ns: int
    #: On a fill: the account's position in the symbol right after it (None otherwise).
    position: PositionChange | None = None
