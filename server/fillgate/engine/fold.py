"""The one fold: the only place an event changes state.

Live processing (``Engine``), journal replay (``engine/recovery.py``) and
history reads (``engine/history.py``: deep stream resumes, audit) all apply
events through :func:`fold`, so they cannot disagree about what an event
does. What it changes, :class:`State`:

- orders and their lookups (:class:`OrderStore`), through the order state
  machine (``domain/lifecycle.apply``, which raises before anything changes);
- the position book (fills, marks);
- the trading state (``TradingStateChanged``: halts, breaker trips, resumes);
- reference prices (``ReferencePriceMoved``, which also re-quote the paper venue);
- quotes (``QuoteUpdated``: the quote book, never journaled) and marks
  (``MarkMoved``: the book's marks; a replayed one also seeds the quote book,
  as a ``journal`` quote that ages like a live one until a fresh quote comes);
- venue account reads (``VenueAccountRead``, never journaled) and the one-time
  equity baseline of a remote account (``EquityBaselined``: its cash);
- the order lists CancelOrderList ended (``OrderListEnded``);
- the count of denied orders.

Side effects that are not state stay with the caller: streaming, journaling,
risk counters and breakers, telling venues about prices.

:func:`fold` returns what the event streams as (an ``ExecutionReport`` for an
order event, the event itself for alerts and trading-state changes, None for
unstreamed events), with the account and symbol stream filters match on.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from fillgate.book.positions import Position, PositionBook
from fillgate.domain import events as ev
from fillgate.domain.commands import OrderRef
from fillgate.domain.enums import PositionLifecycle, TradingMode
from fillgate.domain.errors import InvalidArgument, NotFound
from fillgate.domain.lifecycle import apply
from fillgate.domain.orders import Order
from fillgate.domain.reports import ExecutionReport, PositionChange
from fillgate.domain.symbols import SymbolConfig
from fillgate.engine.venue_memo import VenueMemo
from fillgate.marketdata.accounts import VenueAccounts
from fillgate.marketdata.quotes import QuoteBook
from fillgate.marketdata.settings import MarketDataConfig
from fillgate.risk.trading_state import Restriction, TradingState

# Events the venue memo keeps for orders that stay open (see engine/venue_memo.py).
_MEMO_EVENTS = frozenset({ev.OrderFilled, ev.OrderReplaced})
_ORDER_EVENT = ev.OrderEvent
_FILLED = ev.OrderFilled


@dataclass(frozen=True, slots=True)
class SymbolState:
    """A symbol's settings and its current reference price."""

    config: SymbolConfig
    reference_price: Decimal
    updated_ns: int


class OrderStore:
    """Every order with the lookups the engine needs; changed only by :func:`fold`."""

    __slots__ = ("by_client", "memo", "open", "orders", "sequence", "submitted")

    def __init__(self) -> None:
        self.orders: dict[str, Order] = {}
        #: Order ids in creation order, for paging.
        self.sequence: list[str] = []
        self.by_client: dict[tuple[str, str], str] = {}
        #: Each order as accepted: its original terms (idempotency compares them).
        self.submitted: dict[str, Order] = {}
        #: (account, symbol) -> ids of open orders (a dict keeps insertion order).
        self.open: dict[tuple[str, str], dict[str, None]] = {}
        self.memo = VenueMemo()

    def index(self, previous: Order | None, order: Order, event: ev.OrderEvent) -> None:
        self.orders[order.order_id] = order
        key = (order.account, order.symbol)
        if previous is None:
            self.sequence.append(order.order_id)
            self.by_client[(order.account, order.client_order_id)] = order.order_id
            self.submitted[order.order_id] = order
            self.open.setdefault(key, {})[order.order_id] = None
        elif not order.is_open:
            self.open.get(key, {}).pop(order.order_id, None)
            self.memo.forget(order.order_id)
        elif type(event) in _MEMO_EVENTS:
            self.memo.note(previous, order, event)

    def open_orders(self) -> list[Order]:
        return [self.orders[i] for ids in self.open.values() for i in ids]

    def find(self, ref: OrderRef) -> Order:
        """Find an order by id, or by account and client order id."""
        if ref.order_id:
            order = self.orders.get(ref.order_id)
            if order is None:
                raise NotFound(
                    "ORDER_NOT_FOUND", f"no order {ref.order_id}", {"order_id": ref.order_id}
                )
            return order
        if not ref.account or not ref.client_order_id:
            raise InvalidArgument(
                [("order", "give order_id, or account and client_order_id")], "ORDER_REF_MISSING"
            )
        order_id = self.by_client.get((ref.account, ref.client_order_id))
        if order_id is None:
            raise NotFound(
                "ORDER_NOT_FOUND",
                f"no order with client_order_id {ref.client_order_id!r} in {ref.account}",
                {"account": ref.account, "client_order_id": ref.client_order_id},
            )
        return self.orders[order_id]


