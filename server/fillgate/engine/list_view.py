"""An order list as the api shows it (GetOrderList, the CLI's ``orderlist``).

Derived, never stored: the state from the entry's and the members' orders (and the
journaled end of a list canceled on purpose), the price of a stop fillgate holds (its
first price from the entry's fill, or where it has trailed to: ``State.held_stops``),
and whether a trailing stop trails yet (its activation price reached).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from fillgate.contingent.bracket import basis_of, triggered
from fillgate.contingent.order_list import kind_of
from fillgate.contingent.spec import STOP_ROLE, BracketSpec, role_of, spec_of
from fillgate.contingent.trailing import active
from fillgate.domain.enums import Side
from fillgate.domain.errors import NotFound
from fillgate.domain.orders import Order
from fillgate.domain.values import ZERO
from fillgate.engine.engine import Engine

#: Whether fillgate holds a bracket's stop: (entry, spec, members) -> bool.
StopHeld = Callable[[Order, BracketSpec, Sequence[Order]], bool]


@dataclass(frozen=True, slots=True)
class OrderList:
    """A bracket as the api shows it: its state, entry and members."""

    list_id: str
    state: str  # "ACTIVE", "DONE" or "CANCELED"
    entry: Order
    members: tuple[Order, ...]
    #: True while the bracket's trailing stop-loss trails (False: waiting to activate).
    trail_active: bool = False
    #: The price of the stop-loss fillgate holds for the bracket (no order at the venue:
    #: a spot venue's take-profits hold the balance it sells), while the position is open.
    held_stop_price: Decimal | None = None


class ListView:
    """Reads lists from the engine's orders; ``members``: list id -> member order ids."""

    def __init__(
        self,
        engine: Engine,
        members: Mapping[str, list[str]],
        stop_held: StopHeld,
        mark_of: Callable[[str], Decimal],
    ) -> None:
        self._engine = engine
        self._members = members
        self._stop_held = stop_held
        self._mark_of = mark_of

    def get(self, list_id: str) -> OrderList:
        members = self._members.get(list_id)
        entry = self._engine.order(list_id)
        if members is None or entry is None:
            raise NotFound("ORDER_LIST_NOT_FOUND", f"no order list {list_id}", {"list_id": list_id})
        orders = tuple(self._engine.order(i) for i in members)
        found = tuple(o for o in orders if o is not None)
        state = self._state(list_id, entry, found)
        held = self._held_stop(entry, found) if state == "ACTIVE" else None
        trail = self._trail_active(entry, found, held)
        return OrderList(list_id, state, entry, found, trail, held)

    def _state(self, list_id: str, entry: Order, found: tuple[Order, ...]) -> str:
        if list_id in self._engine.state.ended_lists:
            return "CANCELED"
        live = entry.is_open or any(o.is_open for o in found)
        if kind_of(entry.tags)[0]:  # OCO / OUO: every leg is an entry
            traded = entry.filled_quantity or any(o.filled_quantity for o in found)
            return "ACTIVE" if live else ("DONE" if traded else "CANCELED")
        if live or sum((o.filled_quantity for o in found), ZERO) != entry.filled_quantity:
            return "ACTIVE"  # (a position not yet protected is active too: arming is due)
        return "DONE" if entry.filled_quantity else "CANCELED"

    def first_stop(self, entry: Order, members: Sequence[Order], spec: BracketSpec) -> Decimal:
        """The stop's price as first armed: from the entry's fill, on the symbol's tick."""
        sym = self._engine.universe.symbols[entry.symbol]
        up = entry.side is not Side.BUY
        return spec.stop_loss.price(basis_of(entry, members), up=up, places=sym.price_precision)

    def _held_stop(self, entry: Order, members: Sequence[Order]) -> Decimal | None:
        """Where the stop fillgate holds for this bracket is, while it holds one."""
        spec = spec_of(entry.tags)
        if spec is None or not entry.filled_quantity or entry.account not in self._engine.venues:
            return None
        if not self._stop_held(entry, spec, members) or triggered(members):
            return None  # resting at the venue, or triggered: its closing order is a member
        held = self._engine.state.held_stops.get(entry.order_id)
        return self.first_stop(entry, members, spec) if held is None else held

    def _trail_active(self, entry: Order, members: tuple[Order, ...], held: Decimal | None) -> bool:
        spec = spec_of(entry.tags)
        stops = [m for m in members if m.is_open and role_of(m)[1] == STOP_ROLE]
        if spec is None or not spec.stop_loss.kind.trailing:
            return False
        price = held if held is not None else (stops[0].stop_price if stops else None)
        if price is None:
            return False
        first = self.first_stop(entry, members, spec)
        long = entry.side is Side.BUY
        return active(price, first, spec.terms, self._mark_of(entry.symbol), long)
