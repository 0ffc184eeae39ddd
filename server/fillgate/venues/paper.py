"""The embedded paper venue: deterministic matching against reference prices.

It plays the part of an exchange for the default install, tests, demos and
benchmarks, and it speaks the same adapter protocol as real venues.

Rules (the reference price is P, per symbol; with ``[marketdata]
paper_spread_bps`` the venue quotes bid = P - h and ask = P + h around it, h
being half the spread, and a buy trades at the ask, a sell at the bid: the
prices GetQuotes shows. Without a spread, bid = ask = P):
- market orders fill at the ask (buy) or the bid (sell);
- a limit order that is marketable on arrival (buy at or above the ask, sell
  at or below the bid) fills at the ask or bid; otherwise it rests and fills
  *at its limit* once the ask (buy) or bid (sell) reaches it; a marketable
  limit that rests only for want of liquidity fills its remainder at the then
  ask or bid;
- a stop triggers when P reaches the stop (buy: P >= stop, sell: P <= stop);
  a stop then fills at the ask or bid, a stop-limit becomes a limit order;
- liquidity: a symbol's ``paper_liquidity`` caps what fills per price level;
  the rest of a market or limit order keeps working and fills on later price
  moves. Unlimited by default; tests use it for partial fills;
- IOC fills what it can at once and expires the rest; FOK fills completely at
  once or expires with no fill; a DAY order expires at the close of its
  symbol's trading session (``session_close``: the calendar's real close, half
  days included; in the post-market session, that session's end), or, for a
  symbol that never closes, at ``day_end_utc_s`` of the UTC day;
- fees are ``fee_rate`` x notional;
- reduce-only holds at fill time too: such an order fills at most the
  venue's position on the other side, and its remainder is canceled with a
  reason that says so (a resting protective order never flips a position).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from fillgate.domain import events as ev
from fillgate.domain.enums import OrderState, OrderType, Side, TimeInForce
from fillgate.domain.orders import Order
from fillgate.domain.symbols import SymbolConfig
from fillgate.domain.values import EXACT, ZERO, Clock, IdGenerator, fmt, half_spread
from fillgate.venues.base import OrderView, ReportSink
from fillgate.venues.types import VenueOrder, VenuePosition

log = logging.getLogger("fillgate.venues.paper")


def _side(w: _Working, quote: tuple[Decimal, Decimal]) -> Decimal:
    """The price ``w``'s side trades at: a buy at the ask, a sell at the bid."""
    return quote[1] if w.order.side is Side.BUY else quote[0]


_DAY_NS = 86_400 * 1_000_000_000


@dataclass(frozen=True, slots=True, kw_only=True)
class PaperConfig:
    """The embedded paper venue (the ``[paper]`` table)."""

    #: Fee charged per fill as a fraction of its notional.
    fee_rate: Decimal = Decimal(0)
    #: Seconds after UTC midnight at which DAY orders expire, for symbols whose market
    #: never closes (24/7); other symbols' DAY orders expire at their session's close.
    day_end_utc_s: int = 0


#: (symbol, time ns) -> the end of the trading day an order placed then belongs to;
#: None for a market that never closes.
SessionClose = Callable[[str, int], int | None]


@dataclass(slots=True)
class _Working:
    """The venue's own mutable record of a working order (the venue's book, not ours)."""

    order: Order
    venue_order_id: str
    quantity: Decimal
    leaves: Decimal
    limit_price: Decimal | None
    stop_price: Decimal | None
    triggered: bool

    @property
    def is_stop(self) -> bool:
        return self.order.type in (OrderType.STOP, OrderType.STOP_LIMIT)