class State:
    """Everything an event can change; owned by the engine's single writer."""

    __slots__ = (
        *("book", "denied", "marketdata", "orders", "prices", "quotes"),
        *("starting_cash", "symbols", "trading", "venue_accounts", "ended_lists"),
        "held_stops",
    )

    def __init__(
        self,
        *,
        symbols: Mapping[str, SymbolConfig],
        starting_cash: Mapping[str, Decimal],
        marketdata: MarketDataConfig | None = None,
    ) -> None:
        self.symbols = symbols
        self.starting_cash = starting_cash
        self.marketdata = marketdata or MarketDataConfig()
        self.venue_accounts = VenueAccounts()
        self.quotes = QuoteBook(
            {name: s.reference_price for name, s in symbols.items()},
            mark_source=self.marketdata.mark,
            spread_bps=self.marketdata.paper_spread_bps,
        )
        self.orders = OrderStore()
        self.book = PositionBook(
            starting_cash, {name: s.reference_price for name, s in symbols.items()}
        )
        self.trading = TradingState()
        self.prices = {name: SymbolState(s, s.reference_price, 0) for name, s in symbols.items()}
        self.denied = 0
        #: Ids of the order lists CancelOrderList ended (``OrderListEnded``; snapshots keep them).
        self.ended_lists: set[str] = set()
        #: Order list id -> the price of the trailing stop fillgate holds for it, where it
        #: has moved (``HeldStopMoved``; snapshots keep them).
        self.held_stops: dict[str, Decimal] = {}

    def blank(self) -> State:
        """A new state as it was before the first event (for history reads)."""
        return State(
            symbols=self.symbols, starting_cash=self.starting_cash, marketdata=self.marketdata
        )


@dataclass(frozen=True, slots=True)
class Applied:
    """What applying one event produced."""

    #: What the stream carries; None when the event is not streamed.
    payload: Any
    account: str = ""
    symbol: str = ""
    #: For order events: the order before and after.
    previous: Order | None = None
    order: Order | None = None


_UNSTREAMED = Applied(None)


# -- events that change state but are not streamed (prices, quotes, venue money) --------


def _reference_moved(state: State, event: ev.ReferencePriceMoved) -> None:
    current = state.prices.get(event.symbol)
    if current is not None:
        state.prices[event.symbol] = SymbolState(current.config, event.price, event.ts_ns)
        state.book.on_mark(event.symbol, event.price, event.ts_ns)
        state.quotes.on_reference(event.symbol, event.price, event.ts_ns)


def _quote_updated(state: State, event: ev.QuoteUpdated) -> None:
    if event.symbol in state.prices:
        state.quotes.on_quote(
            event.symbol,
            bid=event.bid,
            ask=event.ask,
            last=event.last,
            ts_ns=event.ts_ns,
            source=event.source,
        )


def _mark_moved(state: State, event: ev.MarkMoved) -> None:
    if event.symbol in state.prices:
        state.book.on_mark(event.symbol, event.mark, event.ts_ns)
        state.quotes.on_mark(event.symbol, event.mark, event.ts_ns)


def _venue_account_read(state: State, event: ev.VenueAccountRead) -> None:
    state.venue_accounts.reads[event.account] = event


def _equity_baselined(state: State, event: ev.EquityBaselined) -> None:
    state.book.adjust_cash(event.account, event.delta, event.ts_ns)
    state.venue_accounts.based.add(event.account)


