"""OCO order lists at the fake Binance: ``POST /api/v3/orderList/oco`` and ``/api/v3/orderList``.

The real protocol (new endpoint, ``above*`` / ``below*`` legs) and semantics:

- a sell list has a ``LIMIT_MAKER`` (or ``TAKE_PROFIT*``) above the price and a
  ``STOP_LOSS`` / ``STOP_LOSS_LIMIT`` below it; a buy list mirrors it. Prices on
  the wrong side, a maker that would take, or a stop that would trigger at once
  are refused like Binance does (-2010 / -1106);
- the list locks the balance it sells ONCE (the leg that trades takes the lock);
- once a leg trades (fully or partly) the other is EXPIRED in the same instant;
  canceling a leg, or the list, cancels both;
- each change also sends a ``listStatus`` event on the user-data stream.

Each leg is an ordinary :class:`fakes.binance_book.Order` with ``list_id`` set.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from aiohttp import web

from fakes.binance_book import (
    FEE_RATE,
    ZERO,
    BinanceError,
    Book,
    Order,
    insufficient,
    trailing_delta,
)
from fakes.binance_market import now_ms

_INTERNAL = {"code": -1001, "msg": "Internal error; unable to process your request."}
_MAKERS = ("LIMIT_MAKER", "TAKE_PROFIT", "TAKE_PROFIT_LIMIT")
_STOPS = ("STOP_LOSS", "STOP_LOSS_LIMIT")


@dataclass(slots=True)
class OrderList:
    list_id: int
    client_id: str
    symbol: str
    legs: tuple[Order, ...]  # an OCO's (stop, maker); an OTO's one pending order
    status: str = "EXECUTING"  # listOrderStatus: EXECUTING, ALL_DONE, REJECT


class OrderLists:
    """Every OCO list of the fake account; the book calls back on a leg's trade or cancel."""

    def __init__(self, book: Book) -> None:
        self.book = book
        self.lists: dict[int, OrderList] = {}
        self._ids = itertools.count(1)
        book.lists = self

    # -- placing -------------------------------------------------------------

    def _leg(self, p: dict[str, str], at: str, side: str, qty: Decimal, t: int) -> Order:
        otype = p.get(f"{at}Type", "")
        if otype not in (*_MAKERS, *_STOPS):
            raise BinanceError(400, -1116, "Invalid orderType.")
        price = Decimal(p.get(f"{at}Price", "0"))
        stop = Decimal(p.get(f"{at}StopPrice", "0"))
        trail = trailing_delta(p.get(f"{at}TrailingDelta"), otype)
        if otype in ("LIMIT_MAKER", "STOP_LOSS_LIMIT", "TAKE_PROFIT_LIMIT") and not price:
            raise BinanceError(400, -1102, f"Mandatory parameter '{at}Price' was not sent.")
        if otype in _STOPS and not stop and not trail:
            raise BinanceError(400, -1102, f"Mandatory parameter '{at}StopPrice' was not sent.")
        self.book.check_filters(self.book.markets[p["symbol"]], qty, price)
        return Order(
            order_id=0,
            client_id=p.get(f"{at}ClientOrderId") or f"x-{now_ms():x}{at}",
            symbol=p["symbol"],
            side=side,
            type=otype,
            tif=p.get(f"{at}TimeInForce", "GTC"),
            qty=qty,
            price=price,
            stop=stop,
            time=t,
            update=t,
            trail=trail,
            best=self.book.prices[p["symbol"]],
        )

    def place(self, p: dict[str, str]) -> tuple[OrderList, list[dict[str, Any]]]:
        """Validate and rest a new OCO list; the list and the events it caused."""
        book = self.book
        market = book.markets.get(p.get("symbol", ""))
        if market is None:
            raise BinanceError(400, -1121, "Invalid symbol.")
        side = p.get("side", "")
        if side not in ("BUY", "SELL"):
            raise BinanceError(400, -1102, "Mandatory parameter 'side' was not sent.")
        try:
            qty = Decimal(p["quantity"])
        except KeyError:
            raise BinanceError(400, -1102, "Mandatory parameter 'quantity' was not sent.") from None
        t = now_ms()
        above = self._leg(p, "above", side, qty, t)
        below = self._leg(p, "below", side, qty, t)
        maker, stop = (above, below) if side == "SELL" else (below, above)
        if maker.type not in _MAKERS or stop.type not in _STOPS:
            raise BinanceError(400, -1106, "Parameter 'aboveType' sent when not required.")
        last = book.prices[market.symbol]
        maker_price = maker.price or maker.stop
        if (side == "SELL" and maker_price <= last) or (side == "BUY" and maker_price >= last):
            raise BinanceError(400, -2010, "Order would immediately match and take.")
        trips = (side == "SELL" and stop.stop >= last) or (side == "BUY" and stop.stop <= last)
        if stop.stop and trips:  # a trailing leg with no stop price trails from ``last``
            raise BinanceError(400, -2010, "Order would trigger immediately.")
        book.check_algo(market, stop.type, maker.type)
        ids = {o.client_id for o in book.orders if o.is_open}
        if above.client_id in ids or below.client_id in ids or above.client_id == below.client_id:
            raise BinanceError(400, -2010, "Duplicate order sent.")
        lock_asset, lock = (
            (market.base, qty)
            if side == "SELL"
            else (market.quote, qty * max(maker.price, stop.price or stop.stop or last))
        )
        if book.balances.get(lock_asset, [ZERO, ZERO])[0] < lock * (1 + FEE_RATE * (side == "BUY")):
            raise insufficient()
        book._move(lock_asset, -lock, lock)
        list_id = next(self._ids)
        for leg in (stop, maker):  # Binance numbers the stop leg first
            leg.order_id = next(book._order_ids)
            leg.list_id = list_id
            book.orders.append(leg)
        maker.locked = lock  # one lock for the list: the leg that trades takes it
        listed = OrderList(
            list_id=list_id,
            client_id=p.get("listClientOrderId") or f"list-{list_id:08x}",
            symbol=market.symbol,
            legs=(stop, maker),
        )
        self.lists[list_id] = listed
        events = [self.status_event(listed, "EXEC_STARTED")]
        events += [book._report(leg, "NEW") for leg in listed.legs]
        events.append(book.account_event())
        return listed, events

    # -- book callbacks --------------------------------------------------------

    def _other(self, order: Order) -> Order:
        first, second = self.lists[order.list_id].legs
        return second if first is order else first

    def take_lock(self, order: Order) -> None:
        """The leg about to trade takes the list's one lock from its partner."""
        other = self._other(order)
        order.locked, other.locked = order.locked + other.locked, ZERO

    def ended(self, order: Order, how: str) -> list[dict[str, Any]]:
        """A leg traded (the partner EXPIRES) or was canceled (the partner is CANCELED)."""
        listed = self.lists[order.list_id]
        other = self._other(order)
        events = []
        if other.is_open:
            cancel_id = self.book.new_cancel_id() if how == "CANCELED" else ""
            events += self.book._finish(other, how, how, cancel_id)
        if listed.status == "EXECUTING":
            listed.status = "ALL_DONE"
            events.append(self.status_event(listed, "ALL_DONE"))
        return events

    def cancel(self, listed: OrderList, cancel_id: str) -> list[dict[str, Any]]:
        leg = next((o for o in listed.legs if o.is_open), None)
        if leg is None:
            raise BinanceError(400, -2011, "Unknown order sent.")
        return self.book.cancel(leg, cancel_id)

    # -- JSON ------------------------------------------------------------------

    @staticmethod
    def _orders(listed: OrderList) -> list[dict[str, Any]]:
        return [
            {"symbol": o.symbol, "orderId": o.order_id, "clientOrderId": o.client_id}
            for o in listed.legs
        ]

    def status_event(self, listed: OrderList, status_type: str) -> dict[str, Any]:
        """The ``listStatus`` user-data event."""
        return {
            "e": "listStatus",
            "E": now_ms(),
            "s": listed.symbol,
            "g": listed.list_id,
            "c": "OCO",
            "l": status_type,
            "L": listed.status,
            "r": "NONE",
            "C": listed.client_id,
            "T": now_ms(),
            "O": [
                {"s": o["symbol"], "i": o["orderId"], "c": o["clientOrderId"]}
                for o in self._orders(listed)
            ],
        }

    def list_json(self, listed: OrderList) -> dict[str, Any]:
        return {
            "orderListId": listed.list_id,
            "contingencyType": "OCO",
            "listStatusType": "EXEC_STARTED" if listed.status == "EXECUTING" else "ALL_DONE",
            "listOrderStatus": listed.status,
            "listClientOrderId": listed.client_id,
            "transactionTime": now_ms(),
            "symbol": listed.symbol,
            "orders": self._orders(listed),
        }

    def reports_json(self, listed: OrderList) -> list[dict[str, Any]]:
        """The ``orderReports`` of the list's orders."""
        return [self.report_json(o) for o in listed.legs]

    @staticmethod
    def report_json(order: Order) -> dict[str, Any]:
        """One ``orderReports`` row of the placing answer (``newOrderRespType`` FULL)."""
        body = order.rest_json()
        for key in ("icebergQty", "time", "updateTime", "isWorking", "origQuoteOrderQty"):
            body.pop(key)
        if not order.stop:
            body.pop("stopPrice")
        return body | {"transactTime": order.update}

    def find(self, p: dict[str, str]) -> OrderList:
        wanted_id, wanted_client = p.get("orderListId"), p.get("listClientOrderId")
        for listed in reversed(self.lists.values()):
            if str(listed.list_id) == wanted_id or (
                wanted_id is None and listed.client_id == wanted_client
            ):
                return listed
        raise BinanceError(400, -2011, "Order list does not exist.")


