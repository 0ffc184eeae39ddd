"""What the driver remembers about OANDA orders and transaction ids.

OANDA's transactions are terse: an ORDER_CANCEL names only the order, and
neither order details nor fills say how much of an order has filled. The
tracker keeps the facts of recently seen orders (from create transactions,
place answers and order queries) so a cancel or a completing fill can be
reported as a full order snapshot, and it keeps *anchors* for backfill.

Anchors: ``(transaction id N, local time t)`` means N already existed at t,
so every transaction created at or after t has an id above N. Backfill
since a time therefore starts after the newest anchor no later than that
time. "The highest id seen" alone would be wrong: a response's
``lastTransactionID`` can be above transactions the driver never received.
"""

from __future__ import annotations

import bisect
from collections import OrderedDict, deque
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from fillgate.domain.enums import Side
from fillgate.domain.values import RATIO
from fillgate.venues.oanda import translate
from fillgate.venues.oanda.errors import OandaResponseError
from fillgate.venues.oanda.translate import Json, SymbolMap, dec, reads_venue
from fillgate.venues.types import VenueFill, VenueOrder, VenueReport, VenueStatus

_MAX_ORDERS = 10_000
_MAX_ANCHORS = 10_000
_ORDER_TXNS = frozenset({"MARKET_ORDER", "LIMIT_ORDER", "STOP_ORDER", "MARKET_IF_TOUCHED_ORDER"})
_ORDER_TYPES = frozenset({"MARKET", "LIMIT", "STOP", "MARKET_IF_TOUCHED"})
_REPLACED_REASONS = frozenset({"CLIENT_REQUEST_REPLACED", "DIVIDEND_ADJUSTMENT_REPLACED"})
#: Orders on a trade (no instrument, no units: they close the whole trade), by transaction
#: and by order type: a take-profit is a limit, a stop-loss (trailing or not) a stop.
_DEPENDENT_TXNS = frozenset({"TAKE_PROFIT_ORDER", "STOP_LOSS_ORDER", "TRAILING_STOP_LOSS_ORDER"})
_DEPENDENT_TYPES = frozenset({"TAKE_PROFIT", "STOP_LOSS", "TRAILING_STOP_LOSS"})


@dataclass(slots=True)
class _Order:
    venue_order_id: str
    client_id: str
    symbol: str
    side: Side
    quantity: Decimal
    limit_price: Decimal | None
    stop_price: Decimal | None
    #: The batch that created the order: a cancel in it means the venue refused the order.
    batch: str = ""
    replaces: str = ""
    status: VenueStatus = VenueStatus.NEW
    reason: str = ""
    #: Venue time of the last transaction that changed the order.
    ts_ns: int = 0
    #: Fills seen, by trade id (a fill may be seen in an answer and on the stream).
    fills: dict[str, tuple[Decimal, Decimal]] = field(default_factory=dict)

    def filled(self) -> Decimal:
        return sum((qty for qty, _ in self.fills.values()), Decimal(0))


