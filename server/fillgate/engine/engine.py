"""The engine: the single owner of orders, positions and trading state.

Commands come in from the api; every change happens by emitting an event:
:meth:`Engine.emit` applies it through the one fold (``engine/fold.py``, the
same function journal replay and history reads use), then streams and
journals it. Venue adapters feed their events through
:meth:`Engine.on_venue_event`.

Everything here runs on one event loop: no locks. A call that awaits a venue
may interleave with others, so state is re-read after every await.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Protocol

from fillgate.book.positions import PositionBook
from fillgate.domain import events as ev
from fillgate.domain.commands import (
    CancelOrder,
    OrderRef,
    ReplaceOrder,
    SetReferencePrice,
    SubmitOrder,
)
from fillgate.domain.enums import OrderState
from fillgate.domain.errors import (
    AlreadyExists,
    FailedPrecondition,
    FillgateError,
    IllegalTransition,
    ResourceExhausted,
)
from fillgate.domain.orders import Order
from fillgate.domain.universe import Universe
from fillgate.domain.values import Clock, IdGenerator
from fillgate.engine import admission
from fillgate.engine.fold import Applied, State, SymbolState, fold
from fillgate.engine.held import HeldOrders
from fillgate.engine.marks import Marks
from fillgate.engine.validation import check_replace, check_submit, command_of
from fillgate.journal.journal import Journal
from fillgate.marketdata.quotes import FEED, Quote
from fillgate.risk.checks import RiskChecks
from fillgate.risk.trading_state import TradingState
from fillgate.sessions.market import Sessions
from fillgate.streams.bus import EventBus
from fillgate.venues.base import VenueAdapter

log = logging.getLogger("fillgate.engine")

_WORKING = (OrderState.NEW, OrderState.PARTIALLY_FILLED)

__all__ = ["Engine", "SubmitResult", "SymbolState"]


class OrderWatcher(Protocol):
    """Something that follows orders as they change (time limits, contingent orders)."""

    def on_start(self, open_orders: list[Order]) -> None:
        """Take the open orders once state is rebuilt and the venues are connected."""

    def on_order(self, order: Order, event: ev.OrderEvent) -> None:
        """Follow one applied order event (called after the fold, never during replay)."""

    def on_stop(self) -> None:
        """Stop timers: the engine is shutting down."""

    def on_mark(self, symbol: str, price: Decimal) -> None:
        """Follow a symbol's mark (reference or live), after the venues matched on it."""

    def on_account_open(self, account: str) -> None:
        """``account`` takes new orders again (its venue reconciled): retry what it refused."""


@dataclass(frozen=True, slots=True)
class SubmitResult:
    order: Order
    duplicate: bool