class PaperVenue:
    """A deterministic in-process venue."""

    name = "paper"
    supports_replace = True

    def __init__(
        self,
        *,
        symbols: Mapping[str, SymbolConfig],
        config: PaperConfig,
        clock: Clock,
        ids: IdGenerator,
        session_close: SessionClose | None = None,
        spread_bps: Decimal = ZERO,
    ) -> None:
        self._config = config
        self._spread_bps = spread_bps
        self._session_close = session_close
        self._clock = clock
        self._ids = ids
        self._prices = {name: s.reference_price for name, s in symbols.items()}
        #: What each symbol trades at now, (bid, ask): the feed's quote, or P -/+ half the spread.
        self._quotes = {name: self._spread_quote(s.reference_price) for name, s in symbols.items()}
        self._liquidity = {name: s.paper_liquidity for name, s in symbols.items()}
        self._available: dict[str, Decimal | None] = dict(self._liquidity)
        self._working: dict[str, _Working] = {}  # by order id, in arrival order
        self._known: dict[tuple[str, str], Order] = {}  # (account, client order id)
        #: Net quantity the venue has traded per (account, symbol): its own book.
        self._positions: dict[tuple[str, str], Decimal] = {}
        self._sink: ReportSink | None = None
        self._day_timer: asyncio.TimerHandle | None = None
        self._day_due: int | None = None  # when the timer fires (ns)

    # -- adapter protocol ---------------------------------------------------

    async def connect(self, sink: ReportSink, view: OrderView | None = None) -> None:
        self._sink = sink
        self._rearm()

    async def close(self) -> None:
        if self._day_timer is not None:
            self._day_timer.cancel()
            self._day_timer = None
            self._day_due = None

    async def submit(self, order: Order) -> None:
        w = _Working(
            order=order,
            venue_order_id=self._ids.venue_id("P"),
            quantity=order.quantity,
            leaves=order.quantity,
            limit_price=order.limit_price,
            stop_price=order.stop_price,
            triggered=False,
        )
        self._known[(order.account, order.client_order_id)] = order
        self._emit(ev.OrderAcknowledged, w, venue_order_id=w.venue_order_id)
        if w.is_stop and not self._stop_reached(w):
            self._working[order.order_id] = w
        else:
            self._activate(w, on_arrival=True)
        if order.time_in_force is TimeInForce.DAY and order.order_id in self._working:
            self._arm(self.day_due_ns(order))

    async def cancel(self, order: Order) -> None:
        w = self._working.pop(order.order_id, None)
        if w is None:
            self._emit_for(
                order, ev.OrderCancelRejected, reason="order is not working at the venue"
            )
            return
        self._emit(ev.OrderCanceled, w, reason="canceled on request")

    async def replace(
        self,
        order: Order,
        quantity: Decimal,
        limit_price: Decimal | None,
        stop_price: Decimal | None,
    ) -> None:
        w = self._working.get(order.order_id)
        if w is None:
            self._emit_for(
                order, ev.OrderReplaceRejected, reason="order is not working at the venue"
            )
            return
        filled = EXACT.subtract(w.quantity, w.leaves)
        if quantity <= filled:
            self._emit(
                ev.OrderReplaceRejected, w, reason="new quantity is not above the filled quantity"
            )
            return
        w.quantity, w.leaves = quantity, EXACT.subtract(quantity, filled)
        w.limit_price, w.stop_price = limit_price, stop_price
        self._emit(
            ev.OrderReplaced, w, quantity=quantity, limit_price=limit_price, stop_price=stop_price
        )
        # New terms may be marketable now: treat them like an arrival (time priority is lost).
        del self._working[order.order_id]
        if w.is_stop and not w.triggered and not self._stop_reached(w):
            self._working[order.order_id] = w
            return
        self._activate(w, on_arrival=True)

    async def positions(self, account: str) -> list[VenuePosition] | None:
        return [
            VenuePosition(symbol=symbol, quantity=qty)
            for (acc, symbol), qty in sorted(self._positions.items())
            if acc == account and qty
        ]

    async def sync(self, account: str) -> None:
        """Nothing to backfill: the paper venue reports every event synchronously."""

    def foreign_orders(self, account: str) -> list[VenueOrder]:
        return []

    def restore_positions(self, positions: Mapping[tuple[str, str], Decimal]) -> None:
        """Take the book's positions after a replay: the journal is this venue's memory."""
        self._positions = {key: qty for key, qty in positions.items() if qty}

    def adjust_position(self, account: str, symbol: str, quantity: Decimal) -> None:
        """Set the venue's position outside fillgate (tests: reconciliation drift)."""
        self._positions[(account, symbol)] = quantity

    async def reattach(self, orders: list[Order]) -> None:
        """Rebuild the working book from the orders fillgate knows are open (after a restart).

        The paper venue keeps no state of its own across restarts: the journal
        is its memory. An order still PENDING_NEW was never acknowledged to its
        client, so it is processed as new; a pending cancel completes; a pending
        replace is refused and the order keeps its old terms.
        """
        for order in orders:
            self._known[(order.account, order.client_order_id)] = order
            if order.state is OrderState.PENDING_NEW:
                await self.submit(order)
                continue
            w = _Working(
                order=order,
                venue_order_id=order.venue_order_id,
                quantity=order.quantity,
                leaves=order.leaves_quantity,
                limit_price=order.limit_price,
                stop_price=order.stop_price,
                triggered=order.triggered,
            )
            if order.state is OrderState.PENDING_CANCEL:
                self._emit(ev.OrderCanceled, w, reason="canceled on request")
                continue
            if order.state is OrderState.PENDING_REPLACE:
                self._emit(ev.OrderReplaceRejected, w, reason="venue restarted during replace")
            self._working[order.order_id] = w
        self._rearm()  # a DAY order whose close passed while we were down expires now

    # -- paper-only controls ------------------------------------------------

    def on_reference_price(
        self,
        symbol: str,
        price: Decimal,
        *,
        bid: Decimal | None = None,
        ask: Decimal | None = None,
    ) -> None:
        """Move ``symbol``'s price: refresh its liquidity and match its working orders.

        A feed's quote comes with its ``bid`` and ``ask``: orders then trade at
        those; otherwise at ``price`` -/+ half the configured spread.
        """
        previous = self._quotes[symbol]
        self._prices[symbol] = price
        quoted = bid is not None and ask is not None
        self._quotes[symbol] = (bid, ask) if quoted else self._spread_quote(price)  # type: ignore[assignment]
        self._available[symbol] = self._liquidity.get(symbol)
        for order_id, w in list(self._working.items()):
            if w.order.symbol != symbol or order_id not in self._working:
                continue
            if w.is_stop and not w.triggered:
                if not self._stop_reached(w):
                    continue
                del self._working[order_id]
                self._activate(w, on_arrival=True)
            else:
                del self._working[order_id]
                # A limit that was already marketable (resting only for want of
                # liquidity) takes the market price; one the price crossed, its limit.
                self._execute(w, on_arrival=self._marketable(w, _side(w, previous)))

    def execute(
        self, account: str, client_order_id: str, quantity: Decimal, price: Decimal
    ) -> None:
        """Trade ``quantity`` of a working order at ``price`` now, whatever the reference.

        A paper-only control (tests, demos): a counterparty hit the order.
        """
        order = self._known.get((account, client_order_id))
        w = None if order is None else self._working.get(order.order_id)
        if w is None:
            raise KeyError(f"no working paper order {client_order_id!r} in {account}")
        if quantity > w.leaves:
            raise ValueError(f"{quantity} exceeds the order's {w.leaves} leaves")
        del self._working[w.order.order_id]
        quantity = self._reducible(w, quantity)
        if quantity:
            self._fill(w, quantity, price)
        if w.leaves and not self._cancel_reduce_only_excess(w):
            self._working[w.order.order_id] = w

    def expire_day_orders(self, now_ns: int | None = None) -> int:
        """Expire working DAY orders whose day has ended by ``now_ns`` (None: every one).

        Return how many expired.
        """
        expired = [
            w
            for w in self._working.values()
            if w.order.time_in_force is TimeInForce.DAY
            and (now_ns is None or self.day_due_ns(w.order) <= now_ns)
        ]
        for w in expired:
            del self._working[w.order.order_id]
            self._emit(ev.OrderExpired, w, reason="end of trading day")
        return len(expired)

    def day_due_ns(self, order: Order) -> int:
        """When a DAY order expires: its session's close, else the configured UTC day end."""
        placed = order.created_ns
        close = None if self._session_close is None else self._session_close(order.symbol, placed)
        if close is not None:
            return close
        offset = self._config.day_end_utc_s * 1_000_000_000
        return ((placed - offset) // _DAY_NS + 1) * _DAY_NS + offset

    @property
    def working_count(self) -> int:
        return len(self._working)

    # -- matching -------------------------------------------------------------

    def _stop_reached(self, w: _Working) -> bool:
        price = self._prices[w.order.symbol]
        assert w.stop_price is not None
        return price >= w.stop_price if w.order.side is Side.BUY else price <= w.stop_price

    def _spread_quote(self, price: Decimal) -> tuple[Decimal, Decimal]:
        """(bid, ask) around ``price`` with the configured spread (both ``price`` without)."""
        if not self._spread_bps:
            return price, price
        half = half_spread(price, self._spread_bps)
        return EXACT.subtract(price, half), EXACT.add(price, half)

    @staticmethod
    def _marketable(w: _Working, price: Decimal) -> bool:
        """True when ``w`` may trade at ``price``: always for market, else within its limit."""
        if w.limit_price is None or w.order.type in (OrderType.MARKET, OrderType.STOP):
            return True
        return price <= w.limit_price if w.order.side is Side.BUY else price >= w.limit_price

    def _activate(self, w: _Working, *, on_arrival: bool) -> None:
        if w.is_stop and not w.triggered:
            w.triggered = True
            self._emit(ev.OrderTriggered, w)
        self._execute(w, on_arrival=on_arrival)

    def _execute(self, w: _Working, *, on_arrival: bool) -> None:
        """Fill what the price and liquidity allow; then rest, or expire an IOC/FOK remainder."""
        symbol = w.order.symbol
        price = _side(w, self._quotes[symbol])
        fill_price = price
        if w.order.type in (OrderType.LIMIT, OrderType.STOP_LIMIT):
            assert w.limit_price is not None
            if not self._marketable(w, price):
                fill_price = ZERO
            elif not on_arrival:
                fill_price = w.limit_price  # a resting limit fills at its own price
        available = self._available.get(symbol)
        quantity = ZERO
        if fill_price:
            quantity = w.leaves if available is None else min(w.leaves, available)
            quantity = self._reducible(w, quantity)
        tif = w.order.time_in_force
        if tif is TimeInForce.FOK and quantity < w.leaves:
            self._emit(ev.OrderExpired, w, reason="fill or kill: not enough liquidity at once")
            return
        if quantity:
            self._fill(w, quantity, fill_price)
        if not w.leaves or (fill_price and self._cancel_reduce_only_excess(w)):
            return
        if tif in (TimeInForce.IOC, TimeInForce.FOK):
            self._emit(ev.OrderExpired, w, reason="immediate or cancel: remainder expired")
            return
        self._working[w.order.order_id] = w

    def _position_against(self, w: _Working) -> Decimal:
        """How much of the venue's position ``w`` can close (0 when flat or same side)."""
        held = self._positions.get((w.order.account, w.order.symbol), ZERO)
        if w.order.side is Side.SELL:
            return held if held > 0 else ZERO
        return -held if held < 0 else ZERO

    def _reducible(self, w: _Working, quantity: Decimal) -> Decimal:
        """Cap a reduce-only order's fill at the position it closes."""
        if not w.order.reduce_only:
            return quantity
        return min(quantity, self._position_against(w))

    def _cancel_reduce_only_excess(self, w: _Working) -> bool:
        """Cancel a reduce-only order's leaves beyond the position; True when canceled."""
        if not w.order.reduce_only or self._position_against(w):
            return False
        held = self._positions.get((w.order.account, w.order.symbol), ZERO)
        self._emit(
            ev.OrderCanceled,
            w,
            reason=(
                f"reduce-only: position is {'flat' if not held else fmt(held)}; "
                f"remaining {fmt(w.leaves)} canceled so the position cannot flip"
            ),
        )
        return True

    def _fill(self, w: _Working, quantity: Decimal, price: Decimal) -> None:
        w.leaves = EXACT.subtract(w.leaves, quantity)
        available = self._available.get(w.order.symbol)
        if available is not None:
            self._available[w.order.symbol] = EXACT.subtract(available, quantity)
        fee = EXACT.multiply(EXACT.multiply(quantity, price), self._config.fee_rate)
        key = (w.order.account, w.order.symbol)
        signed = quantity if w.order.side is Side.BUY else -quantity
        self._positions[key] = EXACT.add(self._positions.get(key, ZERO), signed)
        self._emit(
            ev.OrderFilled,
            w,
            venue_exec_id=self._ids.venue_id("T"),
            quantity=quantity,
            price=price,
            fee=fee,
        )

    # -- plumbing -------------------------------------------------------------

    def _emit(self, kind: type[ev.OrderEvent], w: _Working, **fields: object) -> None:
        self._emit_for(w.order, kind, **fields)

    def _emit_for(self, order: Order, kind: type[ev.OrderEvent], **fields: object) -> None:
        assert self._sink is not None, "paper venue used before connect()"
        self._sink(kind(order_id=order.order_id, ts_ns=self._clock.now_ns(), **fields))

    def _arm(self, due_ns: int) -> None:
        """Make the expiry timer fire by ``due_ns`` (one timer: the earliest due DAY order)."""
        if self._sink is None or (self._day_due is not None and self._day_due <= due_ns):
            return
        if self._day_timer is not None:
            self._day_timer.cancel()
        delay = max(0.0, (due_ns - self._clock.now_ns()) / 1e9)
        self._day_due = due_ns
        self._day_timer = asyncio.get_running_loop().call_later(delay, self._on_day_end)

    def _rearm(self) -> None:
        dues = [
            self.day_due_ns(w.order)
            for w in self._working.values()
            if w.order.time_in_force is TimeInForce.DAY
        ]
        if dues:
            self._arm(min(dues))

    def _on_day_end(self) -> None:
        self._day_timer = self._day_due = None
        count = self.expire_day_orders(self._clock.now_ns())
        log.info("event=paper_day_end expired=%d", count)
        self._rearm()
