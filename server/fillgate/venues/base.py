"""The venue adapter protocol: what the engine needs from a venue.

An adapter turns fillgate's requests into the venue's and the venue's
answers into domain events, which it hands to the ``sink`` given at connect.
The engine holds one adapter per account (paper accounts share one).

| method            | required | notes                                                      |
|-------------------|----------|------------------------------------------------------------|
| connect / close   | yes      | connect receives the sink and a read-only view of orders   |
| submit            | yes      | carries our client_order_id to the venue                   |
| cancel            | yes      | the result arrives as OrderCanceled / OrderCancelRejected   |
| replace           | no       | ``supports_replace`` False: the engine refuses replaces   |
| positions         | yes      | reconciliation: the venue's positions (None: it keeps none)|
| sync              | yes      | reconciliation: apply fills and order states we missed     |
| foreign_orders    | yes      | open orders at the venue that fillgate did not place       |
| reattach          | no       | after a replay: take back the open orders of the last run  |
| restore_positions | no       | after a replay: a venue that keeps no state of its own     |
| on_reference_price| no       | price-driven venues (paper) match on reference moves       |

The reconciliation methods take the account: paper is one adapter for
every paper account.
Events may reach the sink before the awaited call returns (the paper venue
is synchronous) or later (a real venue's stream); the engine handles both.
Real venues live in :mod:`fillgate.venues.runtime` around one driver each.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Protocol

from fillgate.domain.events import OrderEvent
from fillgate.domain.orders import Order
from fillgate.venues.types import VenueOrder, VenuePosition

ReportSink = Callable[[OrderEvent], None]


class OrderView(Protocol):
    """What a venue adapter may read of the engine's orders (read-only)."""

    def order(self, order_id: str) -> Order | None: ...

    def open_orders_of(self, account: str) -> list[Order]: ...

    def exec_ids(self, order_id: str) -> frozenset[str] | set[str]:
        """Venue trade ids already applied to an open order (journaled)."""
        ...

    def leg_base(self, order_id: str) -> tuple[Decimal, Decimal]:
        """(filled quantity, filled notional) of an open order before its current leg."""
        ...


class VenueAdapter(Protocol):
    """What the engine needs from a venue."""

    name: str
    supports_replace: bool

    async def connect(self, sink: ReportSink, view: OrderView | None = None) -> None: ...

    async def close(self) -> None: ...

    async def submit(self, order: Order) -> None: ...

    async def cancel(self, order: Order) -> None: ...

    async def replace(
        self,
        order: Order,
        quantity: Decimal,
        limit_price: Decimal | None,
        stop_price: Decimal | None,
    ) -> None: ...

    async def positions(self, account: str) -> list[VenuePosition] | None: ...

    async def sync(self, account: str) -> None: ...

    def foreign_orders(self, account: str) -> list[VenueOrder]: ...
