"""Venue call latency and errors: a measuring stand-in around each venue adapter.

Only when metrics are on does the app put it between the engine and its
adapters (``fillgate.app``); the order calls (submit, cancel, replace) and the
reconciler's reads (positions, sync) are timed per venue and method, and a
failure is counted by its reason (a FillgateError's reason code, else the
exception's type name: both fixed sets). Anything else an adapter offers
(optional hooks such as ``on_reference_price``) passes straight through.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable
from decimal import Decimal
from typing import Any, TypeVar

from fillgate.domain.orders import Order
from fillgate.metrics.registry import Metrics
from fillgate.venues.base import OrderView, ReportSink, VenueAdapter
from fillgate.venues.types import VenueOrder, VenuePosition

T = TypeVar("T")


class MeasuredVenue:
    """A :class:`VenueAdapter` that times and counts the calls into ``inner``."""

    def __init__(self, inner: VenueAdapter, metrics: Metrics) -> None:
        self._inner = inner
        self._metrics = metrics
        self.name = inner.name
        self.supports_replace = inner.supports_replace
        self._seconds = {
            m: metrics.venue_seconds.labels(inner.name, m)
            for m in ("submit", "cancel", "replace", "positions", "sync")
        }

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    async def _timed(self, method: str, call: Awaitable[T]) -> T:
        start = time.perf_counter()
        try:
            return await call
        except Exception as exc:
            reason = getattr(exc, "reason", "") or type(exc).__name__
            self._metrics.venue_errors.labels(self.name, method, reason).inc()
            raise
        finally:
            self._seconds[method].observe(time.perf_counter() - start)

    async def connect(self, sink: ReportSink, view: OrderView | None = None) -> None:
        await self._inner.connect(sink, view)

    async def close(self) -> None:
        await self._inner.close()

    async def submit(self, order: Order) -> None:
        await self._timed("submit", self._inner.submit(order))

    async def cancel(self, order: Order) -> None:
        await self._timed("cancel", self._inner.cancel(order))

    async def replace(
        self,
        order: Order,
        quantity: Decimal,
        limit_price: Decimal | None,
        stop_price: Decimal | None,
    ) -> None:
        await self._timed("replace", self._inner.replace(order, quantity, limit_price, stop_price))

    async def positions(self, account: str) -> list[VenuePosition] | None:
        return await self._timed("positions", self._inner.positions(account))

    async def sync(self, account: str) -> None:
        await self._timed("sync", self._inner.sync(account))

    def foreign_orders(self, account: str) -> list[VenueOrder]:
        return self._inner.foreign_orders(account)


def measured(venues: dict[str, VenueAdapter], metrics: Metrics) -> dict[str, VenueAdapter]:
    """The same account -> venue map with each distinct adapter measured once."""
    wrapped: dict[int, VenueAdapter] = {}
    for venue in venues.values():
        if id(venue) not in wrapped:
            wrapped[id(venue)] = MeasuredVenue(venue, metrics)
    return {account: wrapped[id(venue)] for account, venue in venues.items()}
