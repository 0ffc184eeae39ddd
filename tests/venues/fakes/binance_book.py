"""The state behind the fake Binance: orders, trades, balances and the matching rules.

Pure bookkeeping, no I/O: every change returns the user-data events it causes
(``executionReport`` / ``outboundAccountPosition`` dicts shaped like Binance's),
which :mod:`fakes.binance` pushes to subscribed WebSocket connections.

Simplifications worth knowing:

- one market price per symbol; market orders fill in one trade at it;
- a marketable limit fills at the market price, otherwise it rests (funds locked);
- ``STOP_LOSS`` / ``STOP_LOSS_LIMIT`` rest untriggered until :meth:`Book.set_price`
  crosses the stop (sell: price <= stop, buy: price >= stop);
- commission is charged in the quote asset (USDT) on both sides, so the base
  balance always equals the sum of signed fills (a clean "position").
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from fakes.binance_market import Market, now_ms

ZERO = Decimal(0)
FEE_RATE = Decimal("0.001")
_EIGHT = Decimal("0.00000001")


def trailing_delta(text: str | None, otype: str) -> int:
    """``trailingDelta`` in basis points (0 when absent); only on stop orders, 1..2000
    (this fake's ``TRAILING_DELTA`` filter, Binance's usual bounds)."""
    if text is None:
        return 0
    if not otype.startswith("STOP") or not text.isdigit():
        raise BinanceError(400, -1102, "Invalid trailingDelta.")
    delta = int(text)
    if not 10 <= delta <= 2000:
        raise BinanceError(400, -1013, "Filter failure: TRAILING_DELTA")
    return delta


def fmt8(value: Decimal) -> str:
    """Format like Binance: fixed 8 decimal places."""
    return f"{value.quantize(_EIGHT):f}"


class BinanceError(Exception):
    """A refusal the fake answers as ``{"code": code, "msg": msg}`` with ``status``."""

    def __init__(self, status: int, code: int, msg: str) -> None:
        super().__init__(msg)
        self.status = status
        self.code = code
        self.msg = msg


def insufficient() -> BinanceError:
    return BinanceError(400, -2010, "Account has insufficient balance for requested action.")


@dataclass(slots=True)
class Order:
    order_id: int
    client_id: str
    symbol: str
    side: str  # "BUY" | "SELL"
    type: str  # MARKET, LIMIT, STOP_LOSS, STOP_LOSS_LIMIT
    tif: str
    qty: Decimal
    price: Decimal  # limit price, 0 for market
    stop: Decimal  # stop price, 0 when none
    time: int
    executed: Decimal = ZERO
    quote: Decimal = ZERO  # cummulativeQuoteQty
    status: str = "NEW"
    update: int = 0
    triggered: bool = False
    locked: Decimal = ZERO  # funds still locked for the unfilled rest
    fills: list[dict[str, Any]] = field(default_factory=list)
    list_id: int = -1  # orderListId: -1 unless the order is a leg of an OCO list
    #: trailingDelta (basis points): a stop Binance trails from ``best``, the best trade
    #: price since it was placed (highest for a sell, lowest for a buy); 0 when none.
    trail: int = 0
    best: Decimal = ZERO

    def trail_level(self) -> Decimal:
        """Where a trailing stop triggers now: ``trail`` bips behind ``best``."""
        step = self.best * self.trail / 10_000
        return self.best - step if self.side == "SELL" else self.best + step

    @property
    def is_open(self) -> bool:
        return self.status in ("NEW", "PARTIALLY_FILLED")

    def rest_json(self) -> dict[str, Any]:
        """The order as GET /api/v3/order and openOrders show it."""
        return {
            "symbol": self.symbol,
            "orderId": self.order_id,
            "orderListId": self.list_id,
            "clientOrderId": self.client_id,
            "price": fmt8(self.price),
            "origQty": fmt8(self.qty),
            "executedQty": fmt8(self.executed),
            "cummulativeQuoteQty": fmt8(self.quote),
            "status": self.status,
            "timeInForce": self.tif,
            "type": self.type,
            "side": self.side,
            "stopPrice": fmt8(self.stop),
            **({"trailingDelta": self.trail} if self.trail else {}),
            "icebergQty": fmt8(ZERO),
            "time": self.time,
            "updateTime": self.update or self.time,
            "isWorking": self.type in ("MARKET", "LIMIT") or self.triggered,
            "workingTime": self.time,
            "origQuoteOrderQty": fmt8(ZERO),
            "selfTradePreventionMode": "EXPIRE_MAKER",
        }


class Book:
    """Every order, trade and balance of the one fake account."""

    def __init__(self, markets: list[Market], prices: dict[str, Decimal]) -> None:
        self.markets = {m.symbol: m for m in markets}
        self.prices = dict(prices)
        self.balances: dict[str, list[Decimal]] = {}  # asset -> [free, locked]
        self.orders: list[Order] = []
        self.trades: list[dict[str, Any]] = []
        self._order_ids = itertools.count(1000)
        self._trade_ids = itertools.count(5001)
        self._cancel_ids = itertools.count(1)
        #: The OCO order lists (:class:`fakes.binance_oco.OrderLists`), set by the fake.
        self.lists: Any = None

    # -- balances ------------------------------------------------------------

    def set_free(self, asset: str, free: Decimal) -> list[dict[str, Any]]:
        self.balances.setdefault(asset, [ZERO, ZERO])[0] = free
        return [self.account_event()]

    def _move(self, asset: str, free: Decimal = ZERO, locked: Decimal = ZERO) -> None:
        entry = self.balances.setdefault(asset, [ZERO, ZERO])
        entry[0] += free
        entry[1] += locked

    def _free(self, asset: str) -> Decimal:
        return self.balances.get(asset, [ZERO, ZERO])[0]

    def account_json(self) -> dict[str, Any]:
        return {
            "makerCommission": 10,
            "takerCommission": 10,
            "buyerCommission": 0,
            "sellerCommission": 0,
            "canTrade": True,
            "canWithdraw": True,
            "canDeposit": True,
            "updateTime": now_ms(),
            "accountType": "SPOT",
            "balances": [
                {"asset": a, "free": fmt8(v[0]), "locked": fmt8(v[1])}
                for a, v in sorted(self.balances.items())
            ],
            "permissions": ["SPOT"],
            "uid": 354937868,
        }

    def account_event(self) -> dict[str, Any]:
        return {
            "e": "outboundAccountPosition",
            "E": now_ms(),
            "u": now_ms(),
            "B": [
                {"a": a, "f": fmt8(v[0]), "l": fmt8(v[1])} for a, v in sorted(self.balances.items())
            ],
        }

    # -- lookups -------------------------------------------------------------

    def find(self, symbol: str, order_id: str | None, client_id: str | None) -> Order:
        """The order by id or (latest) client id; -2013 when unknown."""
        for order in reversed(self.orders):
            if order.symbol != symbol:
                continue
            if order_id is not None and str(order.order_id) == order_id:
                return order
            if order_id is None and client_id is not None and order.client_id == client_id:
                return order
        raise BinanceError(400, -2013, "Order does not exist.")

    def by_client_id(self, client_id: str) -> Order:
        for order in reversed(self.orders):
            if order.client_id == client_id:
                return order
        raise KeyError(client_id)

    # -- new orders ----------------------------------------------------------

    def check_filters(self, market: Market, qty: Decimal, price: Decimal) -> None:
        if qty < market.min_qty or (qty - market.min_qty) % market.step != 0:
            raise BinanceError(400, -1013, "Filter failure: LOT_SIZE")
        if price and price % market.tick != 0:
            raise BinanceError(400, -1013, "Filter failure: PRICE_FILTER")
        if qty * (price or self.prices[market.symbol]) < market.min_notional:
            raise BinanceError(400, -1013, "Filter failure: NOTIONAL")

    def check_algo(self, market: Market, *types: str) -> None:
        """New orders of ``types`` must keep the symbol's algo orders (stop and
        take-profit types, an OCO's legs too) within its ``MAX_NUM_ALGO_ORDERS``."""
        algo = ("STOP_LOSS", "STOP_LOSS_LIMIT", "TAKE_PROFIT", "TAKE_PROFIT_LIMIT")
        more = sum(1 for t in types if t in algo)
        if not more:
            return
        open_algo = sum(
            1 for o in self.orders if o.symbol == market.symbol and o.is_open and o.type in algo
        )
        if open_algo + more > market.max_algo:
            raise BinanceError(400, -1013, "Filter failure: MAX_NUM_ALGO_ORDERS")

    def new_order(self, p: dict[str, str], client_id: str) -> tuple[Order, list[dict[str, Any]]]:
        """Validate, create and match a new order; return it and the events it caused."""
        market = self.markets.get(p.get("symbol", ""))
        if market is None:
            raise BinanceError(400, -1121, "Invalid symbol.")
        side, otype = p.get("side", ""), p.get("type", "")
        if side not in ("BUY", "SELL"):
            raise BinanceError(400, -1102, "Mandatory parameter 'side' was not sent.")
        if otype not in ("MARKET", "LIMIT", "STOP_LOSS", "STOP_LOSS_LIMIT"):
            raise BinanceError(400, -1116, "Invalid orderType.")
        try:
            qty = Decimal(p["quantity"])
            price = Decimal(p.get("price", "0"))
            stop = Decimal(p.get("stopPrice", "0"))
            trail = trailing_delta(p.get("trailingDelta"), otype)
        except (KeyError, ArithmeticError) as exc:
            raise BinanceError(400, -1102, f"Mandatory parameter was not sent: {exc}") from exc
        if otype in ("LIMIT", "STOP_LOSS_LIMIT") and (not price or "timeInForce" not in p):
            raise BinanceError(400, -1102, "Mandatory parameter 'price' was not sent.")
        if otype.startswith("STOP") and not stop and not trail:
            raise BinanceError(400, -1102, "Mandatory parameter 'stopPrice' was not sent.")
        if otype in ("MARKET", "STOP_LOSS") and "timeInForce" in p:
            raise BinanceError(400, -1106, "Parameter 'timeInForce' sent when not required.")
        self.check_filters(market, qty, price)
        self.check_algo(market, otype)
        last = self.prices[market.symbol]
        if stop and (last <= stop if side == "SELL" else last >= stop):
            raise BinanceError(400, -2010, "Stop price would trigger immediately.")
        if any(o.is_open and o.client_id == client_id for o in self.orders):
            raise BinanceError(400, -2010, "Duplicate order sent.")
        t = now_ms()
        order = Order(
            order_id=next(self._order_ids),
            client_id=client_id,
            symbol=market.symbol,
            side=side,
            type=otype,
            tif=p.get("timeInForce", "GTC"),
            qty=qty,
            price=price,
            stop=stop,
            time=t,
            update=t,
            trail=trail,
            best=self.prices[market.symbol],
        )
        self._reserve(market, order)
        self.orders.append(order)
        events = [self._report(order, "NEW")]
        events += self._work(market, order)
        events.append(self.account_event())
        return order, events

    def _reserve(self, market: Market, order: Order) -> None:
        """Check and lock the funds the order needs (-2010 when short)."""
        if order.side == "SELL":
            if self._free(market.base) < order.qty:
                raise insufficient()
            order.locked = order.qty
            self._move(market.base, -order.qty, order.qty)
            return
        price = order.price or max(self.prices[market.symbol], order.stop)
        need = order.qty * price
        if self._free(market.quote) < need * (1 + FEE_RATE):
            raise insufficient()
        order.locked = need
        self._move(market.quote, -need, need)

    def _work(self, market: Market, order: Order) -> list[dict[str, Any]]:
        """Trigger, match or expire an order against the current price."""
        price = self.prices[market.symbol]
        if order.type.startswith("STOP") and not order.triggered:
            stop = order.stop
            if order.trail:  # no activation price in this fake: trailing from placement
                sell = order.side == "SELL"
                order.best = max(order.best, price) if sell else min(order.best, price)
                stop = order.trail_level()
            crossed = price <= stop if order.side == "SELL" else price >= stop
            if not crossed:
                return []
            order.triggered = True
        if order.type in ("MARKET", "STOP_LOSS"):
            return self.execute(order, order.qty - order.executed, price)
        marketable = price <= order.price if order.side == "BUY" else price >= order.price
        if marketable:
            return self.execute(order, order.qty - order.executed, price)
        if order.tif in ("IOC", "FOK"):
            return self._finish(order, "EXPIRED", "EXPIRED")
        return []

    def set_price(self, symbol: str, price: Decimal) -> list[dict[str, Any]]:
        self.prices[symbol] = price
        events: list[dict[str, Any]] = []
        for order in list(self.orders):
            if order.is_open and order.symbol == symbol:
                events += self._work(self.markets[symbol], order)
        return events

    # -- executions ----------------------------------------------------------

    def execute(self, order: Order, qty: Decimal, price: Decimal) -> list[dict[str, Any]]:
        """Trade ``qty`` of ``order`` at ``price``: balances, trade record, TRADE report."""
        if qty <= 0 or order.executed + qty > order.qty or not order.is_open:
            raise ValueError(f"cannot fill {qty} of {order.client_id} ({order.status})")
        if order.list_id >= 0:
            self.lists.take_lock(order)
        market = self.markets[order.symbol]
        notional = qty * price
        fee = (notional * FEE_RATE).quantize(_EIGHT)
        if order.side == "BUY":
            release = order.locked * qty / (order.qty - order.executed)
            order.locked -= release
            self._move(market.quote, release - notional - fee, -release)
            self._move(market.base, qty)
        else:
            order.locked -= qty
            self._move(market.base, ZERO, -qty)
            self._move(market.quote, notional - fee)
        order.executed += qty
        order.quote += notional
        order.update = now_ms()
        order.status = "FILLED" if order.executed == order.qty else "PARTIALLY_FILLED"
        trade = {
            "symbol": order.symbol,
            "id": next(self._trade_ids),
            "orderId": order.order_id,
            "orderListId": order.list_id,
            "price": fmt8(price),
            "qty": fmt8(qty),
            "quoteQty": fmt8(notional),
            "commission": fmt8(fee),
            "commissionAsset": market.quote,
            "time": order.update,
            "isBuyer": order.side == "BUY",
            "isMaker": order.type != "MARKET",
            "isBestMatch": True,
        }
        self.trades.append(trade)
        order.fills.append(
            {k: trade[k] for k in ("price", "qty", "commission", "commissionAsset")}
            | {"tradeId": trade["id"]}
        )
        report = self._report(order, "TRADE")
        report.update(
            l=fmt8(qty),
            L=fmt8(price),
            n=fmt8(fee),
            N=market.quote,
            t=trade["id"],
            m=trade["isMaker"],
        )
        report["Y"] = fmt8(notional)
        if order.list_id >= 0:  # an OCO leg traded: the other leg expires at once
            return [report, *self.lists.ended(order, "EXPIRED")]
        return [report]

    def cancel(self, order: Order, cancel_id: str) -> list[dict[str, Any]]:
        if not order.is_open:
            raise BinanceError(400, -2011, "Unknown order sent.")
        events = self._finish(order, "CANCELED", "CANCELED", cancel_id)
        if order.list_id >= 0:  # canceling one leg cancels the whole list
            events += self.lists.ended(order, "CANCELED")
        return [*events, self.account_event()]

    def new_cancel_id(self) -> str:
        return f"cancel-{next(self._cancel_ids):010x}"

    def _finish(
        self, order: Order, exec_type: str, status: str, cancel_id: str = ""
    ) -> list[dict[str, Any]]:
        market = self.markets[order.symbol]
        asset = market.quote if order.side == "BUY" else market.base
        self._move(asset, order.locked, -order.locked)
        order.locked = ZERO
        order.status = status
        order.update = now_ms()
        report = self._report(order, exec_type)
        if cancel_id:
            report["c"], report["C"] = cancel_id, order.client_id
        return [report]

    def _report(self, order: Order, exec_type: str) -> dict[str, Any]:
        """An ``executionReport`` for the order's current state."""
        return {
            "e": "executionReport",
            "E": now_ms(),
            "s": order.symbol,
            "c": order.client_id,
            "S": order.side,
            "o": order.type,
            "f": order.tif,
            "q": fmt8(order.qty),
            "p": fmt8(order.price),
            "P": fmt8(order.stop),
            "F": fmt8(ZERO),
            "g": order.list_id,
            "C": "",
            "x": exec_type,
            "X": order.status,
            "r": "NONE",
            "i": order.order_id,
            "l": fmt8(ZERO),
            "z": fmt8(order.executed),
            "L": fmt8(ZERO),
            "n": "0",
            "N": None,
            "T": order.update,
            "t": -1,
            "v": 0,
            "I": 0,
            "w": order.is_open,
            "m": False,
            "M": False,
            "O": order.time,
            "Z": fmt8(order.quote),
            "Y": fmt8(ZERO),
            "Q": fmt8(ZERO),
            "W": order.time,
            "V": "EXPIRE_MAKER",
        }
