"""A fake Binance spot venue: REST ``/api/v3`` and the WebSocket API ``/ws-api/v3``.

The real ccxt (``ccxt.pro.binance``) runs against it unmodified once its URLs
point here. What it checks like Binance does: the ``X-MBX-APIKEY`` header, the
HMAC-SHA256 signature over the raw query string or form body, the timestamp
against ``recvWindow``, LOT_SIZE / PRICE_FILTER / NOTIONAL filters and balances.
Errors are always JSON ``{"code": ..., "msg": ...}`` with Binance's codes.

The account starts with 1,000,000 USDT and no BTC, so the base balance (the
spot "position") equals what fillgate bought; pass ``base_balance`` to sell
first. :meth:`FakeBinance.set_position` sets the BTC balance.

Controls (plain methods, see :class:`fakes.base.FakeVenue`) plus, for driver
tests: ``fail(...)`` injects an HTTP answer for matching requests before
anything happens, ``requests`` records every request (method, path, raw
params), and ``settings()`` / ``credentials()`` point a driver at the fake.
OCO and OTOCO order lists live in :mod:`fakes.binance_oco` and
:mod:`fakes.binance_otoco`. The WebSocket API lives in :mod:`fakes.binance_ws`, the public market
streams (bookTicker) in :mod:`fakes.binance_stream`, the account in
:mod:`fakes.binance_book`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import replace
from decimal import Decimal
from types import MappingProxyType
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web

from fakes.base import FakeOrder
from fakes.binance_book import ZERO, BinanceError, Book, Order, insufficient
from fakes.binance_market import BTCUSDT, exchange_info, now_ms
from fakes.binance_oco import OrderListRoutes
from fakes.binance_otoco import OtocoLists, OtocoRoutes
from fakes.binance_stream import MarketStreams
from fakes.binance_ws import UserDataWs, check_time
from fakes.rest import RestFake
from fillgate.venues.driver import Credentials, VenueSettings
from fillgate.venues.errors import Secret

_INTERNAL = {
    "code": -1001,
    "msg": "Internal error; unable to process your request. Please try again.",
}


def _error(status: int, code: int, msg: str, headers: dict[str, str] | None = None) -> web.Response:
    return web.json_response({"code": code, "msg": msg}, status=status, headers=headers)


class FakeBinance(RestFake):
    """A Binance spot account on 127.0.0.1 trading BTCUSDT (our ``BTC-USD``)."""

    venue = "ccxt"
    symbol = "BTC-USD"
    symbol_table: dict[str, Any] = {
        "reference_price": "50000",
        "price_precision": 2,
        "quantity_precision": 5,
    }
    quantity = Decimal("0.01")
    price = Decimal("50000")

    def __init__(
        self,
        *,
        api_key: str = "fgtest-binance-key-6f0c2e",
        api_secret: str = "fgtest-binance-secret-93ab1d",
        quote_balance: Decimal = Decimal("1000000"),
        base_balance: Decimal = Decimal("0"),
        max_algo_orders: int = BTCUSDT.max_algo,
    ) -> None:
        super().__init__()
        self.api_key = api_key
        self.api_secret = api_secret
        #: BTCUSDT as this fake lists it (its MAX_NUM_ALGO_ORDERS may differ).
        self.market = replace(BTCUSDT, max_algo=max_algo_orders)
        self.book = Book([self.market], {BTCUSDT.symbol: self.price})
        self.book.set_free(BTCUSDT.quote, quote_balance)
        self.book.set_free(BTCUSDT.base, base_balance)
        self.order_lists = OtocoLists(self.book)
        self.otoco = OtocoRoutes(self, self.order_lists)
        self.port = 0
        self._reject_next = False
        self._lose_next = False
        self.ws = UserDataWs(api_key, api_secret)
        self.market_ws = MarketStreams(lambda: self.book.prices)
        self._runner: web.AppRunner | None = None

    # -- lifecycle -----------------------------------------------------------

    async def start(self) -> None:
        app = web.Application(middlewares=[self._middleware])
        app.router.add_get("/api/v3/ping", self._ping)
        app.router.add_get("/api/v3/time", self._time)
        app.router.add_get("/api/v3/exchangeInfo", self._exchange_info)
        app.router.add_get("/api/v3/ticker/bookTicker", self._book_ticker)
        app.router.add_post("/api/v3/order", self._new_order)
        app.router.add_get("/api/v3/order", self._get_order)
        app.router.add_delete("/api/v3/order", self._cancel_order)
        app.router.add_get("/api/v3/openOrders", self._open_orders)
        app.router.add_get("/api/v3/allOrders", self._all_orders)
        app.router.add_get("/api/v3/myTrades", self._my_trades)
        app.router.add_get("/api/v3/account", self._account)
        OrderListRoutes(self, self.order_lists).add_to(app)
        self.otoco.add_to(app)
        app.router.add_get("/ws-api/v3", self.ws.handle)
        app.router.add_get("/ws/{index}", self.market_ws.handle)
        app.router.add_get("/ws", self.market_ws.handle)
        app.router.add_get("/stream", self.market_ws.handle)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        await self.ws.drop(0.0)
        await self.market_ws.drop(0.0)
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def account_table(self) -> dict[str, Any]:
        return {
            "venue": "ccxt",
            "exchange": "binance",
            "environment": "live",
            "api_url": self.url,
            "key_env": "FG_TEST_BINANCE_KEY",
            "secret_env": "FG_TEST_BINANCE_SECRET",
            "symbols": {"BTC-USD": "BTC/USDT"},
            "poll_interval_s": 0.2,
            "resolve_timeout_s": 3.0,
            "reconcile_interval_s": 0,
            "timeout_s": 3.0,
            "backoff_base_s": 0.02,
        }

    def environment(self) -> dict[str, str]:
        return {"FG_TEST_BINANCE_KEY": self.api_key, "FG_TEST_BINANCE_SECRET": self.api_secret}

    def settings(self, **overrides: Any) -> VenueSettings:
        """Settings that point a driver straight at this fake (for driver tests)."""
        fields: dict[str, Any] = {
            "account": "acct",
            "venue": "ccxt",
            "exchange": "binance",
            "environment": "live",
            "api_url": self.url,
            "symbols": MappingProxyType({"BTC-USD": "BTC/USDT"}),
            "timeout_s": 2.0,
        }
        return VenueSettings(**(fields | overrides))

    def credentials(self) -> Credentials:
        return Credentials(key=Secret(self.api_key), secret=Secret(self.api_secret))

    # -- controls ------------------------------------------------------------

    def set_price(self, price: Decimal) -> None:
        self._publish(self.book.set_price(BTCUSDT.symbol, price))
        self.market_ws.publish(BTCUSDT.symbol)

    def silence_price_streams(self, silent: bool = True) -> None:
        """Keep bookTicker streams open but send nothing."""
        self.market_ws.silence(silent)

    async def drop_price_streams(self, refuse_s: float = 0.5) -> None:
        """Cut every bookTicker stream and answer 503 to new ones for ``refuse_s``."""
        await self.market_ws.drop(refuse_s)

    def fill(self, client_id: str, quantity: Decimal, price: Decimal | None = None) -> None:
        order = self.book.by_client_id(client_id)
        at = price if price is not None else order.price or self.book.prices[order.symbol]
        self._publish([*self.book.execute(order, quantity, at), self.book.account_event()])

    def reject_next_order(self) -> None:
        self._reject_next = True

    def lose_next_order_response(self) -> None:
        self._lose_next = True

    async def drop_streams(self, refuse_s: float = 0.5) -> None:
        await self.ws.drop(refuse_s)

    def set_position(self, quantity: Decimal) -> None:
        locked = self.book.balances.get(BTCUSDT.base, [ZERO, ZERO])[1]
        if quantity < locked:
            raise ValueError("a spot balance cannot drop below what open orders lock")
        self._publish(self.book.set_free(BTCUSDT.base, quantity - locked))

    def orders(self) -> list[FakeOrder]:
        return [
            FakeOrder(
                client_id=o.client_id,
                venue_order_id=str(o.order_id),
                symbol="BTC/USDT",
                side=o.side.lower(),
                quantity=o.qty,
                filled=o.executed,
                status=o.status,
            )
            for o in self.book.orders
        ]

    # -- plumbing --------------------------------------------------------------

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Any) -> web.StreamResponse:
        injected = await self.intercept(request)
        if injected is not None:
            return injected
        try:
            response: web.StreamResponse = await handler(request)
            return response
        except BinanceError as exc:
            return _error(exc.status, exc.code, exc.msg)
        except web.HTTPNotFound:
            return _error(404, -1000, "Unknown path.")

    async def _signed(self, request: web.Request) -> dict[str, str]:
        """Check key, signature and timestamp; return the request's parameters."""
        if request.headers.get("X-MBX-APIKEY") != self.api_key:
            raise BinanceError(401, -2015, "Invalid API-key, IP, or permissions for action.")
        raw = request.raw_path.partition("?")[2]
        if request.method == "POST":
            raw += await request.text()
        parts = raw.split("&")
        signature = next((p[10:] for p in parts if p.startswith("signature=")), "")
        payload = "&".join(p for p in parts if not p.startswith("signature="))
        expected = hmac.new(self.api_secret.encode(), payload.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(signature, expected):
            raise BinanceError(400, -1022, "Signature for this request is not valid.")
        params = dict(parse_qsl(payload, keep_blank_values=True))
        check_time(params)
        return params

    def _publish(self, events: list[dict[str, Any]]) -> None:
        self.ws.publish(events)

    # -- REST ------------------------------------------------------------------

    async def _ping(self, request: web.Request) -> web.Response:
        return web.json_response({})

    async def _time(self, request: web.Request) -> web.Response:
        return web.json_response({"serverTime": now_ms()})

    async def _exchange_info(self, request: web.Request) -> web.Response:
        return web.json_response(exchange_info([self.market]))

    async def _book_ticker(self, request: web.Request) -> web.Response:
        """Best bid and ask per symbol; the fake's book has one price (bid = ask)."""
        wanted = json.loads(request.query.get("symbols", "[]")) or list(self.book.prices)
        rows = [
            {
                "symbol": s,
                "bidPrice": str(self.book.prices[s]),
                "bidQty": "1.00000000",
                "askPrice": str(self.book.prices[s]),
                "askQty": "1.00000000",
            }
            for s in wanted
            if s in self.book.prices
        ]
        return web.json_response(rows)

    async def _new_order(self, request: web.Request) -> web.Response:
        params = await self._signed(request)
        if self._reject_next:
            self._reject_next = False
            raise insufficient()
        client_id = params.get("newClientOrderId") or f"web_{now_ms():x}"
        order, events = self.book.new_order(params, client_id)
        self._publish(events)
        if self._lose_next:
            self._lose_next = False
            return web.json_response(_INTERNAL, status=503)
        return web.json_response(self._new_order_json(order, params.get("newOrderRespType")))

    @staticmethod
    def _new_order_json(order: Order, resp_type: str | None) -> dict[str, Any]:
        ack = {
            "symbol": order.symbol,
            "orderId": order.order_id,
            "orderListId": -1,
            "clientOrderId": order.client_id,
            "transactTime": order.update,
        }
        if resp_type == "ACK":
            return ack
        full = order.rest_json()
        for key in ("icebergQty", "time", "updateTime", "isWorking"):
            full.pop(key)
        if not order.stop:
            full.pop("stopPrice")
        result = ack | full
        if resp_type != "RESULT":
            result["fills"] = list(order.fills)
        return result

    async def _get_order(self, request: web.Request) -> web.Response:
        p = await self._signed(request)
        order = self.book.find(p.get("symbol", ""), p.get("orderId"), p.get("origClientOrderId"))
        return web.json_response(order.rest_json())

    async def _cancel_order(self, request: web.Request) -> web.Response:
        p = await self._signed(request)
        try:
            order = self.book.find(
                p.get("symbol", ""), p.get("orderId"), p.get("origClientOrderId")
            )
        except BinanceError:
            raise BinanceError(400, -2011, "Unknown order sent.") from None
        cancel_id = p.get("newClientOrderId") or self.book.new_cancel_id()
        self._publish(self.book.cancel(order, cancel_id))
        body = order.rest_json()
        for key in ("stopPrice", "icebergQty", "time", "updateTime", "isWorking", "workingTime"):
            body.pop(key)
        body.update(origClientOrderId=order.client_id, clientOrderId=cancel_id)
        body["transactTime"] = order.update
        return web.json_response(body)

    async def _open_orders(self, request: web.Request) -> web.Response:
        p = await self._signed(request)
        symbol = p.get("symbol")
        return web.json_response(
            [
                o.rest_json()
                for o in self.book.orders
                if (o.is_open or o.status == "PENDING_NEW")  # an OTOCO's pending legs too
                and (symbol is None or o.symbol == symbol)
            ]
        )

    async def _all_orders(self, request: web.Request) -> web.Response:
        p = await self._signed(request)
        if "symbol" not in p:
            raise BinanceError(400, -1102, "Mandatory parameter 'symbol' was not sent.")
        return web.json_response(
            [o.rest_json() for o in self.book.orders if o.symbol == p["symbol"]]
        )

    async def _my_trades(self, request: web.Request) -> web.Response:
        p = await self._signed(request)
        if "symbol" not in p:
            raise BinanceError(400, -1102, "Mandatory parameter 'symbol' was not sent.")
        limit = min(int(p.get("limit", 500)), 1000)
        trades = [t for t in self.book.trades if t["symbol"] == p["symbol"]]
        if "orderId" in p:
            trades = [t for t in trades if str(t["orderId"]) == p["orderId"]]
        if "fromId" in p:
            trades = [t for t in trades if t["id"] >= int(p["fromId"])][:limit]
        elif "startTime" in p or "endTime" in p:
            start = int(p.get("startTime", 0))
            end = int(p.get("endTime", start + 24 * 3600 * 1000))
            trades = [t for t in trades if start <= t["time"] <= end][:limit]
        else:
            trades = trades[-limit:]
        return web.json_response(trades)

    async def _account(self, request: web.Request) -> web.Response:
        await self._signed(request)
        return web.json_response(self.book.account_json())
