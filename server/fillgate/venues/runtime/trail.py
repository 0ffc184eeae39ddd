"""Stops the venue trails itself (issue 13): a bracket member tagged ``ct.trail``.

The bracket runner tags a stop-loss member ``ct.trail = trail:<amount>`` or
``trail_percent:<percent>`` (the bracket's own stop-loss text) when the venue
trails that shape natively (``native_trail`` on the driver; see
``engine/native_oco.py``). The tag is journaled with the order, so after a
restart fillgate still knows the venue moves this stop and does not move it
itself. The driver's request then carries the trail (``PlaceRequest.trail_amount``
/ ``trail_percent``); the order's ``stop_price`` is only the stop's first price.

A venue that cannot hold the trail for this order (OANDA: the trade is not the
entry's alone) makes the runtime reject the member with :data:`NOT_PLACED`; the
runner then places a plain stop that fillgate moves, as before: the position is
never left without a stop.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from fillgate.domain.orders import Order

#: The member tag: the venue trails this stop by the given amount or percent.
TRAIL = "ct.trail"
#: The reject reason of a trailed stop the venue could not hold (the runner falls back).
NOT_PLACED = "NATIVE_TRAIL_NOT_PLACED"


def trail_of(order: Order) -> tuple[Decimal | None, Decimal | None]:
    """(amount, percent) the venue trails ``order`` by; (None, None) for any other order."""
    text = dict(order.tags).get(TRAIL, "")
    kind, _, value = text.partition(":")
    try:
        number = Decimal(value)
    except InvalidOperation:
        return None, None
    if kind == "trail":
        return number, None
    if kind == "trail_percent":
        return None, number
    return None, None


def trailed(order: Order) -> bool:
    """True when the venue trails this order (it carries a readable ``ct.trail``)."""
    return trail_of(order) != (None, None)
