"""Members that never reached the venue.

The venue runtime rejects an order with :data:`NOT_PLACED` when its submit went
unanswered and the venue proved not to have it (``venues/runtime/resolve.py``,
``oco.py``; after a kill -9 mid-submit too). Unlike a venue's refusal it never
worked, so a bracket's member or a list's leg rejected so is placed again, under
the next client id of its role.
"""

from __future__ import annotations

from fillgate.domain.enums import OrderState
from fillgate.domain.orders import Order

NOT_PLACED = "UNKNOWN_OUTCOME_NOT_PLACED"


def never_placed(order: Order) -> bool:
    """True for an order the venue proved never to have had."""
    return order.state is OrderState.REJECTED and order.reason.startswith(NOT_PLACED)
