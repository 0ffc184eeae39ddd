"""Running exposure aggregates, kept in step with every order and mark change.

The pre-trade checks must cost the same with 10,000 open orders as with none,
so nothing here is recomputed by scanning: each order event adjusts the
working quantity of its (account, symbol, side), and that one slot's
contribution to its account's and the global totals is re-derived.

Exposure counts open orders as if they filled: a slot's *worst-case
quantity* is ``max(|P + buys|, |P - sells|)`` for position ``P`` and working
buy and sell quantities, and its gross exposure is that at the mark. An order
*increases* exposure exactly when it raises its slot's worst-case quantity;
only such orders meet the exposure limits.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal

from fillgate.book.positions import PositionBook
from fillgate.domain.enums import Side
from fillgate.domain.orders import Order
from fillgate.domain.values import EXACT, ZERO

_add = EXACT.add
_sub = EXACT.subtract
_mul = EXACT.multiply


class Slot:
    """One account's working orders and exposure in one symbol."""

    __slots__ = (
        "account",
        "buys",
        "engaged",
        "entries",
        "gross",
        "margin",
        "rate",
        "sells",
        "symbol",
    )

    def __init__(self, account: str, symbol: str, rate: Decimal | None) -> None:
        self.account = account
        self.symbol = symbol
        #: The margin rate for buying power; None: no margin is held.
        self.rate = rate
        #: Leaves quantity of the working buy and sell orders.
        self.buys = ZERO
        self.sells = ZERO
        #: Working orders that increased exposure when accepted, per side (index = Side).
        self.entries = [0, 0, 0]
        #: Worst-case quantity x mark, and that x the margin rate: this slot's share
        #: of its account's totals.
        self.gross = ZERO
        self.margin = ZERO
        #: A position or a working order: counts toward max_open_positions.
        self.engaged = False

    def worst(self, position: Decimal) -> Decimal:
        return max(abs(_add(position, self.buys)), abs(_sub(position, self.sells)))


class AccountExposure:
    """An account's totals over its slots."""

    __slots__ = ("engaged", "gross", "margin", "name")

    def __init__(self, name: str) -> None:
        self.name = name
        self.gross = ZERO
        self.margin = ZERO
        self.engaged = 0


class ExposureBook:
    """Working quantities and exposures per slot, account and overall; single writer."""

    def __init__(
        self,
        book: PositionBook,
        marks: Mapping[str, Decimal],
        margin_rate: Mapping[tuple[str, str], Decimal],
        accounts: Iterable[str],
        *,
        track_entries: bool = False,
    ) -> None:
        self.book = book
        self.marks = dict(marks)
        #: (account, symbol) -> margin rate; missing means no buying-power check.
        self._margin_rate = margin_rate
        #: Classify accepted orders as entries (only one_pending_entry_per_side needs it).
        self.track_entries = track_entries
        self.accounts = {name: AccountExposure(name) for name in accounts}
        self.total_gross = ZERO
        self._slots: dict[tuple[str, str], Slot] = {}
        #: symbol -> slots engaged in it, for re-marking.
        self._engaged: dict[str, dict[str, Slot]] = {}
        #: Open orders counted as entries: order id -> side.
        self._entries: dict[str, Side] = {}

    def slot(self, account: str, symbol: str) -> Slot:
        key = (account, symbol)
        slot = self._slots.get(key)
        if slot is None:
            slot = self._slots[key] = Slot(account, symbol, self._margin_rate.get(key))
        return slot

    def slots(self, account: str) -> list[Slot]:
        return [s for (a, _), s in self._slots.items() if a == account]

    # -- hooks ----------------------------------------------------------------

    def on_order(self, previous: Order | None, order: Order) -> None:
        """Fold one order change (and the fill that came with it) into the aggregates.

        A fill always lowers the leaves quantity, so an unchanged leaves
        quantity means nothing here moved (an acknowledgement, a trigger).
        """
        before = previous.leaves_quantity if previous is not None else ZERO
        after = order.leaves_quantity
        if before == after:
            return
        slot = self.slot(order.account, order.symbol)
        if previous is None and self.track_entries and not order.reduce_only:
            position = self.book.quantity(order.account, order.symbol)
            if self.increases(slot, position, order.side, after):
                slot.entries[order.side] += 1
                self._entries[order.order_id] = order.side
        delta = _sub(after, before)
        if order.side is Side.BUY:
            slot.buys = _add(slot.buys, delta)
        else:
            slot.sells = _add(slot.sells, delta)
        if self._entries and not order.is_open:
            side = self._entries.pop(order.order_id, None)
            if side is not None:
                slot.entries[side] -= 1
        self.refresh(slot)

    def on_mark(self, symbol: str, price: Decimal) -> list[Slot]:
        """Re-value every slot engaged in ``symbol``; return them."""
        self.marks[symbol] = price
        slots = list(self._engaged.get(symbol, {}).values())
        for slot in slots:
            self.refresh(slot)
        return slots

    def refresh(self, slot: Slot) -> None:
        """Re-derive one slot's contribution to its account's and the global totals."""
        position = self.book.quantity(slot.account, slot.symbol)
        gross = _mul(slot.worst(position), self.marks[slot.symbol])
        rate = slot.rate
        margin = ZERO if rate is None else _mul(gross, rate)
        acc = self.accounts[slot.account]
        if gross != slot.gross:
            acc.gross = _add(acc.gross, _sub(gross, slot.gross))
            self.total_gross = _add(self.total_gross, _sub(gross, slot.gross))
            slot.gross = gross
        if margin != slot.margin:
            acc.margin = _add(acc.margin, _sub(margin, slot.margin))
            slot.margin = margin
        engaged = bool(position or slot.buys or slot.sells)
        if engaged != slot.engaged:
            slot.engaged = engaged
            acc.engaged += 1 if engaged else -1
            holders = self._engaged.setdefault(slot.symbol, {})
            if engaged:
                holders[slot.account] = slot
            else:
                holders.pop(slot.account, None)

    def rebuild(self, open_orders: Iterable[Order]) -> None:
        """Recompute everything from the book and the open orders (after a journal replay)."""
        for symbol in self.marks:
            self.marks[symbol] = self.book.mark(symbol) or self.marks[symbol]
        self._slots.clear()
        self._engaged.clear()
        self._entries.clear()
        self.total_gross = ZERO
        for acc in self.accounts.values():
            acc.gross = acc.margin = ZERO
            acc.engaged = 0
        for snap in self.book.snapshots():
            for symbol, pos in snap.positions.items():
                if pos.quantity:
                    self.slot(snap.account, symbol)
        for order in open_orders:
            slot = self.slot(order.account, order.symbol)
            if order.side is Side.BUY:
                slot.buys = _add(slot.buys, order.leaves_quantity)
            else:
                slot.sells = _add(slot.sells, order.leaves_quantity)
            if self.track_entries and not order.reduce_only:  # replay cannot tell exits
                slot.entries[order.side] += 1
                self._entries[order.order_id] = order.side
        for slot in self._slots.values():
            self.refresh(slot)

    # -- projections ----------------------------------------------------------

    @staticmethod
    def increases(slot: Slot, position: Decimal, side: Side, quantity: Decimal) -> bool:
        """True when ``quantity`` more on ``side`` raises the slot's worst-case quantity."""
        if side is Side.BUY:
            return abs(_add(_add(position, slot.buys), quantity)) > slot.worst(position)
        return abs(_sub(_sub(position, slot.sells), quantity)) > slot.worst(position)