def _list_ended(state: State, event: ev.OrderListEnded) -> None:
    state.ended_lists.add(event.list_id)


def _held_stop_moved(state: State, event: ev.HeldStopMoved) -> None:
    state.held_stops[event.list_id] = event.stop_price


def _stop_trailed(state: State, event: ev.OrderStopTrailed) -> None:
    """A venue-trailed stop's new price: the order keeps its state and version."""
    store = state.orders
    order = store.orders.get(event.order_id)
    if order is not None and order.is_open and order.stop_price != event.stop_price:
        store.orders[event.order_id] = order.evolve({"stop_price": event.stop_price})


_QUIET: dict[type, Callable[[State, Any], None]] = {
    ev.ReferencePriceMoved: _reference_moved,
    ev.QuoteUpdated: _quote_updated,
    ev.MarkMoved: _mark_moved,
    ev.VenueAccountRead: _venue_account_read,
    ev.EquityBaselined: _equity_baselined,
    ev.OrderListEnded: _list_ended,
    ev.HeldStopMoved: _held_stop_moved,
    ev.OrderStopTrailed: _stop_trailed,
}


def position_change(was: Decimal, now: Position) -> PositionChange:
    """What a fill that took a position from ``was`` to ``now`` did to it."""
    qty = now.quantity
    if not qty:
        lifecycle = PositionLifecycle.CLOSED
    elif not was:
        lifecycle = PositionLifecycle.OPENED
    elif (was > 0) != (qty > 0):
        lifecycle = PositionLifecycle.REVERSED
    elif abs(qty) > abs(was):
        lifecycle = PositionLifecycle.INCREASED
    else:
        lifecycle = PositionLifecycle.REDUCED
    return PositionChange(
        lifecycle=lifecycle,
        quantity=qty,
        average_price=now.average_price,
        realized_pnl=now.realized_pnl,
    )


def fold(state: State, event: Any, exec_id: str = "", monotonic_ns: int = 0) -> Applied:
    """Apply ``event`` to ``state``; raise (changing nothing) when it does not apply.

    ``exec_id`` and ``monotonic_ns`` go into the execution report of an order
    event: fresh ones live, the journaled ones in replay and history.
    """
    if isinstance(event, _ORDER_EVENT) and type(event) is not ev.OrderStopTrailed:
        store = state.orders
        previous = store.orders.get(event.order_id)
        order, exec_type = apply(previous, event)
        store.index(previous, order, event)
        position = None
        if type(event) is _FILLED:
            was, now = state.book.fill(
                order.account,
                order.symbol,
                order.side,
                event.quantity,
                event.price,
                event.fee,
                event.ts_ns,
            )
            position = position_change(was, now)
        report = ExecutionReport(
            exec_id=exec_id,
            exec_type=exec_type,
            order=order,
            event=event,
            monotonic_ns=monotonic_ns,
            position=position,
        )
        return Applied(report, order.account, order.symbol, previous, order)
    quiet = _QUIET.get(type(event))
    if quiet is not None:
        quiet(state, event)
        return _UNSTREAMED
    if isinstance(event, ev.TradingStateChanged):
        if event.mode is TradingMode.ACTIVE:
            state.trading.clear(event.scope, event.target)
        else:
            state.trading.set(
                Restriction(
                    scope=event.scope,
                    target=event.target,
                    mode=event.mode,
                    reason=event.reason,
                    requested_by=event.requested_by,
                    set_ns=event.ts_ns,
                )
            )
        return Applied(event, event.account, event.symbol)
    if isinstance(event, ev.SessionChanged):
        return Applied(event, "", event.symbol)  # an announcement: streamed, no state
    if isinstance(event, ev.BreakerTripped | ev.VenueDrift | ev.AlertRaised):
        return Applied(event, event.account, event.symbol)  # an alert: streamed, no state
    if isinstance(event, ev.OrderDenied):
        state.denied += 1
        # Streamed (so sequenced and resumable), but only to consumers that ask for
        # denials: see api/commands.py _stream_filter.
        return Applied(event, event.command.account, event.command.symbol)
    raise TypeError(f"fold: {type(event).__name__} is not an event")
