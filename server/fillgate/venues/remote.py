"""The runtime every real venue shares: one :class:`RemoteVenue` per account, around a driver.

The driver (ccxt, oanda, alpaca) only translates calls; this module decides
what happens around them:

- **pacing**: every call takes a token from the venue's bucket; a
  ``Retry-After`` pauses the whole bucket;
- **retries**: RETRYABLE failures (nothing happened) are retried with
  exponential backoff and full jitter; reads and cancels also retry an
  UNKNOWN_OUTCOME, because repeating them cannot double anything;
- **unknown outcomes**: a submit or replace that may have reached the venue is
  never sent again. It is resolved by asking the venue for the order by its
  client id until the venue shows it or ``resolve_timeout_s`` passes without it
  (then it was not placed: rejected);
- **replace**: native where the driver has it, else cancel + new under the
  chained client id; either way the new venue order is a new leg of the same
  fillgate order, carrying the quantity not yet filled;
- **the stream**: a pump keeps the driver's stream running; after every
  (re)connect it backfills over REST (fills since the last sync, the state of
  every open order), and while the stream is down it polls;
- every report goes through :class:`~fillgate.venues.legs.LegBook`, which
  emits each fill exactly once.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from decimal import Decimal
from typing import TypeVar

from fillgate.domain import events as ev
from fillgate.domain.enums import OrderState
from fillgate.domain.orders import Order
from fillgate.domain.values import Clock, fmt
from fillgate.venues.base import ReportSink
from fillgate.venues.calls import VenueCaller
from fillgate.venues.common.client_ids import venue_client_id
from fillgate.venues.driver import VenueDriver, VenueSettings
from fillgate.venues.errors import ErrorKind, VenueFailure, failure_reason, redact
from fillgate.venues.legs import LegBook, OrderView
from fillgate.venues.replace import replace_order
from fillgate.venues.types import (
    Instrument,
    PlaceRequest,
    StreamStatus,
    VenueBalance,
    VenueOrder,
    VenuePosition,
    VenueRef,
    VenueReport,
)

log = logging.getLogger("fillgate.venues")

T = TypeVar("T")

#: How long a submit waits for its unknown outcome to resolve before answering
#: the client with the order still PENDING_NEW (resolution goes on behind).
_INLINE_RESOLVE_S = 1.0
#: Fills are backfilled from this long before the last sync (clock skew, late prints).
_BACKFILL_OVERLAP_NS = 60 * 1_000_000_000


class RemoteVenue:
    """A venue adapter for one account at a real venue (see the module docstring)."""

    supports_replace = True

    def __init__(
        self,
        *,
        settings: VenueSettings,
        driver: VenueDriver,
        clock: Clock,
    ) -> None:
        self.settings = settings
        self.account = settings.account
        self.driver = driver
        self.name = driver.name
        self._clock = clock
        self._caller = VenueCaller(settings, driver)
        self._backoff = self._caller.backoff
        self._instruments: Mapping[str, Instrument] = {}
        self._legs: LegBook | None = None
        self._view: OrderView | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._resolving: dict[str, asyncio.Task[None]] = {}
        self._synced_ns = 0
        self.stream_up = False
        self.connected = False
        self._reattached: list[Order] = []
        self._opening = asyncio.Lock()
        self._sync_failing = False
        #: Spot venues report balances as positions (see engine.reconcile).
        self.positions_are_balances = bool(getattr(driver, "positions_are_balances", False))

    # -- lifecycle --------------------------------------------------------------

    async def connect(self, sink: ReportSink, view: OrderView | None = None) -> None:
        """Start the stream and the poller; the venue itself is opened by them (and by sync).

        Never raises for an unreachable venue: the account stays gated until a
        reconciliation succeeds, and the stream keeps trying.
        """
        assert view is not None, "a remote venue needs the engine's order view"
        self._view = view
        self._legs = LegBook(account=self.account, view=view, emit=sink, clock=self._clock)
        self._tasks = [
            asyncio.create_task(self._pump(), name=f"venue-stream-{self.account}"),
            asyncio.create_task(self._poll(), name=f"venue-poll-{self.account}"),
        ]

    async def _ensure_open(self) -> None:
        """Open the driver once, however many tasks (stream, sync, resolve) ask at the same time."""
        if self.connected:
            return
        async with self._opening:
            if self.connected:
                return
            self._instruments = await self._call(self.driver.open, retry_unknown=True)
            self.connected = True
            log.info(
                "event=venue_connected account=%s venue=%s instruments=%s",
                self.account,
                self.name,
                ",".join(sorted(self._instruments)),
            )

    async def close(self) -> None:
        tasks = self._tasks + list(self._resolving.values())
        for task in tasks:
            task.cancel()
        if tasks:
            _done, stuck = await asyncio.wait(tasks, timeout=5.0)
            for task in stuck:
                log.error(
                    "event=venue_task_stuck account=%s task=%s", self.account, task.get_name()
                )
        self._tasks, self._resolving = [], {}
        await self.driver.close()
        self.connected = False

    async def reattach(self, orders: list[Order]) -> None:
        """Take back the open orders of a previous run: their legs, then their truth.

        An order still PENDING_NEW may or may not have reached the venue before
        the restart: it is resolved by client id like any unknown outcome.
        """
        legs, view = self._book(), self._require_view()
        for order in orders:
            base_filled, base_notional = view.leg_base(order.order_id)
            leg = legs.add(
                order,
                self._client_id(order, order.version),
                filled=order.filled_quantity - base_filled,
                notional=order.filled_notional - base_notional,
            )
            legs.bind(leg, order.venue_order_id)
        self._reattached = [o for o in orders if o.state is OrderState.PENDING_CANCEL]
        for order in orders:
            if order.state is OrderState.PENDING_NEW:
                self._start_resolve(order, self._client_id(order, order.version))
            elif order.state is OrderState.PENDING_REPLACE:
                self._sink_event(
                    ev.OrderReplaceRejected(
                        order_id=order.order_id,
                        ts_ns=self._clock.now_ns(),
                        reason="fillgate restarted while the replace was in flight; "
                        "the order keeps its previous terms",
                    )
                )

    # -- orders -----------------------------------------------------------------

    async def submit(self, order: Order) -> None:
        client_id = self._client_id(order, order.version)
        problem = self._check_terms(
            order.symbol, order.quantity, order.limit_price, order.stop_price
        )
        if problem:
            self._reject(order, problem)
            return
        request = self._request(
            order, client_id, order.quantity, order.limit_price, order.stop_price
        )
        leg = self._book().add(order, client_id, placing=True)
        try:
            report = await self._call(self.driver.place, request, retry_unknown=False)
        except VenueFailure as failure:
            self._book().settle(leg)
            if failure.kind is ErrorKind.UNKNOWN_OUTCOME:
                self._log_failure("submit_outcome_unknown", order, failure)
                task = self._start_resolve(order, client_id)
                await asyncio.wait([task], timeout=_INLINE_RESOLVE_S)
                return
            self._log_failure("submit_failed", order, failure)
            self._reject(order, failure_reason(failure))
            return
        self._book().apply(report)
        self._book().settle(leg)

    async def cancel(self, order: Order) -> None:
        legs = self._book()
        leg = legs.current(order.order_id) or legs.add(order, self._client_id(order, order.version))
        ref = VenueRef(
            client_id=leg.client_id,
            venue_order_id=leg.venue_order_id or order.venue_order_id,
            symbol=order.symbol,
        )
        try:
            report = await self._call(self.driver.cancel, ref, retry_unknown=True)
        except VenueFailure as failure:
            self._log_failure("cancel_failed", order, failure)
            await self._refresh(order.symbol, leg.client_id)
            current = self._require_view().order(order.order_id)
            if current is not None and current.state is OrderState.PENDING_CANCEL:
                self._sink_event(
                    ev.OrderCancelRejected(
                        order_id=order.order_id,
                        ts_ns=self._clock.now_ns(),
                        reason=failure_reason(failure),
                    )
                )
            return
        if report is not None:
            legs.apply(report)

    async def replace(
        self,
        order: Order,
        quantity: Decimal,
        limit_price: Decimal | None,
        stop_price: Decimal | None,
    ) -> None:
        await replace_order(self, order, quantity, limit_price, stop_price)

    # -- unknown outcomes ---------------------------------------------------------

    def _start_resolve(self, order: Order, client_id: str) -> asyncio.Task[None]:
        task = self._resolving.get(order.order_id)
        if task is None or task.done():
            task = asyncio.create_task(self._resolve(order, client_id))
            self._resolving[order.order_id] = task
            task.add_done_callback(lambda _t: self._resolving.pop(order.order_id, None))
        return task

    async def _resolve(self, order: Order, client_id: str) -> None:
        """Find out whether an order whose submit had no clear answer exists at the venue."""
        started = time.monotonic()
        attempt = 0
        while True:
            current = self._require_view().order(order.order_id)
            if current is None or current.state is not OrderState.PENDING_NEW:
                return  # the stream or a backfill resolved it
            try:
                await self._ensure_open()
                report = await self._call(
                    self.driver.fetch_order, order.symbol, client_id, retry_unknown=True
                )
            except VenueFailure as failure:
                self._log_failure("resolve_failed", order, failure)
                report = None
                if failure.kind is ErrorKind.FATAL:
                    return  # reconciliation reports the account; the order stays in flight
            else:
                if report is not None:
                    self._book().apply(report)
                    log.info(
                        "event=venue_outcome_resolved account=%s order_id=%s client_id=%s found=1",
                        self.account,
                        order.order_id,
                        client_id,
                    )
                    return
                if time.monotonic() - started >= self.settings.resolve_timeout_s:
                    self._reject(
                        order,
                        "UNKNOWN_OUTCOME_NOT_PLACED: the venue had no order with client id "
                        f"{client_id} {self.settings.resolve_timeout_s:g}s after an unanswered "
                        "submit",
                    )
                    return
            await asyncio.sleep(min(1.0, self._backoff.delay(attempt)))
            attempt += 1

    async def _find(self, symbol: str, client_id: str) -> VenueReport | None:
        """Look for an order the venue may have; None when it does not have it (or cannot say)."""
        deadline = time.monotonic() + self.settings.resolve_timeout_s
        attempt = 0
        while True:
            try:
                report = await self._call(
                    self.driver.fetch_order, symbol, client_id, retry_unknown=True
                )
            except VenueFailure:
                report = None
            if report is not None or time.monotonic() >= deadline:
                return report
            await asyncio.sleep(min(1.0, self._backoff.delay(attempt)))
            attempt += 1

    async def _refresh(self, symbol: str, client_id: str) -> None:
        try:
            report = await self._call(
                self.driver.fetch_order, symbol, client_id, retry_unknown=True
            )
        except VenueFailure:
            return
        if report is not None:
            self._book().apply(report)

    # -- reconciliation reads --------------------------------------------------

    async def sync(self, account: str = "") -> None:
        """Backfill: apply fills since the last sync and every open order's venue state."""
        await self._ensure_open()
        started = self._clock.now_ns()
        since = self._synced_ns
        if not since:
            # The first sync of a run: fills matter only for orders still open,
            # so reach back to the oldest of them (not the account's whole history).
            opened = [o.created_ns for o in self._require_view().open_orders_of(self.account)]
            since = min(opened, default=started)
        since = max(0, since - _BACKFILL_OVERLAP_NS)
        pending_cancels, self._reattached = self._reattached, []
        for order in pending_cancels:
            await self.cancel(order)  # a cancel sent before a restart: send it again
        legs, view = self._book(), self._require_view()
        fills = await self._call(self.driver.fetch_fills, since, retry_unknown=True)
        if fills:
            legs.apply(VenueReport(fills=tuple(fills)))
        venue_open = await self._call(self.driver.fetch_open_orders, retry_unknown=True)
        seen: set[str] = set()
        for snap in venue_open:
            legs.apply(VenueReport(order=snap))
            seen.add(snap.client_id)
        for order in view.open_orders_of(self.account):
            leg = legs.current(order.order_id)
            if leg is None or leg.placing or leg.client_id in seen:
                continue
            if order.state is OrderState.PENDING_NEW and order.order_id in self._resolving:
                continue
            report = await self._call(
                self.driver.fetch_order, order.symbol, leg.client_id, retry_unknown=True
            )
            if report is not None:
                legs.apply(report)
        legs.prune()
        self._synced_ns = started

    async def query_order(self, account: str, client_order_id: str) -> VenueOrder | None:
        """The venue's view of one of this account's orders, by our client order id."""
        for order in self._require_view().open_orders_of(self.account):
            if order.client_order_id == client_order_id:
                leg = self._book().current(order.order_id)
                cid = leg.client_id if leg else self._client_id(order, order.version)
                report = await self._call(
                    self.driver.fetch_order, order.symbol, cid, retry_unknown=True
                )
                return report.order if report else None
        return None

    async def open_orders(self, account: str = "") -> list[VenueOrder]:
        return await self._call(self.driver.fetch_open_orders, retry_unknown=True)

    async def positions(self, account: str = "") -> list[VenuePosition] | None:
        return await self._call(self.driver.fetch_positions, retry_unknown=True)

    async def balances(self) -> list[VenueBalance]:
        return await self._call(self.driver.fetch_balances, retry_unknown=True)

    def foreign_orders(self, account: str = "") -> list[VenueOrder]:
        """Open orders the venue reported that fillgate did not place."""
        return list(self._book().foreign.values())

    # -- stream -----------------------------------------------------------------

    async def _pump(self) -> None:
        attempt = 0
        while True:
            try:
                await self._ensure_open()
                async for item in self.driver.stream():
                    if isinstance(item, StreamStatus):
                        await self._on_status(item)
                        attempt = 0
                    else:
                        self._book().apply(item)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                failure = self._caller.classify(exc)
                log.warning(
                    "event=venue_stream_failed account=%s kind=%s detail=%r",
                    self.account,
                    failure.kind.value,
                    failure.message,
                )
            self.stream_up = False
            await asyncio.sleep(self._backoff.delay(attempt))
            attempt += 1

    async def _on_status(self, status: StreamStatus) -> None:
        self.stream_up = status.up
        log.info(
            "event=venue_stream_%s account=%s detail=%r",
            "up" if status.up else "down",
            self.account,
            redact(status.detail, self.driver.secrets),
        )
        if status.up:
            await self._sync_quietly("stream_reconnect")

    async def _poll(self) -> None:
        """While the stream is down, backfill every poll interval."""
        while True:
            await asyncio.sleep(self.settings.poll_interval_s)
            if not self.stream_up:
                await self._sync_quietly("poll")

    async def _sync_quietly(self, why: str) -> None:
        """Backfill; log the first failure of an outage as a warning, repeats at debug."""
        try:
            await self.sync()
        except VenueFailure as failure:
            level = logging.DEBUG if self._sync_failing else logging.WARNING
            self._sync_failing = True
            log.log(
                level,
                "event=venue_backfill_failed account=%s why=%s kind=%s detail=%r",
                self.account,
                why,
                failure.kind.value,
                failure.message,
            )
        else:
            if self._sync_failing:
                log.info("event=venue_backfill_recovered account=%s", self.account)
            self._sync_failing = False

    # -- plumbing ---------------------------------------------------------------

    async def _call(self, fn: Callable[..., Awaitable[T]], *args: object, retry_unknown: bool) -> T:
        return await self._caller.call(fn, *args, retry_unknown=retry_unknown)

    def _client_id(self, order: Order, version: int) -> str:
        return venue_client_id(
            self.driver.client_ids, order.account, order.client_order_id, version
        )

    def _request(
        self,
        order: Order,
        client_id: str,
        quantity: Decimal,
        limit: Decimal | None,
        stop: Decimal | None,
    ) -> PlaceRequest:
        return PlaceRequest(
            client_id=client_id,
            symbol=order.symbol,
            side=order.side,
            type=order.type,
            time_in_force=order.time_in_force,
            quantity=quantity,
            limit_price=limit,
            stop_price=stop,
        )

    def _check_terms(
        self,
        symbol: str,
        quantity: Decimal,
        limit: Decimal | None,
        stop: Decimal | None,
    ) -> str:
        """Why the venue would refuse these terms ("" when they fit its increments)."""
        inst = self._instruments.get(symbol)
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

    def _reject(self, order: Order, reason: str) -> None:
        self._sink_event(
            ev.OrderRejected(order_id=order.order_id, ts_ns=self._clock.now_ns(), reason=reason)
        )

    def _replace_rejected(self, order: Order, reason: str) -> None:
        current = self._require_view().order(order.order_id)
        if current is not None and current.state is OrderState.PENDING_REPLACE:
            self._sink_event(
                ev.OrderReplaceRejected(
                    order_id=order.order_id, ts_ns=self._clock.now_ns(), reason=reason
                )
            )

    def _sink_event(self, event: ev.OrderEvent) -> None:
        self._book().emit(event)

    def _log_failure(self, what: str, order: Order, failure: VenueFailure) -> None:
        log.warning(
            "event=venue_%s account=%s order_id=%s kind=%s code=%s detail=%r",
            what,
            self.account,
            order.order_id,
            failure.kind.value,
            failure.code,
            failure.message,
        )

    def _book(self) -> LegBook:
        assert self._legs is not None, "venue used before connect()"
        return self._legs

    def _require_view(self) -> OrderView:
        assert self._view is not None, "venue used before connect()"
        return self._view

    @property
    def instruments(self) -> Mapping[str, Instrument]:
        return self._instruments
