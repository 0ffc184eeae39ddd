"""An order as the bracket planner sees it, for the pure plan tests: defaults filled in."""

from __future__ import annotations

from decimal import Decimal as D
from typing import Any

from fillgate.domain.enums import OrderState, OrderType, Side, TimeInForce
from fillgate.domain.orders import Order


def order(order_id: str, side: Side, quantity: str, filled: str, **kw: Any) -> Order:
    """A GTC limit of ``quantity`` with ``filled`` done at 100 (FILLED when all is), on
    account "a" and symbol "XYZ"; ``kw`` overrides any field."""
    base: dict[str, Any] = {
        "order_id": order_id,
        "client_order_id": order_id,
        "account": "a",
        "symbol": "XYZ",
        "side": side,
        "type": OrderType.LIMIT,
        "time_in_force": TimeInForce.GTC,
        "quantity": D(quantity),
        "filled_quantity": D(filled),
        "filled_notional": D(filled) * 100,
        "state": OrderState.FILLED if filled == quantity else OrderState.NEW,
    }
    base.update(kw)
    return Order(**base)
