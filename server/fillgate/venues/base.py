"""The venue adapter protocol.

An adapter turns fillgate's requests into the venue's and the venue's
answers into domain events, which it hands to the ``sink`` given at connect.

| method            | required | notes                                                    |
|-------------------|----------|----------------------------------------------------------|
| connect / close   | yes      | connect receives the sink for the venue's events         |
| submit            | yes      | carries our client_order_id to the venue                 |
| cancel            | yes      | the result arrives as OrderCanceled / OrderCancelRejected |
| replace           | no       | ``supports_replace`` False: the engine refuses replaces  |
| query_order       | yes      | by client order id: resolves unknown-outcome submits     |
| open_orders       | yes      | for reconciliation                                       |

Events may reach the sink before the awaited call returns (the paper venue
is synchronous) or later (a real venue's stream); the engine handles both.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Protocol

from fillgate.domain.events import OrderEvent
from fillgate.domain.orders import Order

ReportSink = Callable[[OrderEvent], None]


class VenueAdapter(Protocol):
    """What the engine needs from a venue."""

    name: str
    supports_replace: bool

    async def connect(self, sink: ReportSink) -> None: ...

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

    async def query_order(self, client_order_id: str) -> Order | None: ...

    async def open_orders(self) -> list[Order]: ...