class Engine:
    """Owns orders and their lifecycle; feeds the book and the bus."""

    def __init__(
        self,
        *,
        universe: Universe,
        state: State,
        clock: Clock,
        ids: IdGenerator,
        venues: Mapping[str, VenueAdapter],  # by account
        bus: EventBus,
        journal: Journal | None = None,
        risk: RiskChecks | None = None,
        sessions: Sessions | None = None,
    ) -> None:
        self.universe = universe
        self.state = state
        self.clock = clock
        self.ids = ids
        self.venues = dict(venues)
        self.bus = bus
        self.journal = journal
        self.risk = risk  # pre-trade checks and breakers; None runs without them
        #: Calendars and the closed-market gate; None treats every market as open.
        self.sessions = sessions
        self.book: PositionBook = state.book
        self.trading: TradingState = state.trading
        self._store = state.orders
        self._orders = state.orders.orders
        #: Accounts refused new orders, with why (reconciliation failed or pending).
        self.blocked: dict[str, str] = {}
        #: Called after each live event is applied, with the order after it (None for
        #: events about no order): metrics (``fillgate.metrics.orders``) watch here.
        self.observer: Callable[[object, Order | None], None] | None = None
        #: Orders queued while their market is closed, and their release at the open.
        self.held = HeldOrders(self)
        #: Live quotes in, marks moved (and journaled where they matter).
        self.marks = Marks(self)
        #: Followers of order events and marks (time limits, contingent orders).
        self.watchers: list[OrderWatcher] = []

    async def start(self) -> None:
        """Connect the venues and hand each its open orders (after a replay)."""
        if self.risk is not None:
            self.risk.rebuild(self.working_orders())
        for venue in self.adapters():
            accounts = {a for a, v in self.venues.items() if v is venue}
            await venue.connect(self.on_venue_event, self)
            hook = getattr(venue, "on_reference_price", None)
            if hook is not None:
                for state in self.state.prices.values():
                    hook(state.config.name, state.reference_price)
            restore = getattr(venue, "restore_positions", None)
            if restore is not None:
                restore(
                    {
                        (a, p.symbol): p.quantity
                        for a in accounts
                        for p in self.book.snapshot(a).positions.values()
                    }
                )
            reattach = getattr(venue, "reattach", None)
            if reattach is not None:
                await reattach([o for o in self.working_orders() if o.account in accounts])
        self.held.start()
        for watcher in self.watchers:
            watcher.on_start(self.open_orders())

    def reopen(self, account: str) -> None:
        """Let a blocked account take new orders again, and tell the watchers."""
        if self.blocked.pop(account, None) is not None:
            for watcher in self.watchers:
                watcher.on_account_open(account)

    def adapters(self) -> list[VenueAdapter]:
        """Each distinct venue adapter once (paper accounts share one)."""
        return list({id(v): v for v in self.venues.values()}.values())

    # -- the read-only view venue adapters get (venues.base.OrderView) ---------

    def order(self, order_id: str) -> Order | None:
        return self._orders.get(order_id)

    def open_orders_of(self, account: str) -> list[Order]:
        open_ids = self._store.open
        return [
            self._orders[i]
            for (a, _s), ids in open_ids.items()
            if a == account
            for i in ids
            if self._orders[i].state is not OrderState.QUEUED  # no venue knows a queued order
        ]

    def exec_ids(self, order_id: str) -> frozenset[str] | set[str]:
        return self._store.memo.exec_ids(order_id)

    def leg_base(self, order_id: str) -> tuple[Decimal, Decimal]:
        return self._store.memo.leg_base(order_id)

    async def durable(self) -> None:
        """Return once every event so far is durable (at once without a journal)."""
        if self.journal is not None and not self.journal.settled:
            await self.journal.durable()

    async def stop(self) -> None:
        for watcher in self.watchers:
            watcher.on_stop()
        await self.held.stop()
        for venue in self.adapters():
            await venue.close()

    # -- orders -------------------------------------------------------------

    async def submit(self, cmd: SubmitOrder, *, bypass_halt: bool = False) -> SubmitResult:
        """Validate, guard and accept a new order, then send it to its venue.

        Every answer, a duplicate's or a denial's too, waits until what it
        names is durable: a concurrent twin of a submit still waiting for its
        group commit must not be told about an order a crash could take back.
        """
        try:
            return await self._submit(cmd, bypass_halt)
        finally:
            await self.durable()

    async def _submit(self, cmd: SubmitOrder, bypass_halt: bool) -> SubmitResult:
        existing = self._store.by_client.get((cmd.account, cmd.client_order_id))
        if existing is not None:
            # Who sent it is not part of the idempotency key's contents.
            if command_of(self._store.submitted[existing]) != replace(cmd, by=""):
                raise AlreadyExists(
                    "CLIENT_ORDER_ID_REUSED",
                    f"client_order_id {cmd.client_order_id!r} already names order {existing} "
                    "with different contents",
                    {"client_order_id": cmd.client_order_id, "order_id": existing},
                )
            return SubmitResult(self._orders[existing], True)
        check_submit(cmd, self.universe.accounts, self.universe.symbols, self.clock.now_ns())
        try:
            release_ns = admission.release_time(self, cmd)
            if release_ns:
                return SubmitResult(self.held.queue(cmd, release_ns), False)  # risk: at the open
            admission.guard_new(self, cmd, bypass_halt)
        except (FailedPrecondition, ResourceExhausted) as exc:
            admission.deny(self, cmd, exc)
            raise
        now = self.clock.now_ns()
        order = admission.new_order(self, cmd, now)
        self._apply(ev.OrderAccepted(order_id=order.order_id, ts_ns=now, order=order, by=cmd.by))
        venue = self.venues[cmd.account]
        try:
            await venue.submit(order)
        except FillgateError as exc:
            self._reject(order.order_id, exc.message)
        return SubmitResult(self._orders[order.order_id], False)

    async def cancel(self, cmd: CancelOrder) -> Order:
        """Ask the venue to cancel; canceling a canceled order returns it unchanged.

        Like every answer, a repeated cancel's waits until the state it shows is durable.
        """
        try:
            return await self._cancel(cmd)
        finally:
            await self.durable()

    async def _cancel(self, cmd: CancelOrder) -> Order:
        order = self.resolve(cmd.ref)
        if order.state in (OrderState.CANCELED, OrderState.PENDING_CANCEL):
            return order
        if order.state is OrderState.QUEUED:  # only fillgate holds it: canceled at once
            return self.held.cancel(order, cmd.by)
        if order.state.is_terminal:
            raise FailedPrecondition(
                "ORDER_NOT_OPEN",
                f"order {order.order_id} is {order.state.name} and cannot be canceled",
                {"order_id": order.order_id, "state": order.state.name},
            )
        if order.state is OrderState.PENDING_REPLACE:
            raise FailedPrecondition(
                "REPLACE_IN_FLIGHT",
                f"order {order.order_id} has a replace in flight; retry the cancel",
                {"order_id": order.order_id, "state": order.state.name},
            )
        self._apply(
            ev.OrderCancelRequested(order_id=order.order_id, ts_ns=self.clock.now_ns(), by=cmd.by)
        )
        await self.venues[order.account].cancel(self._orders[order.order_id])
        return self._orders[order.order_id]

    async def replace(self, cmd: ReplaceOrder) -> Order:
        """Change a working order's quantity and/or prices (answered once durable)."""
        try:
            return await self._replace(cmd)
        finally:
            await self.durable()

    async def _replace(self, cmd: ReplaceOrder) -> Order:
        order = self.resolve(cmd.ref)
        check_replace(cmd, order, self.universe.symbols[order.symbol])
        if order.state is OrderState.QUEUED:  # new terms at once; risk judges them at release
            return self.held.replace(order, cmd)
        if order.state not in _WORKING:
            raise FailedPrecondition(
                "ORDER_NOT_REPLACEABLE",
                f"order {order.order_id} is {order.state.name}; only working orders can change",
                {"order_id": order.order_id, "state": order.state.name},
            )
        venue = self.venues[order.account]
        if not venue.supports_replace:
            raise FailedPrecondition(
                "REPLACE_NOT_SUPPORTED",
                f"venue {venue.name} does not support replace",
                {"venue": venue.name},
            )
        quantity = order.quantity if cmd.quantity is None else cmd.quantity
        limit = order.limit_price if cmd.limit_price is None else cmd.limit_price
        stop = order.stop_price if cmd.stop_price is None else cmd.stop_price
        if (quantity, limit, stop) == (order.quantity, order.limit_price, order.stop_price):
            return order  # a retried replace: nothing left to change
        if (limit, stop) != (order.limit_price, order.stop_price) or quantity > order.quantity:
            # Only a pure size cut is always allowed; anything else is judged like a
            # new order for the remaining quantity, so a replace cannot dodge a halt.
            admission.guard_order(
                self, order, quantity - order.filled_quantity, limit_price=limit, stop_price=stop
            )
        self._apply(
            ev.OrderReplaceRequested(
                order_id=order.order_id,
                ts_ns=self.clock.now_ns(),
                quantity=quantity,
                limit_price=limit,
                stop_price=stop,
                by=cmd.by,
            )
        )
        await venue.replace(self._orders[order.order_id], quantity, limit, stop)
        return self._orders[order.order_id]

    def resolve(self, ref: OrderRef) -> Order:
        """Find an order by id, or by account and client order id."""
        return self._store.find(ref)

    def orders(self, start: int = 0) -> Iterable[tuple[int, Order]]:
        """Yield (position, order) in creation order from ``start``."""
        sequence = self._store.sequence
        for index in range(start, len(sequence)):
            yield index, self._orders[sequence[index]]

    def open_orders(self) -> list[Order]:
        return self._store.open_orders()

    def working_orders(self) -> list[Order]:
        """Open orders a venue knows (every open order but the queued ones)."""
        return [o for o in self._store.open_orders() if o.state is not OrderState.QUEUED]

    # -- events ---------------------------------------------------------------

    def on_venue_event(self, event: ev.OrderEvent) -> None:
        """Apply an event from a venue; an event that does not fit is logged, not applied."""
        if type(event) is ev.OrderStopTrailed:  # a venue-trailed stop moved: quiet, journaled
            self.emit(event)
            return
        try:
            self._apply(event)
        except IllegalTransition as exc:
            log.error(
                "event=venue_event_refused order_id=%s event=%s reason=%s detail=%r",
                event.order_id,
                type(event).__name__,
                exc.reason,
                exc.message,
            )

    def _reject(self, order_id: str, reason: str) -> None:
        self._apply(ev.OrderRejected(order_id=order_id, ts_ns=self.clock.now_ns(), reason=reason))

    def emit(self, event: object) -> Applied:
        """Apply an event through the fold, then stream it (if it streams) and journal it.

        The fold raises before changing anything when the event does not apply.
        """
        applied = fold(self.state, event)
        self._publish(event, applied)
        return applied

    def _publish(self, event: object, applied: Applied, exec_id: str = "") -> None:
        if self.observer is not None:
            self.observer(event, applied.order)
        if applied.payload is None:
            if self.journal is not None:
                self.journal.append(event)
            return
        published = self.bus.publish(applied.account, applied.symbol, applied.payload)
        if self.journal is not None:
            self.journal.append(event, published.sequence, exec_id)

    def _apply(self, event: ev.OrderEvent) -> Order:
        """Apply an order event: fold, stream, journal, then the risk counters."""
        if self.marks.unjournaled and type(event) is ev.OrderFilled:
            self.marks.before_fill(event.order_id)
        exec_id = self.ids.exec_id()
        applied = fold(self.state, event, exec_id, self.clock.monotonic_ns())
        self._publish(event, applied, exec_id)
        order = applied.order
        assert order is not None
        if self.risk is not None:
            previous = applied.previous
            if previous is not None and previous.state is OrderState.QUEUED:
                # Risk meets a queued order at its release, as if it were new then.
                if type(event) is ev.OrderReleased:
                    self.risk.on_order(None, order, event)
            elif order.state is not OrderState.QUEUED:
                self.risk.on_order(previous, order, event)
        for watcher in self.watchers:
            watcher.on_order(order, event)
        return order

    # -- reference prices, quotes and marks (engine/marks.py) -----------------

    def symbol(self, name: str) -> SymbolState:
        return self.marks.symbol(name)

    def symbols(self) -> list[SymbolState]:
        return self.marks.symbols()

    def set_reference_price(self, cmd: SetReferencePrice) -> SymbolState:
        """Move a reference price (see :meth:`fillgate.engine.marks.Marks.set_reference_price`)."""
        return self.marks.set_reference_price(cmd)

    def mark(self, symbol: str) -> Quote:
        """The symbol's current quote: its mark, bid/ask/last, source and time."""
        return self.marks.quote(symbol)

    def quotes(self) -> tuple[Quote, ...]:
        """Every symbol's quote: an immutable snapshot."""
        return self.marks.quotes()

    def on_quote(
        self,
        symbol: str,
        *,
        bid: Decimal | None,
        ask: Decimal | None,
        last: Decimal | None = None,
        ts_ns: int = 0,
        source: str = FEED,
    ) -> Quote:
        """Apply a live quote (see :meth:`fillgate.engine.marks.Marks.on_quote`)."""
        return self.marks.on_quote(symbol, bid=bid, ask=ask, last=last, ts_ns=ts_ns, source=source)
