"""Trailing stops at the fake Alpaca: ``type=trailing_stop`` with ``trail_price`` or
``trail_percent``, as Alpaca keeps them.

Alpaca keeps the high-water mark (``hwm``: the highest price since a sell was
placed, the lowest for a buy) and the stop (``stop_price``) ``trail_price``
below it (above it for a buy), or ``trail_percent`` percent away; the stop only
ever moves toward the price. When the price comes back to the stop, the order
triggers and fills at that price. No trade_updates event reports a moved stop:
the order's JSON (GET) shows ``hwm`` and ``stop_price``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fakes.alpaca_book import Order

_HUNDRED = Decimal(100)


def parse(body: dict[str, Any]) -> tuple[Decimal | None, Decimal | None, str]:
    """(trail_price, trail_percent, problem) of a trailing_stop order body."""
    price, percent = body.get("trail_price"), body.get("trail_percent")
    if (price is None) == (percent is None) or "stop_price" in body:
        return None, None, "trailing stop requires exactly one of trail_price or trail_percent"
    value = Decimal(str(price if price is not None else percent))
    if value <= 0 or (percent is not None and value >= _HUNDRED):
        return None, None, "invalid trail"
    return (value, None, "") if price is not None else (None, value, "")


def _stop(order: Order, mark: Decimal) -> Decimal:
    step = order.trail_price
    if step is None:
        assert order.trail_percent is not None
        step = (mark * order.trail_percent / _HUNDRED).quantize(Decimal("0.01"))
    return mark - step if order.side == "sell" else mark + step


def start(order: Order, price: Decimal) -> None:
    """Arm a trailing stop placed (or replaced) at market ``price``."""
    order.hwm = price
    order.stop_price = _stop(order, price)


def set_trail(order: Order, trail: Decimal) -> None:
    """PATCH ``trail``: the new trail, measured from the kept high-water mark."""
    if order.trail_price is not None:
        order.trail_price = trail
    else:
        order.trail_percent = trail
    assert order.hwm is not None
    order.stop_price = _stop(order, order.hwm)


def move(order: Order, price: Decimal) -> bool:
    """Follow the price; True when it reached the stop (the order triggers)."""
    assert order.hwm is not None and order.stop_price is not None
    sell = order.side == "sell"
    if (price > order.hwm) if sell else (price < order.hwm):
        order.hwm = price
        order.stop_price = _stop(order, price)
    return price <= order.stop_price if sell else price >= order.stop_price
