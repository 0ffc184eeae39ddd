"""The engine: the single owner of orders, positions and trading state.

Commands come in from the api; every change happens by applying an event in
:meth:`Engine._apply`, which is also where each event reaches the position
book and the fill stream (and, later, the journal). Venue adapters feed their
events through :meth:`Engine.on_venue_event`.

Everything here runs on one event loop: no locks. A call that awaits a venue
may interleave with others, so state is re-read after every await.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from fillgate.book.positions import PositionBook
from fillgate.config import Config, SymbolConfig
from fillgate.domain import events as ev
from fillgate.domain.commands import (
    CancelOrder,
    OrderRef,
    ReplaceOrder,
    SetReferencePrice,
    SubmitOrder,
)
from fillgate.domain.enums import OrderState, Side
from fillgate.domain.errors import (
    AlreadyExists,
    FailedPrecondition,
    FillgateError,
    IllegalTransition,
    InvalidArgument,
    NotFound,
    ResourceExhausted,
    Violations,
)
from fillgate.domain.lifecycle import apply
from fillgate.domain.orders import Order
from fillgate.domain.reports import ExecutionReport
from fillgate.domain.values import ZERO, Clock, IdGenerator, exact_add, fmt
from fillgate.engine.validation import check_precision, check_replace, check_submit, command_of
from fillgate.engine.venue_memo import VenueMemo
from fillgate.journal.journal import Journal
from fillgate.risk.checks import RiskEngine
from fillgate.risk.trading_state import TradingState, describe_position, reduces_exposure
from fillgate.streams.bus import EventBus
from fillgate.venues.base import VenueAdapter

log = logging.getLogger("fillgate.engine")

_WORKING = (OrderState.NEW, OrderState.PARTIALLY_FILLED)
# Events the venue memo keeps for orders that stay open (see engine/venue_memo.py).
_MEMO_EVENTS = frozenset({ev.OrderFilled, ev.OrderReplaced})


@dataclass(frozen=True, slots=True)
class SubmitResult:
    order: Order
    duplicate: bool


@dataclass(frozen=True, slots=True)
class SymbolState:
    config: SymbolConfig
    reference_price: Decimal
    updated_ns: int


class Engine:
    """Owns orders and their lifecycle; feeds the book and the bus."""

    def __init__(
        self,
        *,
        config: Config,
        clock: Clock,
        ids: IdGenerator,
        venues: Mapping[str, VenueAdapter],  # by account
        book: PositionBook,
        bus: EventBus,
        trading: TradingState,
        journal: Journal | None = None,
        risk: RiskEngine | None = None,
    ) -> None:
        self.config = config
        self.clock = clock
        self.ids = ids
        self.venues = dict(venues)
        self.book = book
        self.bus = bus
        self.trading = trading
        self.journal = journal
        self.risk = risk  # pre-trade checks and breakers; None runs without them
        self._orders: dict[str, Order] = {}
        self._sequence: list[str] = []  # order ids in creation order, for paging
        self._by_client: dict[tuple[str, str], str] = {}
        self._submitted: dict[str, Order] = {}  # each order as accepted: its original terms
        self._open: dict[tuple[str, str], dict[str, None]] = {}  # (account, symbol) -> ids
        self.denied_count = 0
        self.memo = VenueMemo()
        #: Accounts refused new orders, with why (reconciliation failed or pending).
        self.blocked: dict[str, str] = {}
        self._symbols = {
            name: SymbolState(s, s.reference_price, clock.now_ns())
            for name, s in config.symbols.items()
        }

    async def start(self) -> None:
        """Connect the venues and hand each its open orders (after a replay)."""
        if self.risk is not None:
            self.risk.rebuild(self.open_orders())
        for venue in self.adapters():
            accounts = {a for a, v in self.venues.items() if v is venue}
            await venue.connect(self.on_venue_event, self)
            hook = getattr(venue, "on_reference_price", None)
            if hook is not None:
                for state in self._symbols.values():
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
                await reattach([o for o in self.open_orders() if o.account in accounts])

    def adapters(self) -> list[VenueAdapter]:
        """Each distinct venue adapter once (paper accounts share one)."""
        return list({id(v): v for v in self.venues.values()}.values())

    # -- the read-only view venue adapters get (venues.legs.OrderView) ---------

    def order(self, order_id: str) -> Order | None:
        return self._orders.get(order_id)

    def open_orders_of(self, account: str) -> list[Order]:
        return [self._orders[i] for (a, _s), ids in self._open.items() if a == account for i in ids]

    def exec_ids(self, order_id: str) -> frozenset[str] | set[str]:
        return self.memo.exec_ids(order_id)

    def leg_base(self, order_id: str) -> tuple[Decimal, Decimal]:
        return self.memo.leg_base(order_id)

    async def durable(self) -> None:
        """Return once every event so far is durable (at once without a journal)."""
        if self.journal is not None and not self.journal.settled:
            await self.journal.durable()

    async def stop(self) -> None:
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
        existing = self._by_client.get((cmd.account, cmd.client_order_id))
        if existing is not None:
            if command_of(self._submitted[existing]) != cmd:
                raise AlreadyExists(
                    "CLIENT_ORDER_ID_REUSED",
                    f"client_order_id {cmd.client_order_id!r} already names order {existing} "
                    "with different contents",
                    {"client_order_id": cmd.client_order_id, "order_id": existing},
                )
            return SubmitResult(self._orders[existing], True)
        check_submit(cmd, self.config.accounts, self.config.symbols)
        try:
            blocked = self.blocked.get(cmd.account)
            if blocked is not None:
                raise FailedPrecondition(
                    "VENUE_NOT_RECONCILED",
                    f"account {cmd.account} takes no new orders until its venue "
                    f"reconciles: {blocked}",
                    {"account": cmd.account},
                )
            self._guard(
                account=cmd.account,
                symbol=cmd.symbol,
                strategy=cmd.strategy_id,
                side=cmd.side,
                quantity=cmd.quantity,
                reduce_only=cmd.reduce_only,
                limit_price=cmd.limit_price,
                stop_price=cmd.stop_price,
                bypass_halt=bypass_halt,
            )
        except (FailedPrecondition, ResourceExhausted) as exc:
            self._record(
                ev.OrderDenied(
                    command=cmd,
                    reason=exc.reason,
                    message=exc.message,
                    metadata=tuple(sorted(exc.metadata.items())),
                    ts_ns=self.clock.now_ns(),
                )
            )
            raise
        now = self.clock.now_ns()
        account = self.config.accounts[cmd.account]
        order = Order(
            order_id=self.ids.order_id(),
            client_order_id=cmd.client_order_id,
            account=cmd.account,
            symbol=cmd.symbol,
            side=cmd.side,
            type=cmd.type,
            time_in_force=cmd.time_in_force,
            quantity=cmd.quantity,
            limit_price=cmd.limit_price,
            stop_price=cmd.stop_price,
            strategy_id=cmd.strategy_id,
            tags=cmd.tags,
            reduce_only=cmd.reduce_only,
            venue=account.venue,
            created_ns=now,
            updated_ns=now,
        )
        self._apply(ev.OrderAccepted(order_id=order.order_id, ts_ns=now, order=order))
        venue = self.venues[cmd.account]
        try:
            await venue.submit(order)
        except FillgateError as exc:
            self._reject(order.order_id, exc.message)
        return SubmitResult(self._orders[order.order_id], False)

    def _guard(
        self,
        *,
        account: str,
        symbol: str,
        strategy: str,
        side: Side,
        quantity: Decimal,
        reduce_only: bool,
        limit_price: Decimal | None = None,
        stop_price: Decimal | None = None,
        bypass_halt: bool = False,
        exclude: str = "",
    ) -> None:
        """Apply reduce-only, the halt guard, then the risk checks to ``quantity`` more.

        Exposure is computed only when a restriction or reduce-only asks for it.
        ``exclude`` leaves an order being replaced out of the open quantity.
        Flattening orders (``bypass_halt``) pass the halt, not the risk sanity checks.
        """
        restriction = None if bypass_halt else self.trading.strictest(account, symbol, strategy)
        if restriction is not None or reduce_only:
            position = self.book.quantity(account, symbol)
            pending = self._open_quantity(account, symbol, side, exclude)
            reduces = reduces_exposure(position, side, quantity, pending)
            if reduce_only and not reduces:
                raise FailedPrecondition(
                    "REDUCE_ONLY_WOULD_INCREASE",
                    f"reduce-only {side.name} {fmt(quantity)} {symbol} would not reduce "
                    f"the position ({describe_position(position)}, counting open orders)",
                    {"account": account, "symbol": symbol, "position": fmt(position)},
                )
            if restriction is not None:
                self.trading.check_new_order(
                    account=account, symbol=symbol, strategy=strategy, reduces=reduces
                )
        if self.risk is not None:
            self.risk.check(
                account=account,
                symbol=symbol,
                strategy=strategy,
                side=side,
                quantity=quantity,
                limit_price=limit_price,
                stop_price=stop_price,
                flatten=bypass_halt,
                replacing=self._orders[exclude] if exclude else None,
            )

    def _open_quantity(self, account: str, symbol: str, side: Side, exclude: str = "") -> Decimal:
        total = ZERO
        for order_id in self._open.get((account, symbol), ()):
            order = self._orders[order_id]
            if order.side is side and order_id != exclude:
                total = exact_add(total, order.leaves_quantity)
        return total

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
        self._apply(ev.OrderCancelRequested(order_id=order.order_id, ts_ns=self.clock.now_ns()))
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
        check_replace(cmd, order, self.config.symbols[order.symbol])
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
            self._guard(
                account=order.account,
                symbol=order.symbol,
                strategy=order.strategy_id,
                side=order.side,
                quantity=quantity - order.filled_quantity,
                reduce_only=order.reduce_only,
                limit_price=limit,
                stop_price=stop,
                exclude=order.order_id,
            )
        self._apply(
            ev.OrderReplaceRequested(
                order_id=order.order_id,
                ts_ns=self.clock.now_ns(),
                quantity=quantity,
                limit_price=limit,
                stop_price=stop,
            )
        )
        await venue.replace(self._orders[order.order_id], quantity, limit, stop)
        return self._orders[order.order_id]

    def resolve(self, ref: OrderRef) -> Order:
        """Find an order by id, or by account and client order id."""
        if ref.order_id:
            order = self._orders.get(ref.order_id)
            if order is None:
                raise NotFound(
                    "ORDER_NOT_FOUND", f"no order {ref.order_id}", {"order_id": ref.order_id}
                )
            return order
        if not ref.account or not ref.client_order_id:
            raise InvalidArgument(
                [("order", "give order_id, or account and client_order_id")], "ORDER_REF_MISSING"
            )
        order_id = self._by_client.get((ref.account, ref.client_order_id))
        if order_id is None:
            raise NotFound(
                "ORDER_NOT_FOUND",
                f"no order with client_order_id {ref.client_order_id!r} in {ref.account}",
                {"account": ref.account, "client_order_id": ref.client_order_id},
            )
        return self._orders[order_id]

    def orders(self, start: int = 0) -> Iterable[tuple[int, Order]]:
        """Yield (position, order) in creation order from ``start``."""
        for index in range(start, len(self._sequence)):
            yield index, self._orders[self._sequence[index]]

    def open_orders(self) -> list[Order]:
        return [self._orders[i] for ids in self._open.values() for i in ids]

    # -- events ---------------------------------------------------------------

    def on_venue_event(self, event: ev.OrderEvent) -> None:
        """Apply an event from a venue; an event that does not fit is logged, not applied."""
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

    def _record(self, event: object) -> None:
        """Journal an event that changes no order and is not streamed (denials, prices)."""
        self.denied_count += isinstance(event, ev.OrderDenied)
        if self.journal is not None:
            self.journal.append(event)

    def publish_event(self, account: str, symbol: str, payload: object) -> None:
        """Stream and journal a non-order event (a trading-state change, an alert)."""
        published = self.bus.publish(account, symbol, payload)
        if self.journal is not None:
            self.journal.append(payload, published.sequence)

    def index(self, previous: Order | None, order: Order, event: ev.OrderEvent) -> None:
        """Keep the lookups in step with an order change (shared with journal replay)."""
        self._orders[order.order_id] = order
        key = (order.account, order.symbol)
        if previous is None:
            self._sequence.append(order.order_id)
            self._by_client[(order.account, order.client_order_id)] = order.order_id
            self._submitted[order.order_id] = order
            self._open.setdefault(key, {})[order.order_id] = None
        elif not order.is_open:
            self._open.get(key, {}).pop(order.order_id, None)
            self.memo.forget(order.order_id)
        elif type(event) in _MEMO_EVENTS:
            self.memo.note(previous, order, event)

    def _apply(self, event: ev.OrderEvent) -> Order:
        """The one place an order changes: apply, index, book, stream, journal."""
        previous = self._orders.get(event.order_id)
        order, exec_type = apply(previous, event)
        self.index(previous, order, event)
        if isinstance(event, ev.OrderFilled):
            self.book.on_fill(
                order.account,
                order.symbol,
                order.side,
                event.quantity,
                event.price,
                event.fee,
                event.ts_ns,
            )
        report = ExecutionReport(
            exec_id=self.ids.exec_id(),
            exec_type=exec_type,
            order=order,
            event=event,
            monotonic_ns=self.clock.monotonic_ns(),
        )
        published = self.bus.publish(order.account, order.symbol, report)
        if self.journal is not None:
            self.journal.append(event, published.sequence, report.exec_id)
        if self.risk is not None:
            self.risk.on_order(previous, order, event)
        return order

    # -- reference prices ---------------------------------------------------

    @property
    def order_table(self) -> dict[str, Order]:
        """The live order table, for journal replay (the engine's single writer)."""
        return self._orders

    def restore_price(self, symbol: str, price: Decimal, ts_ns: int) -> None:
        """Set a replayed reference price: marks follow; venues get it at start()."""
        state = self._symbols.get(symbol)
        if state is not None:
            self._symbols[symbol] = SymbolState(state.config, price, ts_ns)
            self.book.on_mark(symbol, price, ts_ns)

    def symbol(self, name: str) -> SymbolState:
        state = self._symbols.get(name)
        if state is None:
            raise NotFound("SYMBOL_NOT_FOUND", f"unknown symbol {name!r}", {"symbol": name})
        return state

    def symbols(self) -> list[SymbolState]:
        return [self._symbols[n] for n in sorted(self._symbols)]

    def set_reference_price(self, cmd: SetReferencePrice) -> SymbolState:
        """Move a reference price: re-mark positions, then let price-driven venues match."""
        v = Violations()
        sym = self.config.symbols.get(cmd.symbol)
        if sym is None:
            v.add("symbol", f"unknown symbol {cmd.symbol!r}")
        else:
            check_precision(v, "price", cmd.price, sym.price_precision, sym.name)
        v.raise_if_any()
        assert sym is not None
        now = self.clock.now_ns()
        # Journaled before the fills it causes, so a replay meets them in the same order.
        self._record(ev.ReferencePriceMoved(symbol=cmd.symbol, price=cmd.price, ts_ns=now))
        state = SymbolState(sym, cmd.price, now)
        self._symbols[cmd.symbol] = state
        self.book.on_mark(cmd.symbol, cmd.price, now)
        if self.risk is not None:
            self.risk.on_mark(cmd.symbol, cmd.price)
        for venue in self.adapters():
            hook = getattr(venue, "on_reference_price", None)
            if hook is not None:
                hook(cmd.symbol, cmd.price)
        return state
