"""What a bracket's plan asks of the runner: the actions, and small helpers both planners use
(``contingent/bracket.py`` for every bracket, ``contingent/rungs.py`` for a ladder held at
the venue as one native OCO per rung)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

from fillgate.contingent.spec import TakeProfit, role_of
from fillgate.domain.enums import OrderType, Side
from fillgate.domain.orders import Order
from fillgate.domain.values import ZERO


@dataclass(frozen=True, slots=True)
class Submit:
    """Place a new member."""

    role: str
    side: Side
    type: OrderType
    quantity: Decimal
    price: Decimal | None  # the stop price of a stop, the limit of a take-profit
    limit: Decimal | None = None  # the limit of a stop-limit


@dataclass(frozen=True, slots=True)
class Resize:
    order_id: str
    quantity: Decimal


@dataclass(frozen=True, slots=True)
class Cancel:
    order_id: str


@dataclass(frozen=True, slots=True)
class Trail:
    """Move a trailing stop's price up behind a long (down behind a short)."""

    order_id: str
    stop_price: Decimal
    limit_price: Decimal | None = None  # a stop-limit's limit moves with its stop


@dataclass(frozen=True, slots=True)
class HoldStop:
    """Move the trailing stop fillgate holds (no order at the venue) to ``stop_price``."""

    stop_price: Decimal


Action = Submit | Resize | Cancel | Trail | HoldStop


def exit_side(entry: Order) -> Side:
    return Side.SELL if entry.side is Side.BUY else Side.BUY


def member_price(members: Sequence[Order], role: str) -> Decimal | None:
    """A replacement member keeps its newest predecessor's price (fixed when first armed,
    then as trailed or replaced)."""
    for m in reversed(members):
        if role_of(m)[1] == role:
            price = m.stop_price if m.type.needs_stop else m.limit_price
            if price is not None:
                return price
    return None


def rung_size(rung: TakeProfit, filled: Decimal, quantity_places: int) -> Decimal:
    """A take-profit rung's share of what the entry has filled so far: its quantity (at
    most what filled), or its fraction of it rounded down to the quantity step."""
    if rung.quantity is not None:
        return min(rung.quantity, filled)
    step = Decimal(1).scaleb(-quantity_places)
    return (filled * (rung.fraction or ZERO)).quantize(step, rounding=ROUND_DOWN)
