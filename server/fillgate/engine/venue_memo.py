"""What venue adapters must remember about open orders across restarts.

Two facts, both rebuilt from the journal by replay (the same ``note`` runs
live and in replay):

- the venue trade ids already applied to each open order, so a fill the
  venue reports again (a backfill, a restart) is recognised and dropped;
- each open order's filled quantity and notional before its current leg
  (the venue order created by its last replace), because a venue reports
  cumulative quantities per venue order, not per fillgate order.

Only open orders are kept: memory follows the open book, not history.
"""

from __future__ import annotations

from decimal import Decimal

from fillgate.domain import events as ev
from fillgate.domain.orders import Order
from fillgate.domain.values import ZERO

_FILLED = ev.OrderFilled
_REPLACED = ev.OrderReplaced


class VenueMemo:
    __slots__ = ("_base", "_exec_ids")

    def __init__(self) -> None:
        self._exec_ids: dict[str, set[str]] = {}
        self._base: dict[str, tuple[Decimal, Decimal]] = {}

    def note(self, previous: Order | None, order: Order, event: ev.OrderEvent) -> None:
        """Keep the memo in step with one applied event."""
        kind = type(event)
        if kind is _FILLED:
            assert isinstance(event, _FILLED)
            self._exec_ids.setdefault(order.order_id, set()).add(event.venue_exec_id)
        elif kind is _REPLACED and previous is not None:
            self._base[order.order_id] = (previous.filled_quantity, previous.filled_notional)
        if order.state.is_terminal:
            self._exec_ids.pop(order.order_id, None)
            self._base.pop(order.order_id, None)

    def exec_ids(self, order_id: str) -> frozenset[str] | set[str]:
        return self._exec_ids.get(order_id, frozenset())

    def leg_base(self, order_id: str) -> tuple[Decimal, Decimal]:
        return self._base.get(order_id, (ZERO, ZERO))
