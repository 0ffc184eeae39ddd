"""Read-only queries over the engine's orders: filtered, paged listings.

Kept out of ``engine.py`` so the single writer stays about writing; these
functions only read through the engine's public view.
"""

from __future__ import annotations

from dataclasses import dataclass

from fillgate.domain.enums import OrderState
from fillgate.domain.orders import Order
from fillgate.domain.paging import Page, PageRequest
from fillgate.engine.engine import Engine


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderQuery:
    """Which orders a listing keeps; empty fields keep everything."""

    account: str = ""
    symbol: str = ""
    states: frozenset[OrderState] = frozenset()
    open_only: bool = False
    #: The accounts the caller may read (None: every account).
    readable: frozenset[str] | None = None

    def matches(self, order: Order) -> bool:
        return (
            (not self.account or order.account == self.account)
            and (self.readable is None or order.account in self.readable)
            and (not self.symbol or order.symbol == self.symbol)
            and (not self.states or order.state in self.states)
            and (not self.open_only or order.is_open)
        )


def list_orders(engine: Engine, query: OrderQuery, page: PageRequest) -> Page[Order]:
    """Return one page of matching orders, oldest first.

    A position is an index into the engine's creation order, so a page stays
    stable while new orders arrive (they come after every existing one).
    """
    out: list[Order] = []
    for index, order in engine.orders(page.start):
        if not query.matches(order):
            continue
        if len(out) == page.size:
            return Page(items=out, next_start=index)
        out.append(order)
    return Page(items=out, next_start=None)
