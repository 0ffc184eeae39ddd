"""The trades of a fake OANDA account, and the orders that live on them.

OANDA opens one trade per opening fill (its id is the fill transaction's id),
closes trades first-in first-out on an opposite fill, and holds at most one
TAKE_PROFIT and one STOP_LOSS per trade. Those close the whole trade when they
trigger on the price; when a trade closes, OANDA cancels the orders still on
it with reason LINKED_TRADE_CLOSED. A TRAILING_STOP_LOSS (``distance`` in price
units) keeps its ``trailingStopValue`` that far behind the best price since it
was placed, never moving back, and triggers like a stop-loss at that value.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

Json = dict[str, Any]
TRAILING = "TRAILING_STOP_LOSS"
DEPENDENT = ("TAKE_PROFIT", "STOP_LOSS", TRAILING)
#: EUR_USD's and USD_JPY's minimumTrailingStopDistance (the instruments' answer).
MIN_TRAIL_DISTANCE = Decimal("0.00050")
_ON_TRADE_KEYS = (
    ("TAKE_PROFIT", "takeProfitOrder"),
    ("STOP_LOSS", "stopLossOrder"),
    (TRAILING, "trailingStopLossOrder"),
)


@dataclass
class Trade:
    id: str
    instrument: str
    price: Decimal
    initial: Decimal  # signed
    current: Decimal  # signed
    open_time: str
    #: Order type -> order id of the dependent orders on it.
    orders: dict[str, str] = field(default_factory=dict)

    @property
    def is_open(self) -> bool:
        return self.current != 0

    def to_json(self, orders: dict[str, Json]) -> Json:
        data: Json = {
            "id": self.id,
            "instrument": self.instrument,
            "price": str(self.price),
            "openTime": self.open_time,
            "initialUnits": str(self.initial),
            "currentUnits": str(self.current),
            "state": "OPEN" if self.is_open else "CLOSED",
            "realizedPL": "0.0000",
            "unrealizedPL": "0.0000",
            "financing": "0.0000",
            "marginUsed": "0.0000",
        }
        for kind, key in _ON_TRADE_KEYS:
            order = orders.get(self.orders.get(kind, ""))
            if order is not None and order.get("state") == "PENDING":
                data[key] = order
        return data


class TradeBook:
    def __init__(self) -> None:
        self.trades: dict[str, Trade] = {}

    def open_trades(self) -> list[Trade]:
        return [t for t in self.trades.values() if t.is_open]

    def fill_fields(
        self, txn_id: str, time: str, instrument: str, units: Decimal, price: Decimal, trade_id: str
    ) -> tuple[Json, list[Trade]]:
        """The fill's tradeOpened / tradeReduced / tradesClosed fields; the trades it closed.

        ``trade_id``: the fill of an order on that trade (closes it all).
        """
        fields: Json = {}
        closed: list[Trade] = []
        left = units
        if trade_id:
            candidates = [self.trades[trade_id]]
        else:
            candidates = [
                t
                for t in self.open_trades()
                if t.instrument == instrument and (t.current > 0) != (units > 0)
            ]
        for trade in candidates:
            if left == 0:
                break
            take = -trade.current if abs(trade.current) <= abs(left) else left
            trade.current += take
            left -= take
            change = {"tradeID": trade.id, "units": str(take), "price": str(price)}
            change["realizedPL"] = f"{(price - trade.price) * -take:.4f}"
            if trade.is_open:
                fields["tradeReduced"] = change
            else:
                fields.setdefault("tradesClosed", []).append(change)
                closed.append(trade)
        if left != 0 and not trade_id:
            self.trades[txn_id] = Trade(txn_id, instrument, price, left, left, time)
            fields["tradeOpened"] = {"tradeID": txn_id, "units": str(left), "price": str(price)}
        return fields, closed

    @staticmethod
    def triggered(kind: str, trade: Trade, order_price: Decimal, market: Decimal) -> bool:
        """A take-profit triggers when the market reaches its price in the trade's favour,
        a stop-loss when it reaches its price against it."""
        long = trade.current > 0
        if kind == "TAKE_PROFIT":
            return market >= order_price if long else market <= order_price
        return market <= order_price if long else market >= order_price

    @staticmethod
    def trail(trade: Trade, distance: Decimal, market: Decimal, value: Decimal | None) -> Decimal:
        """A trailing stop-loss's value once the market is at ``market``: ``distance`` behind
        it, but never back from ``value`` (its value so far; None when just placed)."""
        long = trade.current > 0
        behind = market - distance if long else market + distance
        if value is None:
            return behind
        return max(value, behind) if long else min(value, behind)
