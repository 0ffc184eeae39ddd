"""What the fill stream carries for an order event."""

from __future__ import annotations

from dataclasses import dataclass

from fillgate.domain.enums import ExecType
from fillgate.domain.events import OrderEvent
from fillgate.domain.orders import Order


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
