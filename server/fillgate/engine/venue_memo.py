"""What venue adapters must remember about open orders across restarts.

Two facts, both rebuilt from the journal by replay (the engine's ``index``
calls ``note`` and ``forget`` live and in replay alike):

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

    def note(self, previous: Order, order: Order, event: ev.OrderEvent) -> None:
        """Remember a fill or replace of an order that is still open afterwards."""
        if type(event) is _FILLED:
            assert isinstance(event, _FILLED)
            self._exec_ids.setdefault(order.order_id, set()).add(event.venue_exec_id)
        elif type(event) is _REPLACED:
            self._base[order.order_id] = (previous.filled_quantity, previous.filled_notional)

    def forget(self, order_id: str) -> None:
        """Drop what was kept for an order that closed."""
        if self._exec_ids:
            self._exec_ids.pop(order_id, None)
        if self._base:
            self._base.pop(order_id, None)

    def image(self) -> tuple[dict[str, frozenset[str]], dict[str, tuple[Decimal, Decimal]]]:
        """Copy what is kept (a snapshot's capture): O(open orders with fills or replaces)."""
        return {k: frozenset(v) for k, v in self._exec_ids.items()}, dict(self._base)

    def load(
        self,
        exec_ids: dict[str, frozenset[str]] | dict[str, set[str]],
        base: dict[str, tuple[Decimal, Decimal]],
    ) -> None:
        """Take over what a snapshot kept (into an empty memo)."""
        self._exec_ids = {k: set(v) for k, v in exec_ids.items()}
        self._base = dict(base)

    def exec_ids(self, order_id: str) -> frozenset[str] | set[str]:
        return self._exec_ids.get(order_id, frozenset())

    def leg_base(self, order_id: str) -> tuple[Decimal, Decimal]:
        return self._base.get(order_id, (ZERO, ZERO))
