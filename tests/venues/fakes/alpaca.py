"""A fake Alpaca Trading API on 127.0.0.1 that the real alpaca-py talks to unmodified.

REST under ``/v2`` (APCA key headers checked, ``{"code","message"}`` error
bodies, DELETE answering 204 with no body) and the ``/stream`` websocket
(authenticate -> authorized, listen -> listening, then ``trade_updates``
events, sent as binary frames by default as paper Alpaca does).

New orders answer ``accepted``; ``new`` and, for market orders, a ``fill``
at the current price follow on the stream a few milliseconds later. Limit
and stop orders rest until :meth:`FakeAlpaca.fill`. Events happening while
no stream is listening are lost, as at the real venue.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from decimal import Decimal
from typing import Any

from aiohttp import web

from fakes import alpaca_bracket as bracket
from fakes import alpaca_trailing as trailing
from fakes.alpaca_book import ORDER_TYPES, TIME_IN_FORCE, ZERO, Book, Order, asset, plain
from fakes.alpaca_data import DataHub
from fakes.alpaca_market import MarketHours
from fakes.alpaca_stream import StreamHub
from fakes.base import FakeOrder
from fakes.rest import RestFake

KEY = "PKFAKE0123456789"
SECRET = "fake-secret-9f8e7d6c5b4a"
CENT = Decimal("0.01")


def _error(status: int, code: int, message: str, **extra: Any) -> web.Response:
    return web.json_response({"code": code, "message": message, **extra}, status=status)


class FakeAlpaca(RestFake):
    """The fake venue (see the module docstring) and its test controls."""

    venue = "alpaca"
    symbol = "AAPL"
    quantity = Decimal("2")
    price = Decimal("190.25")
    symbol_table: dict[str, Any] = {
        "reference_price": "190.25",
        "price_precision": 2,
        "quantity_precision": 0,
    }

    def __init__(
        self,
        *,
        key: str = KEY,
        secret: str = SECRET,
        binary_frames: bool = True,
        event_delay_s: float = 0.005,
    ) -> None:
        super().__init__(text_type="text/html")
        self.key = key
        self.secret = secret
        self.event_delay_s = event_delay_s
        self.book = Book()
        self.prices: dict[str, Decimal] = {"AAPL": self.price, "BTC/USD": Decimal("60000")}
        self.stream = StreamHub(key, secret, binary_frames=binary_frames)
        #: The market data API (latest quotes, the quotes websocket): see fakes.alpaca_data.
        self.data = DataHub(key, secret, self.prices, now_ns=self._now_ns)
        self.market = MarketHours()
        self._reject_next = False
        #: Order types this account refuses (422), as Alpaca does trailing stops on some assets.
        self.refused_types: set[str] = set()
        self._lose_next: int | None = None
        self._timers: set[asyncio.TimerHandle] = set()
        self._runner: web.AppRunner | None = None
        self.port = 0

    # -- FakeVenue ---------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application(middlewares=[self._middleware])
        r = app.router
        r.add_get("/stream", self.stream.handle)
        r.add_post("/v2/orders", self._place)
        r.add_get("/v2/orders", self._list_orders)
        r.add_get("/v2/orders:by_client_order_id", self._by_client_id)
        r.add_get("/v2/orders/{id}", self._get_order)
        r.add_delete("/v2/orders/{id}", self._cancel)
        r.add_patch("/v2/orders/{id}", self._replace)
        r.add_get("/v2/positions", self._positions)
        r.add_get("/v2/positions/{symbol:.+}", self._position)
        r.add_get("/v2/account", self._account)
        r.add_get("/v2/assets/{symbol:.+}", self._asset)
        r.add_get("/v2/account/activities/FILL", self._fills)
        r.add_get("/v2/clock", self.market.handle_clock)
        r.add_get("/v2/calendar", self.market.handle_calendar)
        r.add_routes(self.data.routes())
        self._runner = web.AppRunner(app, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site.port

    async def stop(self) -> None:
        for timer in self._timers:
            timer.cancel()
        await self.stream.close()
        await self.data.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def stream_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/stream"

    def account_table(self) -> dict[str, Any]:
        return {
            "venue": "alpaca",
            "environment": "paper",
            "api_url": self.api_url,
            "stream_url": self.stream_url,
            "data_url": self.api_url,
            "data_stream_url": f"ws://127.0.0.1:{self.port}",
            "key_env": "FG_TEST_ALPACA_KEY",
            "secret_env": "FG_TEST_ALPACA_SECRET",
            "symbols": {"AAPL": "AAPL"},
            "poll_interval_s": 0.2,
            "resolve_timeout_s": 3.0,
            "reconcile_interval_s": 0,
            "timeout_s": 3.0,
            "backoff_base_s": 0.02,
        }

    def environment(self) -> dict[str, str]:
        return {"FG_TEST_ALPACA_KEY": self.key, "FG_TEST_ALPACA_SECRET": self.secret}

    def set_price(self, price: Decimal, symbol: str = "") -> None:
        """Move ``symbol``'s price (the fake's own by default): fills and quotes use it."""
        symbol = symbol or self.symbol
        self.prices[symbol] = price
        self.data.changed()
        for order in self.book.orders:  # Alpaca trails its trailing stops, fills them there
            trails = order.type == "trailing_stop" and order.is_open and order.symbol == symbol
            if trails and trailing.move(order, price) and order.status != "pending_cancel":
                self.stream.push(self.book.execute(order, order.qty - order.filled, price))

    def fill(self, client_id: str, quantity: Decimal, price: Decimal | None = None) -> None:
        """Fill an open order, found by client id or (an OCO leg) by venue order id."""
        order = self.book.by_client_id(client_id) or self.book.by_id(client_id)
        if order is None or not order.is_open:
            raise ValueError(f"no open order {client_id!r}")
        if order.status == "accepted":
            self._activate(order, fill_market=False)
        self.stream.push(self.book.execute(order, quantity, price or self.prices[order.symbol]))
        self._release(order)
        partner = self.book.by_id(order.partner) if order.partner else None
        if order.status == "filled" and partner is not None and partner.is_open:
            partner.touch("pending_cancel")  # OCO: one filled, Alpaca cancels the other
            self._later(self._finish_cancel, partner)

    def oco_leg(self, client_id: str) -> FakeOrder:
        """The stop leg of the OCO order whose parent has ``client_id``."""
        parent = self.book.by_client_id(client_id)
        if parent is None or not parent.legs:
            raise ValueError(f"no OCO order {client_id!r}")
        leg = parent.legs[0]
        return FakeOrder(
            client_id=leg.client_order_id,
            venue_order_id=leg.id,
            symbol=leg.symbol,
            side=leg.side,
            quantity=leg.qty,
            filled=leg.filled,
            status=leg.status,
        )

    def reject_next_order(self) -> None:
        self._reject_next = True

    def lose_next_order_response(self, status: int = 503) -> None:
        self._lose_next = status

    async def drop_streams(self, refuse_s: float = 0.5) -> None:
        await self.stream.drop(refuse_s)

    # The quote controls every fake venue offers (the conformance suite uses them).
    def silence_price_streams(self, silent: bool = True) -> None:
        self.data.silence(silent)

    async def drop_price_streams(self, refuse_s: float = 0.5) -> None:
        await self.data.drop(refuse_s)

    def _now_ns(self) -> int:
        """The venue's time: the market clock's ``now`` when a test fixed it."""
        now = self.market.now
        if now is None:
            return time.time_ns()
        return int(now.timestamp()) * 1_000_000_000 + now.microsecond * 1000

    def set_position(self, quantity: Decimal) -> None:
        self.book.positions[self.symbol] = (quantity, self.prices[self.symbol])

    def orders(self) -> list[FakeOrder]:
        return [
            FakeOrder(
                client_id=o.client_order_id,
                venue_order_id=o.id,
                symbol=o.symbol,
                side=o.side,
                quantity=o.qty,
                filled=o.filled,
                status=o.status,
            )
            for o in self.book.orders
        ]

    # -- extra controls ------------------------------------------------------------

    # -- plumbing -------------------------------------------------------------------

    def _later(self, callback: Any, *args: Any) -> None:
        loop = asyncio.get_running_loop()

        def run() -> None:
            self._timers.discard(timer)
            callback(*args)

        timer = loop.call_later(self.event_delay_s, run)
        self._timers.add(timer)

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Any) -> web.StreamResponse:
        if request.path == "/stream" or self.data.is_stream(request.path):
            return await handler(request)  # type: ignore[no-any-return]
        injected = await self.intercept(request)
        if injected is not None:
            return injected
        if (
            request.headers.get("APCA-API-KEY-ID") != self.key
            or request.headers.get("APCA-API-SECRET-KEY") != self.secret
        ):
            return _error(401, 40110000, "request is not authorized")
        return await handler(request)  # type: ignore[no-any-return]

    @staticmethod
    async def _json(request: web.Request) -> dict[str, Any]:
        # parse_float keeps the exact digits alpaca-py's float serialised to.
        data = json.loads(await request.text() or "{}", parse_float=Decimal)
        return data if isinstance(data, dict) else {}

    # -- orders ------------------------------------------------------------------------

    async def _place(self, request: web.Request) -> web.Response:
        body = await self._json(request)
        symbol = str(body.get("symbol", ""))
        info = asset(symbol)
        if info is None:
            return _error(422, 40010001, f'asset "{symbol}" not found')
        try:
            qty = Decimal(str(body["qty"]))
            limit = Decimal(str(body["limit_price"])) if "limit_price" in body else None
            stop = Decimal(str(body["stop_price"])) if "stop_price" in body else None
        except (KeyError, ArithmeticError):
            return _error(422, 40010001, "qty is required")
        kind, tif, side = body.get("type"), body.get("time_in_force"), body.get("side")
        if (
            qty <= 0
            or side not in ("buy", "sell")
            or kind not in ORDER_TYPES
            or tif not in TIME_IN_FORCE
            or (kind in ("limit", "stop_limit")) != (limit is not None)
            or (kind in ("stop", "stop_limit")) != (stop is not None)
        ):
            return _error(422, 40010001, "invalid order request")
        base = self.prices.get(symbol)
        if stop is not None and base is not None:
            # Alpaca checks a stop against the last trade (``base_price``), a cent apart.
            if side == "sell" and stop > base - CENT:
                return _error(422, 42210000, "stop price must be less than base_price - 0.01")
            if side == "buy" and stop < base + CENT:
                return _error(422, 42210000, "stop price must be greater than base_price + 0.01")
        if kind in self.refused_types:
            return _error(422, 42210000, f"{kind} orders are not allowed for this asset")
        if body.get("extended_hours") and (kind, tif) != ("limit", "day"):
            return _error(422, 42210000, "extended hours order must be DAY limit orders")
        client_id = str(body.get("client_order_id") or uuid.uuid4())
        if len(client_id) > 128:
            return _error(422, 40010001, "client_order_id must be no more than 128 characters")
        if self.book.by_client_id(client_id) is not None:
            return _error(422, 40010001, "client_order_id must be unique")
        symbol = info["symbol"]
        cost = qty * (limit or self.prices[symbol])
        if self._reject_next or (side == "buy" and cost > self.book.buying_power):
            self._reject_next = False
            return _error(
                403,
                40310000,
                "insufficient buying power",
                buying_power=plain(self.book.buying_power),
                cost_basis=plain(cost),
            )
        order = Order(symbol, side, kind, tif, qty, client_id, limit, stop)
        if kind == "trailing_stop":
            order.trail_price, order.trail_percent, problem = trailing.parse(body)
            if problem:
                return _error(422, 40010001, problem)
            trailing.start(order, self.prices[symbol])
        if body.get("order_class") in ("oco", "bracket", "oto"):
            make = self._oco if body["order_class"] == "oco" else bracket.make
            problem = make(order, body)
            if problem:
                return _error(422, 40010001, problem)
        order.touch()
        self.book.orders.append(order)
        self._later(self._activate, order, True)
        for leg in order.legs:
            leg.touch()
            self.book.orders.append(leg)  # listed on its own too (GET /v2/orders, not nested)
            if leg.status != bracket.HELD:  # a bracket's legs wait for their parent's fill
                self._later(self._activate, leg, False)
        if self._lose_next is not None:
            status, self._lose_next = self._lose_next, None
            return _error(status, 50010000, "upstream unavailable")
        return web.json_response(order.to_json())

    def _oco(self, parent: Order, body: dict[str, Any]) -> str:
        """Make ``parent`` an OCO order as Alpaca does: a limit take-profit parent whose
        one leg is the stop (same side and quantity, a client id Alpaca makes up)."""
        take_profit, stop_loss = body.get("take_profit"), body.get("stop_loss")
        if parent.type != "limit" or not isinstance(take_profit, dict):
            return "oco orders require type limit and take_profit.limit_price"
        if not isinstance(stop_loss, dict) or "stop_price" not in stop_loss:
            return "oco orders require stop_loss.stop_price"
        parent.limit_price = Decimal(str(take_profit["limit_price"]))
        stop = Decimal(str(stop_loss["stop_price"]))
        leg = Order(
            parent.symbol, parent.side, "stop", parent.time_in_force, parent.qty,
            str(uuid.uuid4()), None, stop,
        )  # fmt: skip
        parent.order_class = leg.order_class = "oco"
        parent.partner, leg.partner = leg.id, parent.id
        parent.legs = [leg]
        return ""

    def _activate(self, order: Order, fill_market: bool) -> None:
        if order.status != "accepted":
            return
        order.touch("new")
        self.stream.push({"event": "new", "order": order.to_json(), "timestamp": order.updated_at})
        if fill_market and order.type == "market":
            self.stream.push(self.book.execute(order, order.qty, self.prices[order.symbol]))
            self._release(order)

    def _release(self, parent: Order) -> None:
        """A bracket's entry filled completely: its held legs start working (OCO)."""
        for leg in bracket.release(parent):
            self.stream.push({"event": "new", "order": leg.to_json(), "timestamp": leg.updated_at})

    def _find(self, request: web.Request) -> Order | None:
        return self.book.by_id(request.match_info["id"])

    async def _get_order(self, request: web.Request) -> web.Response:
        order = self._find(request)
        if order is None:
            return _error(404, 40410000, "order not found")
        return web.json_response(order.to_json())

    async def _by_client_id(self, request: web.Request) -> web.Response:
        order = self.book.by_client_id(request.query.get("client_order_id", ""))
        if order is None:
            return _error(404, 40410000, "order not found")
        return web.json_response(order.to_json())

    async def _list_orders(self, request: web.Request) -> web.Response:
        return web.json_response([o.to_json() for o in self.book.list_orders(request.query)])

    async def _cancel(self, request: web.Request) -> web.Response:
        order = self._find(request)
        if order is None:
            return _error(404, 40410000, "order not found")
        if not order.is_open or order.status in ("pending_cancel", "pending_replace"):
            return _error(422, 42210000, "order is not cancelable")
        order.touch("pending_cancel")
        self._later(self._finish_cancel, order)
        partner = self.book.by_id(order.partner) if order.partner else None
        if partner is not None and partner.is_open and partner.status != "pending_cancel":
            partner.touch("pending_cancel")  # canceling one OCO member cancels the order
            self._later(self._finish_cancel, partner)
        for leg in bracket.held_legs(order):  # a bracket's entry: its held legs go with it
            leg.touch("pending_cancel")
            self._later(self._finish_cancel, leg)
        return web.Response(status=204)

    def _finish_cancel(self, order: Order) -> None:
        order.canceled_at = order.touch("canceled")
        self.stream.push(
            {"event": "canceled", "order": order.to_json(), "timestamp": order.updated_at}
        )

    async def _replace(self, request: web.Request) -> web.Response:
        old = self._find(request)
        if old is None:
            return _error(404, 40410000, "order not found")
        if not old.is_open or old.status in ("pending_cancel", "pending_replace"):
            return _error(422, 42210000, "order is not replaceable")
        if old.order_class == "oco":  # this fake does not model replacing an OCO member
            return _error(422, 42210000, "oco order member is not replaceable here")
        body = await self._json(request)
        client_id = str(body.get("client_order_id") or uuid.uuid4())
        if self.book.by_client_id(client_id) is not None:
            return _error(422, 40010001, "client_order_id must be unique")
        new = Order(
            old.symbol,
            old.side,
            old.type,
            str(body.get("time_in_force") or old.time_in_force),
            Decimal(str(body["qty"])) if "qty" in body else old.qty - old.filled,
            client_id,
            Decimal(str(body["limit_price"])) if "limit_price" in body else old.limit_price,
            Decimal(str(body["stop_price"])) if "stop_price" in body else old.stop_price,
            replaces=old.id,
        )
        if old.type == "trailing_stop":  # the trail (and hwm) carry over; "trail" changes it
            new.trail_price, new.trail_percent, new.hwm = (
                old.trail_price,
                old.trail_percent,
                old.hwm,
            )
            trail = body.get("trail", old.trail_price or old.trail_percent)
            trailing.set_trail(new, Decimal(str(trail)))
        new.touch()
        old.touch("pending_replace")
        self.book.orders.append(new)
        self._later(self._finish_replace, old, new)
        return web.json_response(new.to_json())

    def _finish_replace(self, old: Order, new: Order) -> None:
        old.replaced_at = old.touch("replaced")
        old.replaced_by = new.id
        self.stream.push({"event": "replaced", "order": old.to_json(), "timestamp": old.updated_at})
        self._activate(new, fill_market=False)

    # -- account -------------------------------------------------------------------------

    async def _positions(self, request: web.Request) -> web.Response:
        found = (self.book.position_json(s, self.prices.get(s, ZERO)) for s in self.book.positions)
        return web.json_response([p for p in found if p is not None])

    async def _position(self, request: web.Request) -> web.Response:
        info = asset(request.match_info["symbol"])
        symbol = info["symbol"] if info else request.match_info["symbol"]
        found = self.book.position_json(symbol, self.prices.get(symbol, ZERO))
        if found is None:
            return _error(404, 40410000, "position does not exist")
        return web.json_response(found)

    async def _account(self, request: web.Request) -> web.Response:
        return web.json_response(self.book.account_json(self.prices))

    async def _asset(self, request: web.Request) -> web.Response:
        found = asset(request.match_info["symbol"])
        if found is None:
            return _error(404, 40410000, "asset not found")
        return web.json_response(found)

    async def _fills(self, request: web.Request) -> web.Response:
        return web.json_response(self.book.fill_activities(request.query))
