"""What the runtime's modules share for one account at one venue: :class:`VenueContext`.

The context is built when the adapter connects (the engine's sink and order
view exist only then) and handed to every module of the runtime: resolving
unknown outcomes, backfill, replace, the stream pump. They read and call
each other only through it and their public methods, never through another
module's private members.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from decimal import Decimal
from typing import TypeVar

from fillgate.domain import events as ev
from fillgate.domain.enums import OrderState
from fillgate.domain.orders import Order
from fillgate.domain.values import Clock, fmt
from fillgate.venues.base import OrderView, ReportSink
from fillgate.venues.common.backoff import Backoff
from fillgate.venues.driver import VenueDriver, VenueSettings
from fillgate.venues.errors import VenueFailure
from fillgate.venues.runtime.calls import VenueCaller
from fillgate.venues.runtime.client_ids import venue_client_id
from fillgate.venues.runtime.legs import LegBook
from fillgate.venues.runtime.trail import trail_of
from fillgate.venues.runtime.with_entry import protection_of
from fillgate.venues.types import Instrument, PlaceRequest, VenueReport

log = logging.getLogger("fillgate.venues")

T = TypeVar("T")


class VenueContext:
    """One account's venue runtime state and the operations every module needs.

    ``instruments`` and ``connected`` change once, when the driver opens
    (:meth:`ensure_open`); everything else is fixed at connect.
    """

    __slots__ = (
        "_opening",
        "account",
        "caller",
        "clock",
        "connected",
        "driver",
        "instruments",
        "legs",
        "name",
        "settings",
        "sink",
        "view",
    )

    def __init__(
        self,
        *,
        settings: VenueSettings,
        driver: VenueDriver,
        caller: VenueCaller,
        clock: Clock,
        sink: ReportSink,
        view: OrderView,
    ) -> None:
        self.settings = settings
        self.account = settings.account
        self.driver = driver
        self.name = driver.name
        self.caller = caller
        self.clock = clock
        self.sink = sink
        self.view = view
        self.legs = LegBook(account=self.account, view=view, emit=sink, clock=clock)
        #: Our symbol -> the venue's instrument, loaded when the driver opens.
        self.instruments: Mapping[str, Instrument] = {}
        self.connected = False
        self._opening = asyncio.Lock()

    @property
    def backoff(self) -> Backoff:
        return self.caller.backoff

    async def ensure_open(self) -> None:
        """Open the driver once, however many tasks (stream, sync, resolve) ask at the same time."""
        if self.connected:
            return
        async with self._opening:
            if self.connected:
                return
            self.instruments = await self.call(self.driver.open, retry_unknown=True)
            self.connected = True
            log.info(
                "event=venue_connected account=%s venue=%s instruments=%s",
                self.account,
                self.name,
                ",".join(sorted(self.instruments)),
            )

    # -- calls ------------------------------------------------------------------

    async def call(self, fn: Callable[..., Awaitable[T]], *args: object, retry_unknown: bool) -> T:
        """Call the driver paced, timed out, retried and classified (see :class:`VenueCaller`)."""
        return await self.caller.call(fn, *args, retry_unknown=retry_unknown)

    async def fetch(
        self, symbol: str, client_id: str, venue_order_id: str = ""
    ) -> VenueReport | None:
        """The venue's report of one order by client id; None when it does not know it.

        An order the venue knows only by its own id (an OCO leg) is asked for by
        ``venue_order_id`` where the driver can (``fetch_order_by_id``).
        """
        report = await self.call(self.driver.fetch_order, symbol, client_id, retry_unknown=True)
        by_id = getattr(self.driver, "fetch_order_by_id", None)
        if report is None and venue_order_id and by_id is not None:
            found: VenueReport | None = await self.call(by_id, venue_order_id, retry_unknown=True)
            return found
        return report

    # -- orders -----------------------------------------------------------------

    def client_id(self, order: Order, version: int) -> str:
        """The venue client id of ``version`` of an order (see :mod:`.client_ids`)."""
        return venue_client_id(
            self.driver.client_ids, order.account, order.client_order_id, version
        )

    def request(
        self,
        order: Order,
        client_id: str,
        quantity: Decimal,
        limit: Decimal | None,
        stop: Decimal | None,
    ) -> PlaceRequest:
        """The driver's request for an order under the given id and terms."""
        amount, percent = trail_of(order)
        return PlaceRequest(
            client_id=client_id,
            symbol=order.symbol,
            side=order.side,
            type=order.type,
            time_in_force=order.time_in_force,
            quantity=quantity,
            limit_price=limit,
            stop_price=stop,
            extended_hours=order.extended_hours,
            reduce_only=order.reduce_only,
            trail_amount=amount,
            trail_percent=percent,
            protection=protection_of(self.driver.client_ids, order),
        )

    def check_terms(
        self,
        symbol: str,
        quantity: Decimal,
        limit: Decimal | None,
        stop: Decimal | None,
    ) -> str:
        """Say why the venue would refuse these terms ("" when they fit its increments)."""
        inst = self.instruments.get(symbol)
        if inst is None:
            return f"SYMBOL_NOT_AT_VENUE: {symbol} is not mapped to an instrument at {self.name}"
        if quantity % inst.quantity_increment:
            return (
                f"QUANTITY_INCREMENT: {fmt(quantity)} is not a multiple of the venue's "
                f"quantity step {fmt(inst.quantity_increment)} for {symbol}"
            )
        if quantity < inst.min_quantity:
            return (
                f"QUANTITY_TOO_SMALL: {fmt(quantity)} is below the venue's minimum "
                f"{fmt(inst.min_quantity)} for {symbol}"
            )
        for name, price in (("limit_price", limit), ("stop_price", stop)):
            if price is not None and price % inst.price_increment:
                return (
                    f"PRICE_INCREMENT: {name} {fmt(price)} is not a multiple of the venue's "
                    f"tick {fmt(inst.price_increment)} for {symbol}"
                )
        return ""

    # -- events -----------------------------------------------------------------

    def emit(self, event: ev.OrderEvent) -> None:
        """Hand an event the runtime decided on (a reject, a replace outcome) to the engine."""
        self.legs.emit(event)

    def reject(self, order: Order, reason: str) -> None:
        self.emit(
            ev.OrderRejected(order_id=order.order_id, ts_ns=self.clock.now_ns(), reason=reason)
        )

    def replace_rejected(self, order: Order, reason: str) -> None:
        """Refuse a replace, unless the order has left PENDING_REPLACE meanwhile."""
        current = self.view.order(order.order_id)
        if current is not None and current.state is OrderState.PENDING_REPLACE:
            self.emit(
                ev.OrderReplaceRejected(
                    order_id=order.order_id, ts_ns=self.clock.now_ns(), reason=reason
                )
            )

    def log_failure(self, what: str, order: Order, failure: VenueFailure) -> None:
        log.warning(
            "event=venue_%s account=%s order_id=%s kind=%s code=%s detail=%r",
            what,
            self.account,
            order.order_id,
            failure.kind.value,
            failure.code,
            failure.message,
        )