class OrderListRoutes:
    """The REST endpoints of order lists, on the fake's signing and publishing."""

    def __init__(self, fake: Any, lists: OrderLists) -> None:
        self.fake = fake
        self.lists = lists

    def add_to(self, app: web.Application) -> None:
        app.router.add_post("/api/v3/orderList/oco", self._new)
        app.router.add_get("/api/v3/orderList", self._get)
        app.router.add_delete("/api/v3/orderList", self._cancel)

    async def _new(self, request: web.Request) -> web.Response:
        p = await self.fake._signed(request)
        listed, events = self.lists.place(p)
        self.fake._publish(events)
        if self.fake._lose_next:  # lose_next_order_response(): placed, the answer lost
            self.fake._lose_next = False
            return web.json_response(_INTERNAL, status=503)
        body = self.lists.list_json(listed)
        body["orderReports"] = self.lists.reports_json(listed)
        return web.json_response(body)

    async def _get(self, request: web.Request) -> web.Response:
        p = await self.fake._signed(request)
        return web.json_response(self.lists.list_json(self.lists.find(p)))

    async def _cancel(self, request: web.Request) -> web.Response:
        p = await self.fake._signed(request)
        listed = self.lists.find(p)
        self.fake._publish(self.lists.cancel(listed, self.fake.book.new_cancel_id()))
        body = self.lists.list_json(listed)
        body["orderReports"] = self.lists.reports_json(listed)
        return web.json_response(body)
