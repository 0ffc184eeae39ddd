"""OTOCO and OTO order lists at the fake Binance: ``POST /api/v3/orderList/otoco`` and
``POST /api/v3/orderList/oto``.

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

An OTO (``pendingType`` / ``pendingPrice`` / ``pendingStopPrice`` /
``pendingClientOrderId``) is the same with ONE pending order (here a stop or a
maker), which once on the book works alone on its own lock.
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
        market, pside, pqty, t = self._pending_terms(p)
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
        return self._place(p, market, (stop, maker), t)

    def place_oto(self, p: dict[str, str]) -> tuple[OtocoList, list[dict[str, Any]]]:
        """Validate and accept a new OTO (one pending order); the list and its events."""
        market, pside, pqty, t = self._pending_terms(p)
        return self._place(p, market, (self._leg(p, "pending", pside, pqty, t),), t)

    def _pending_terms(self, p: dict[str, str]) -> tuple[Any, str, Decimal, int]:
        """(market, pending side, pending quantity, now) of a new OTO/OTOCO request."""
        market = self.book.markets.get(p.get("symbol", ""))
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
            pqty = Decimal(p["pendingQuantity"])
        except (KeyError, ArithmeticError) as exc:
            raise BinanceError(400, -1102, f"Mandatory parameter was not sent: {exc}") from exc
        return market, pside, pqty, now_ms()

    def _place(
        self, p: dict[str, str], market: Any, pending: tuple[Order, ...], t: int
    ) -> tuple[OtocoList, list[dict[str, Any]]]:
        """Accept the working order and its ``pending`` orders (not on the book yet)."""
        book = self.book
        try:
            wqty, wprice = Decimal(p["workingQuantity"]), Decimal(p["workingPrice"])
        except (KeyError, ArithmeticError) as exc:
            raise BinanceError(400, -1102, f"Mandatory parameter was not sent: {exc}") from exc
        book.check_filters(market, wqty, wprice)
        wtype, wside = p["workingType"], p["workingSide"]
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
        chosen = [working.client_id, *(o.client_id for o in pending)]
        if len(set(chosen)) < len(chosen) or ids.intersection(chosen):
            raise BinanceError(400, -2010, "Duplicate order sent.")
        book._reserve(market, working)  # -2010 when short; the pending orders lock nothing
        list_id = next(self._ids)
        for order in (working, *pending):
            order.order_id = next(book._order_ids)
            order.list_id = list_id
            book.orders.append(order)
        for order in pending:
            order.status = _PENDING
        listed = OtocoList(
            list_id=list_id,
            client_id=p.get("listClientOrderId") or f"list-{list_id:08x}",
            symbol=market.symbol,
            legs=pending,
            working=working,
        )
        self.lists[list_id] = listed
        events = [self.status_event(listed, "EXEC_STARTED")]
        events += [book._report(order, "NEW") for order in (working, *pending)]
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
        # The working order, and an OTO's lone pending order, trade on their own lock.
        if self._working_of(order) is None and len(self.lists[order.list_id].legs) > 1:
            super().take_lock(order)

    def ended(self, order: Order, how: str) -> list[dict[str, Any]]:
        listed = self._working_of(order)
        if listed is None and len(self.lists[order.list_id].legs) == 1:
            return self._alone_ended(self.lists[order.list_id])
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

    def _alone_ended(self, listed: OrderList) -> list[dict[str, Any]]:
        """An OTO's pending order (working alone) traded or was canceled: the list is done."""
        if listed.status != "EXECUTING":
            return []
        listed.status = "ALL_DONE"
        return [self.status_event(listed, "ALL_DONE")]

    def _activate(self, listed: OtocoList) -> list[dict[str, Any]]:
        """The working order filled in full: the pending order(s) go on the book."""
        book = self.book
        legs = listed.legs  # an OTOCO's (stop, maker), an OTO's one order
        first = legs[0]
        market = book.markets[listed.symbol]
        last = book.prices[listed.symbol]
        if first.side == "SELL":
            lock_asset, lock = market.base, first.qty
        else:
            lock_asset, lock = market.quote, first.qty * max(o.price or o.stop for o in legs)
        if book._free(lock_asset) < lock * (1 + FEE_RATE * (first.side == "BUY")):
            raise insufficient()  # cannot happen after the fill: the working order bought it
        book._move(lock_asset, -lock, lock)
        legs[-1].locked = lock  # one lock for an OTOCO's pair: the leg that trades takes it
        events = [self.status_event(listed, "EXEC_STARTED")]
        for leg in legs:
            leg.status, leg.update, leg.best = "NEW", now_ms(), last
            events.append(book._report(leg, "NEW"))
        for leg in legs:
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
    """``POST /api/v3/orderList/otoco`` and ``/oto`` on the fake's signing and publishing."""

    def __init__(self, fake: Any, lists: OtocoLists) -> None:
        self.fake = fake
        self.lists = lists
        #: Every accepted OTOCO / OTO request's parameters, in order.
        self.posted: list[dict[str, str]] = []

    def add_to(self, app: web.Application) -> None:
        app.router.add_post("/api/v3/orderList/otoco", self._new_otoco)
        app.router.add_post("/api/v3/orderList/oto", self._new_oto)

    async def _new_otoco(self, request: web.Request) -> web.Response:
        return await self._new(request, self.lists.place_otoco)

    async def _new_oto(self, request: web.Request) -> web.Response:
        return await self._new(request, self.lists.place_oto)

    async def _new(self, request: web.Request, place: Any) -> web.Response:
        p = await self.fake._signed(request)
        listed, events = place(p)
        self.posted.append(p)
        self.fake._publish(events)
        if self.fake._lose_next:  # lose_next_order_response(): placed, the answer lost
            self.fake._lose_next = False
            return web.json_response(_INTERNAL, status=503)
        body = self.lists.list_json(listed)
        body["orderReports"] = self.lists.reports_json(listed)
        return web.json_response(body)
