"""Members that never reached the venue, and protection the venue refused.

The venue runtime rejects an order with :data:`NOT_PLACED` when its submit went
unanswered and the venue proved not to have it (``venues/runtime/resolve.py``,
``oco.py``; after a kill -9 mid-submit too). Unlike a venue's refusal it never
worked, so a bracket's member or a list's leg rejected so is placed again, under
the next client id of its role.

A bracket's stop and take-profit the venue refused as ONE native OCO
(:func:`refused_in_oco`: Binance -1013 ``MAX_NUM_ALGO_ORDERS``, a limit maker that
would take, ...) say nothing about either alone: the bracket stops pairing them
(``engine/native_oco.py``) and places them as separate orders, the take-profit
once more, the stop where separate orders keep it (held by fillgate on spot).

A bracket's resting stop the venue refused (:func:`refused_stop`: the price already
through it, Binance -2010 "Stop price would trigger immediately"; no room for one more
stop; ...) is not placed again and again: fillgate holds that bracket's stop from then
on (``engine/native_oco.py``), and closes at once if the mark is already through it.
A venue-trailed stop refused falls back to a plain stop first (``trail_refused``).

A closing order the venue refuses (:func:`refused_close`: a held stop's close, an
overfill's ``fix``) is sent again at most :data:`CLOSE_ATTEMPTS` times in all: a
reason that persists (the coins are gone, the account is restricted) must not turn
every plan (every mark) into another order at the venue. After the last the runner
logs ``bracket_close_given_up`` at error: the position needs a person.
"""

from __future__ import annotations

from collections.abc import Sequence

from fillgate.contingent.spec import FIX_ROLE, NATIVE, PAIR, STOP_ROLE, TRAIL, role_of
from fillgate.domain.enums import OrderState, OrderType
from fillgate.domain.orders import Order

NOT_PLACED = "UNKNOWN_OUTCOME_NOT_PLACED"
#: How many closing orders of one role a bracket sends while the venue refuses them.
CLOSE_ATTEMPTS = 3


def never_placed(order: Order) -> bool:
    """True for an order the venue proved never to have had."""
    return order.state is OrderState.REJECTED and order.reason.startswith(NOT_PLACED)


def refused_in_oco(order: Order) -> bool:
    """True for a member the venue refused as half of a bracket's native OCO (a ladder
    rung's pair is ``contingent/rungs.py``'s)."""
    tags = dict(order.tags)
    return (
        order.state is OrderState.REJECTED
        and tags.get(NATIVE) == "oco"
        and PAIR not in tags
        and not never_placed(order)
    )


def refused_stop(order: Order) -> bool:
    """True for a bracket's resting stop (``sl``, a stop or stop-limit not trailed by the
    venue) that the venue refused alone (refused with its take-profit as one OCO, it is
    tried alone first: :func:`refused_in_oco`)."""
    return (
        order.state is OrderState.REJECTED
        and order.type in (OrderType.STOP, OrderType.STOP_LIMIT)
        and role_of(order)[1] == STOP_ROLE
        and TRAIL not in dict(order.tags)
        and not never_placed(order)
        and not refused_in_oco(order)
    )


def refused_close(order: Order) -> bool:
    """True for a bracket's closing order (a held stop's market or limit close, an
    overfill's ``fix``) that the venue refused."""
    return (
        order.state is OrderState.REJECTED
        and order.type in (OrderType.MARKET, OrderType.LIMIT)
        and role_of(order)[1] in (STOP_ROLE, FIX_ROLE)
        and not never_placed(order)
    )


def closes_exhausted(members: Sequence[Order], role: str) -> bool:
    """True once the venue refused :data:`CLOSE_ATTEMPTS` closing orders of ``role``."""
    refused = sum(1 for m in members if role_of(m)[1] == role and refused_close(m))
    return refused >= CLOSE_ATTEMPTS