class OrderTracker:
    """Turn OANDA transactions and orders into venue reports, remembering orders it saw."""

    def __init__(self, symbols: SymbolMap) -> None:
        self._symbols = symbols
        self._orders: OrderedDict[str, _Order] = OrderedDict()
        self._by_client: dict[str, str] = {}
        self._anchor_times: deque[int] = deque(maxlen=_MAX_ANCHORS)
        self._anchor_ids: deque[int] = deque(maxlen=_MAX_ANCHORS)
        #: Open trades seen in fills: trade id -> (our symbol, signed current units).
        self._trades: OrderedDict[str, tuple[str, Decimal]] = OrderedDict()
        #: The trade each order's fill opened, by the order's client id.
        self._opened_by: OrderedDict[str, str] = OrderedDict()
        #: Every trade an order's fills opened (an entry filled in parts opens several).
        self._all_opened_by: OrderedDict[str, list[str]] = OrderedDict()

    # -- anchors ---------------------------------------------------------------

    def anchor(self, last_id: Any, now_ns: int) -> None:
        """Record that transaction ``last_id`` existed at local time ``now_ns``."""
        try:
            txn_id = int(last_id)
        except (TypeError, ValueError):
            return
        if self._anchor_ids and txn_id <= self._anchor_ids[-1]:
            return
        if self._anchor_times and now_ns < self._anchor_times[-1]:
            now_ns = self._anchor_times[-1]  # the wall clock stepped back: keep times sorted
        self._anchor_ids.append(txn_id)
        self._anchor_times.append(now_ns)

    def newest_id(self) -> int:
        """The highest transaction id known to exist (0 before any)."""
        return self._anchor_ids[-1] if self._anchor_ids else 0

    def anchor_before(self, since_ns: int) -> int | None:
        """The newest transaction id known to predate ``since_ns``, or None."""
        index = bisect.bisect_right(self._anchor_times, since_ns)
        return self._anchor_ids[index - 1] if index else None

    # -- orders ----------------------------------------------------------------

    def find(self, venue_order_id: str = "", client_id: str = "") -> _Order | None:
        key = venue_order_id or self._by_client.get(client_id, "")
        return self._orders.get(key)

    def _remember(self, order: _Order) -> _Order:
        known = self._orders.get(order.venue_order_id)
        if known is not None:
            return known
        self._orders[order.venue_order_id] = order
        if order.client_id:
            self._by_client[order.client_id] = order.venue_order_id
        while len(self._orders) > _MAX_ORDERS:
            _, old = self._orders.popitem(last=False)
            if self._by_client.get(old.client_id) == old.venue_order_id:
                del self._by_client[old.client_id]
        return order

    def _new_order(self, data: Json, venue_order_id: str, order_type: str) -> _Order:
        units = dec(data["units"])
        price = dec(data["price"]) if data.get("price") else None
        return _Order(
            venue_order_id=venue_order_id,
            client_id=str((data.get("clientExtensions") or {}).get("id") or ""),
            symbol=self._symbols.ours(data["instrument"]),
            side=Side.BUY if units > 0 else Side.SELL,
            quantity=abs(units),
            limit_price=price if order_type.startswith("LIMIT") else None,
            stop_price=price if not order_type.startswith("LIMIT") else None,
            batch=str(data.get("batchID") or ""),
            replaces=str(data.get("replacesOrderID") or ""),
            ts_ns=translate.time_ns(data.get("time") or data.get("createTime")),
        )

    @reads_venue
    def order_from_details(self, data: Json) -> VenueReport | None:
        """Read an order as ``/orders/{spec}`` or ``/pendingOrders`` give it; None if not ours.

        Orders without instrument and units (take-profit, stop-loss, trailing
        stop attached to trades) are not orders fillgate places.
        """
        if data.get("type") in _DEPENDENT_TYPES:
            dependent = self._dependent(data, str(data["id"]), str(data["type"]))
            if dependent is None:
                return None
            order = self._remember(dependent)
            if data.get("trailingStopValue"):  # where OANDA has moved a trailing stop to
                order.stop_price = dec(data["trailingStopValue"])
        elif data.get("type") not in _ORDER_TYPES or "units" not in data:
            return None
        else:
            order = self._remember(self._new_order(data, str(data["id"]), str(data["type"])))
        state = data.get("state")
        ended = data.get("filledTime") or data.get("cancelledTime")
        order.ts_ns = max(order.ts_ns, translate.time_ns(ended))
        if state == "FILLED":
            order.status = VenueStatus.FILLED
        elif state == "CANCELLED":
            replaced = bool(data.get("replacedByOrderID"))
            order.status = VenueStatus.REPLACED if replaced else VenueStatus.CANCELED
        else:  # PENDING, TRIGGERED: working. Details never show partial fills.
            order.status = VenueStatus.NEW
        return VenueReport(order=self.snapshot(order, fills_known=False))

    def snapshot(self, order: _Order, *, fills_known: bool) -> VenueOrder:
        """The order as a VenueOrder.

        ``fills_known``: the caller saw every fill of the order (a place
        answer). Otherwise the filled quantity is stated only when FILLED.
        """
        filled: Decimal | None = None
        average: Decimal | None = None
        if order.status is VenueStatus.FILLED:
            filled = order.quantity
        elif fills_known:
            filled = order.filled()
        seen = order.filled()
        if filled and seen == filled:
            notional = sum((qty * price for qty, price in order.fills.values()), Decimal(0))
            average = RATIO.divide(notional, seen)
        return VenueOrder(
            client_id=order.client_id,
            venue_order_id=order.venue_order_id,
            symbol=order.symbol,
            side=order.side,
            status=order.status,
            quantity=order.quantity,
            filled_quantity=filled,
            average_price=average,
            limit_price=order.limit_price,
            stop_price=order.stop_price,
            reason=order.reason,
            replaces=order.replaces,
            ts_ns=order.ts_ns,
        )

    # -- transactions ------------------------------------------------------------

    @reads_venue
    def apply(self, txn: Json) -> tuple[_Order | None, VenueFill | None]:
        """Fold one transaction into the known orders; return the order it changed and its fill."""
        kind = str(txn.get("type", ""))
        if kind in _ORDER_TXNS:
            self._remember(self._new_order(txn, str(txn["id"]), kind))
            return None, None
        if kind in _DEPENDENT_TXNS:
            dependent = self._dependent(txn, str(txn["id"]), kind)
            if dependent is not None:
                self._remember(dependent)
            return None, None
        if kind == "ORDER_FILL":
            self._trade_changes(txn)
            fill = translate.fill(txn, self._symbols)
            order = self.find(fill.venue_order_id)
            if order is not None:
                order.fills[fill.trade_id] = (fill.quantity, fill.price)
                order.ts_ns = max(order.ts_ns, fill.ts_ns)
                if order.filled() >= order.quantity:
                    order.status = VenueStatus.FILLED
                elif not order.status.is_terminal:
                    order.status = VenueStatus.PARTIALLY_FILLED
            return order, fill
        if kind == "ORDER_CANCEL":
            order = self.find(str(txn.get("orderID") or ""))
            if order is not None:
                order.status = self._cancel_status(order, txn)
                order.reason = str(txn.get("reason") or "")
                order.ts_ns = max(order.ts_ns, translate.time_ns(txn.get("time")))
            return order, None
        if kind.endswith("_ORDER_REJECT") and "units" in txn:
            rejected = self._new_order(txn, "", kind)
            rejected.status = VenueStatus.REJECTED
            rejected.reason = str(txn.get("rejectReason") or "")
            return rejected, None
        return None, None

    # -- trades and the orders on them --------------------------------------------

    def trade(self, trade_id: str) -> tuple[str, Decimal] | None:
        """A trade seen: (our symbol, signed current units; a closed one's last units)."""
        return self._trades.get(trade_id)

    def trade_opened_by(self, client_id: str) -> str:
        """The id of the trade the fill of order ``client_id`` opened ("" if none seen)."""
        return self._opened_by.get(client_id, "")

    def trades_opened_by(self, client_id: str) -> tuple[str, ...]:
        """Every trade the fills of order ``client_id`` opened that this run saw."""
        return tuple(self._all_opened_by.get(client_id, ()))

    def learn_trade(self, trade_id: str, symbol: str, units: Decimal) -> None:
        """Record a trade read from ``/trades`` (one the driver's fills did not show)."""
        self._set_trade(trade_id, symbol, units)

    def _set_trade(self, trade_id: str, symbol: str, units: Decimal) -> None:
        if units == 0:  # closed: keep its last size, which the orders on it closed
            return
        self._trades[trade_id] = (symbol, units)
        self._trades.move_to_end(trade_id)
        while len(self._trades) > _MAX_ORDERS:
            self._trades.popitem(last=False)

    def _trade_changes(self, txn: Json) -> None:
        """Fold a fill's tradeOpened / tradeReduced / tradesClosed into the open trades."""
        symbol = self._symbols.ours(txn["instrument"])
        opened = txn.get("tradeOpened")
        if isinstance(opened, dict):
            trade_id = str(opened["tradeID"])
            self._set_trade(trade_id, symbol, dec(opened["units"]))
            if txn.get("clientOrderID"):
                client_id = str(txn["clientOrderID"])
                self._opened_by[client_id] = trade_id
                seen = self._all_opened_by.setdefault(client_id, [])
                if trade_id not in seen:
                    seen.append(trade_id)
                while len(self._opened_by) > _MAX_ORDERS:
                    self._opened_by.popitem(last=False)
                while len(self._all_opened_by) > _MAX_ORDERS:
                    self._all_opened_by.popitem(last=False)
        reduced = txn.get("tradeReduced")
        closed = list(txn.get("tradesClosed") or []) + ([reduced] if reduced else [])
        for change in closed:
            known = self._trades.get(str(change["tradeID"]))
            if known is not None:  # the change's units have the opposite sign of the trade's
                self._set_trade(str(change["tradeID"]), symbol, known[1] + dec(change["units"]))

    def _dependent(self, data: Json, venue_order_id: str, kind: str) -> _Order | None:
        """A take-profit or stop-loss on a known trade as an order closing all of it."""
        trade = self._trades.get(str(data.get("tradeID") or ""))
        if trade is None:
            return None
        symbol, units = trade
        # A trailing stop-loss has a distance, and a price (trailingStopValue) only in details.
        text = data.get("price") or data.get("trailingStopValue")
        price = dec(text) if text else None
        take_profit = kind.startswith("TAKE_PROFIT")
        return _Order(
            venue_order_id=venue_order_id,
            client_id=str((data.get("clientExtensions") or {}).get("id") or ""),
            symbol=symbol,
            side=Side.SELL if units > 0 else Side.BUY,
            quantity=abs(units),
            limit_price=price if take_profit else None,
            stop_price=None if take_profit else price,
            batch=str(data.get("batchID") or ""),
            ts_ns=translate.time_ns(data.get("time") or data.get("createTime")),
        )

    @staticmethod
    def _cancel_status(order: _Order, txn: Json) -> VenueStatus:
        reason = txn.get("reason")
        if reason in _REPLACED_REASONS:
            return VenueStatus.REPLACED
        if reason == "TIME_IN_FORCE_EXPIRED":
            return VenueStatus.EXPIRED
        refused_at_once = reason != "CLIENT_REQUEST" and (
            str(txn.get("batchID") or "") in (order.batch, order.venue_order_id)
        )
        return VenueStatus.REJECTED if refused_at_once and not order.fills else VenueStatus.CANCELED

    def report(self, txn: Json) -> VenueReport | None:
        """The report a streamed transaction makes, or None when it changes no order we know."""
        order, fill = self.apply(txn)
        fills = (fill,) if fill is not None else ()
        if order is None:
            return VenueReport(fills=fills) if fills else None
        if fill is not None and order.status is not VenueStatus.FILLED:
            return VenueReport(fills=fills)  # a partial fill: its snapshot would add nothing
        return VenueReport(order=self.snapshot(order, fills_known=False), fills=fills)

    @reads_venue
    def answer_report(
        self, answer: Json, created_key: str = "orderCreateTransaction"
    ) -> VenueReport:
        """The report of a place or replace answer: every transaction in it, then the new order.

        An answer holds all of the new order's fills so far (they happen in
        the request's batch), so its snapshot states the filled quantity.
        """
        txns = [v for v in answer.values() if isinstance(v, dict) and "type" in v]
        txns.sort(key=lambda t: int(t.get("id") or 0))
        fills: list[VenueFill] = []
        for txn in txns:
            _, fill = self.apply(txn)
            if fill is not None:
                fills.append(fill)
        created = answer.get(created_key)
        if not isinstance(created, dict) or "id" not in created:
            raise OandaResponseError(f"OANDA answer without {created_key}")
        order = self.find(str(created["id"]))
        if order is None:
            raise OandaResponseError("OANDA answer with an unreadable order")
        return VenueReport(order=self.snapshot(order, fills_known=True), fills=tuple(fills))
