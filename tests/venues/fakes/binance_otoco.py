"""OTOCO order lists at the fake Binance: ``POST /api/v3/orderList/otoco``.

The real protocol (``working*`` / ``pendingSide`` / ``pendingQuantity`` /
``pendingAbove*`` / ``pendingBelow*``) and semantics:

- the working order is a ``LIMIT`` (with ``workingTimeInForce``) or ``LIMIT_MAKER``
  and goes on the book at once, locking what it needs like any order;
- the pending pair (a ``LIMIT_MAKER``/``TAKE_PROFIT*`` and a ``STOP_LOSS*``, placed
  like an OCO: for a sell the maker above the stop, for a buy below) has status
  ``PENDING_NEW``: not on the book, locking nothing, never matching, and listed by
  ``openOrders`` with that status;
- only when the working order is FULLY filled do the pending legs go on the book
  (``NEW``, one lock for the pair), after which they are an OCO: one trades, the
  other is EXPIRED;
- canceling the working order (or the list) ends the whole list: the pending legs
  are CANCELED too (they never worked);
- every step also sends a ``listStatus`` event (``contingencyType`` OTO) on the
  user-data stream, and each order its ``executionReport``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from aiohttp import web

from fakes.binance_book import FEE_RATE, ZERO, BinanceError, Order, insufficient
from fakes.binance_market import now_ms
from fakes.binance_oco import _INTERNAL, _MAKERS, _STOPS, OrderList, OrderLists

_PENDING = "PENDING_NEW"


@dataclass(slots=True)
class OtocoList(OrderList):
    working: Order | None = None


class OtocoLists(OrderLists):
    """The OCO lists of :class:`OrderLists` plus OTOCO lists (a working order first)."""

    def place_otoco(self, p: dict[str, str]) -> tuple[OtocoList, list[dict[str, Any]]]:
        """Validate and accept a new OTOCO; the list and the events it caused."""
        book = self.book
        market = book.markets.get(p.get("symbol", ""))
        if market is None:
            raise BinanceError(400, -1121, "Invalid symbol.")
        wtype, wside, pside = p.get("workingType"), p.get("workingSide"), p.get("pendingSide")
        if wtype not in ("LIMIT", "LIMIT_MAKER"):
            raise BinanceError(400, -1116, "Invalid orderType.")
        if wside not in ("BUY", "SELL") or pside not in ("BUY", "SELL"):
            raise BinanceError(400, -1102, "Mandatory parameter 'side' was not sent.")
        if wtype == "LIMIT" and "workingTimeInForce" not in p:
            raise BinanceError(400, -1102, "Mandatory parameter 'workingTimeInForce' was not sent.")
        try:
            wqty, wprice = Decimal(p["workingQuantity"]), Decimal(p["workingPrice"])
            pqty = Decimal(p["pendingQuantity"])
        except (KeyError, ArithmeticError) as exc:
            raise BinanceError(400, -1102, f"Mandatory parameter was not sent: {exc}") from exc
        book.check_filters(market, wqty, wprice)
        t = now_ms()
        above = self._leg(p, "pendingAbove", pside, pqty, t)
        below = self._leg(p, "pendingBelow", pside, pqty, t)
        maker, stop = (above, below) if pside == "SELL" else (below, above)
        if maker.type not in _MAKERS or stop.type not in _STOPS:
            raise BinanceError(400, -1106, "Parameter 'pendingAboveType' sent when not required.")
        maker_price = maker.price or maker.stop
        if stop.stop and (
            maker_price <= stop.stop if pside == "SELL" else maker_price >= stop.stop
        ):
            raise BinanceError(400, -2010, "Order list's price relationship is invalid.")
        working = Order(
            order_id=0,
            client_id=p.get("workingClientOrderId") or f"x-{t:x}working",
            symbol=market.symbol,
            side=wside,
            type=wtype,
            tif=p.get("workingTimeInForce", "GTC"),
            qty=wqty,
            price=wprice,
            stop=ZERO,
            time=t,
            update=t,
        )
        last = book.prices[market.symbol]
        if wtype == "LIMIT_MAKER" and (wprice >= last if wside == "BUY" else wprice <= last):
            raise BinanceError(400, -2010, "Order would immediately match and take.")
        ids = {o.client_id for o in book.orders if o.is_open or o.status == _PENDING}
        chosen = [working.client_id, above.client_id, below.client_id]
        if len(set(chosen)) < 3 or ids.intersection(chosen):
            raise BinanceError(400, -2010, "Duplicate order sent.")
        book._reserve(market, working)  # -2010 when short; the pending pair locks nothing
        list_id = next(self._ids)
        for order in (working, stop, maker):
            order.order_id = next(book._order_ids)
            order.list_id = list_id
            book.orders.append(order)
        stop.status = maker.status = _PENDING
        listed = OtocoList(
            list_id=list_id,
            client_id=p.get("listClientOrderId") or f"list-{list_id:08x}",
            symbol=market.symbol,
            legs=(stop, maker),
            working=working,
        )
        self.lists[list_id] = listed
        events = [self.status_event(listed, "EXEC_STARTED")]
        events += [book._report(order, "NEW") for order in (working, stop, maker)]
        events += book._work(market, working)
        events.append(book.account_event())
        return listed, events

    # -- book callbacks --------------------------------------------------------

    def _working_of(self, order: Order) -> OtocoList | None:
        listed = self.lists[order.list_id]
        if isinstance(listed, OtocoList) and listed.working is order:
            return listed
        return None

    def take_lock(self, order: Order) -> None:
        if self._working_of(order) is None:  # the working order trades on its own lock
            super().take_lock(order)

    def ended(self, order: Order, how: str) -> list[dict[str, Any]]:
        listed = self._working_of(order)
        if listed is None:
            return super().ended(order, how)
        if how == "EXPIRED":  # the working order traded
            return self._activate(listed) if order.status == "FILLED" else []
        events = []  # canceled (or expired) before it filled in full: the list ends
        for leg in listed.legs:
            if leg.status == _PENDING:
                events += self.book._finish(leg, how, how)
        listed.status = "ALL_DONE"
        events.append(self.status_event(listed, "ALL_DONE"))
        return events

    def _activate(self, listed: OtocoList) -> list[dict[str, Any]]:
        """The working order filled in full: the pending pair goes on the book."""
        book = self.book
        stop, maker = listed.legs
        market = book.markets[listed.symbol]
        last = book.prices[listed.symbol]
        if stop.side == "SELL":
            lock_asset, lock = market.base, stop.qty
        else:
            lock_asset, lock = market.quote, stop.qty * max(maker.price, stop.price or stop.stop)
        if book._free(lock_asset) < lock * (1 + FEE_RATE * (stop.side == "BUY")):
            raise insufficient()  # cannot happen after the fill: the working order bought it
        book._move(lock_asset, -lock, lock)
        maker.locked = lock  # one lock for the pair: the leg that trades takes it
        events = [self.status_event(listed, "EXEC_STARTED")]
        for leg in (stop, maker):
            leg.status, leg.update, leg.best = "NEW", now_ms(), last
            events.append(book._report(leg, "NEW"))
        for leg in (stop, maker):
            if leg.is_open:
                events += book._work(market, leg)
        return events

    def cancel(self, listed: OrderList, cancel_id: str) -> list[dict[str, Any]]:
        working = listed.working if isinstance(listed, OtocoList) else None
        if working is not None and working.is_open:
            return self.book.cancel(working, cancel_id)
        return super().cancel(listed, cancel_id)

    # -- JSON ------------------------------------------------------------------

    @staticmethod
    def _orders(listed: OrderList) -> list[dict[str, Any]]:
        working = listed.working if isinstance(listed, OtocoList) else None
        return [
            {"symbol": o.symbol, "orderId": o.order_id, "clientOrderId": o.client_id}
            for o in ((working,) if working else ()) + listed.legs
        ]

    def status_event(self, listed: OrderList, status_type: str) -> dict[str, Any]:
        event = super().status_event(listed, status_type)
        if isinstance(listed, OtocoList):
            event["c"] = "OTO"
        return event

    def list_json(self, listed: OrderList) -> dict[str, Any]:
        body = super().list_json(listed)
        if isinstance(listed, OtocoList):
            body["contingencyType"] = "OTO"
        return body

    def reports_json(self, listed: OrderList) -> list[dict[str, Any]]:
        working = listed.working if isinstance(listed, OtocoList) else None
        return [self.report_json(o) for o in ((working,) if working else ()) + listed.legs]


class OtocoRoutes:
    """``POST /api/v3/orderList/otoco`` on the fake's signing and publishing."""

    def __init__(self, fake: Any, lists: OtocoLists) -> None:
        self.fake = fake
        self.lists = lists
        #: Every accepted OTOCO request's parameters, in order.
        self.posted: list[dict[str, str]] = []

    def add_to(self, app: web.Application) -> None:
        app.router.add_post("/api/v3/orderList/otoco", self._new)

    async def _new(self, request: web.Request) -> web.Response:
        p = await self.fake._signed(request)
        listed, events = self.lists.place_otoco(p)
        self.posted.append(p)
        self.fake._publish(events)
        if self.fake._lose_next:  # lose_next_order_response(): placed, the answer lost
            self.fake._lose_next = False
            return web.json_response(_INTERNAL, status=503)
        body = self.lists.list_json(listed)
        body["orderReports"] = self.lists.reports_json(listed)
        return web.json_response(body)
