"""A fake OANDA v20 venue: REST and transactions stream on two aiohttp servers.

The real oandapyV20 SDK runs against it unmodified (reference/venues.md §2):
the api and the stream are on different ports (the SDK picks the host per
endpoint), create and replace answer 201, errors carry errorCode and
errorMessage, the stream is chunked JSON lines with a HEARTBEAT every
``heartbeat_s`` (and one at once on connect, so a client knows it is up).

Both servers run on the test's event loop, and so do the controls; the SDK
calls them from its own threads over HTTP. Each stream writes every line as
its own chunk the moment it happens.

Refusals the venue's way: ``reject_next_order`` makes the next order a 201
whose batch cancels it with INSUFFICIENT_MARGIN, whatever its type (OANDA
checks margin when an order fills, and a market order fills at once; a
400 reject is for invalid orders, which the fake also gives).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

from aiohttp import web

from fakes import oanda_views as views
from fakes.base import FakeOrder
from fakes.oanda_account import INSTRUMENTS, FakeAccount, Json, Refusal, now_text
from fakes.rest import RestFake

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
_DROP = object()
_CLOSE = object()


class FakeOanda(RestFake):
    """FakeVenue for ``venue = "oanda"``."""

    venue = "oanda"
    symbol = "EUR-USD"
    quantity = Decimal("1000")
    price = Decimal("1.08462")
    symbol_table: dict[str, Any] = {
        "reference_price": "1.08462",
        "price_precision": 5,
        "quantity_precision": 0,
    }

    def __init__(
        self,
        *,
        token: str = "test-token",
        account_id: str = "101-004-1234567-001",
        heartbeat_s: float = 0.5,
        balance: Decimal = Decimal("100000"),
    ) -> None:
        super().__init__(default_body=lambda status: {"errorMessage": f"injected {status}"})
        self.token = token
        self.account_id = account_id
        self.heartbeat_s = heartbeat_s
        self.account = FakeAccount(account_id, balance=balance)
        self.account.listeners.append(self._broadcast)
        #: Stream connections accepted so far.
        self.stream_connections = 0
        self._streams: set[asyncio.Queue[object]] = set()
        #: Pricing stream connections: PRICE messages on set_price, heartbeats between.
        self._price_streams: set[asyncio.Queue[object]] = set()
        self.price_stream_connections = 0
        self._prices_silent = False
        self._refuse_prices_until = 0.0
        self._lose_next = False
        self._refuse_until = 0.0
        self._runners: list[web.AppRunner] = []
        self.api_url = self.stream_url = ""

    # -- FakeVenue -----------------------------------------------------------------

    async def start(self) -> None:
        self.api_url = await self._serve(self._api_routes())
        self.stream_url = await self._serve(
            [
                web.get("/v3/accounts/{account}/transactions/stream", self._stream),
                web.get("/v3/accounts/{account}/pricing/stream", self._price_stream),
            ]
        )

    async def _serve(self, routes: list[web.RouteDef]) -> str:
        app = web.Application(middlewares=[self._middleware])
        app.add_routes(routes)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        self._runners.append(runner)
        port = runner.addresses[0][1]
        return f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        for queue in list(self._streams | self._price_streams):
            queue.put_nowait(_CLOSE)
        for runner in self._runners:
            await runner.cleanup()
        self._runners.clear()

    def account_table(self) -> dict[str, Any]:
        return {
            "venue": "oanda",
            "environment": "practice",
            "api_url": self.api_url,
            "stream_url": self.stream_url,
            "venue_account_id": self.account_id,
            "key_env": "FG_TEST_OANDA_TOKEN",
            "symbols": {"EUR-USD": "EUR_USD"},
            "poll_interval_s": 0.2,
            "resolve_timeout_s": 3.0,
            "reconcile_interval_s": 0,
            "timeout_s": 3.0,
            "backoff_base_s": 0.02,
        }

    def environment(self) -> dict[str, str]:
        return {"FG_TEST_OANDA_TOKEN": self.token}

    def set_price(self, price: Decimal) -> None:
        self.account.prices["EUR_USD"] = price
        self.account.check_triggers()
        for queue in list(self._price_streams):
            queue.put_nowait(views.price(self.account, "EUR_USD"))

    def silence_price_streams(self, silent: bool = True) -> None:
        """Keep pricing streams open but send nothing, not even heartbeats."""
        self._prices_silent = silent

    async def drop_price_streams(self, refuse_s: float = 0.5) -> None:
        """Cut every pricing stream and answer 503 to new ones for ``refuse_s``."""
        self._refuse_prices_until = time.monotonic() + refuse_s
        for queue in list(self._price_streams):
            queue.put_nowait(_DROP)
        for _ in range(100):
            if not self._price_streams:
                break
            await asyncio.sleep(0.01)

    def fill(self, client_id: str, quantity: Decimal, price: Decimal | None = None) -> None:
        """Fill part or all of a resting order; it stays PENDING until fully filled."""
        order = self.account.find("@" + client_id)
        if order is None or order.state != "PENDING":
            raise LookupError(f"no pending order with client id {client_id!r}")
        quantity = min(quantity, abs(order.units) - order.filled)
        fill_price = price or order.price or self.account.prices[order.instrument]
        self.account.fill(order, quantity, fill_price)

    def reject_next_order(self) -> None:
        self.account.reject_next = True

    def lose_next_order_response(self) -> None:
        self._lose_next = True

    async def drop_streams(self, refuse_s: float = 0.5, *, graceful: bool = False) -> None:
        """Cut every stream (``graceful``: end its chunked body) and answer 503 for a while."""
        self._refuse_until = time.monotonic() + refuse_s
        for queue in list(self._streams):
            queue.put_nowait(_CLOSE if graceful else _DROP)
        for _ in range(100):
            if not self._streams:
                break
            await asyncio.sleep(0.01)

    def set_position(self, quantity: Decimal) -> None:
        """Set the EUR_USD net position outside any order (no transaction)."""
        self.account.positions["EUR_USD"] = (quantity, self.account.prices["EUR_USD"])

    def orders(self) -> list[FakeOrder]:
        return [
            FakeOrder(
                client_id=o.client_id,
                venue_order_id=o.id,
                symbol=o.instrument,
                side="buy" if o.units > 0 else "sell",
                quantity=abs(o.units),
                filled=o.filled,
                status=o.state,
            )
            for o in self.account.orders.values()
        ]

    # -- plumbing ------------------------------------------------------------------

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        injected = await self.intercept(request)
        if injected is not None:
            return injected
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            body = {"errorMessage": "Insufficient authorization to perform request."}
            return web.json_response(body, status=401)
        if request.match_info.get("account") != self.account_id:
            body = {"errorMessage": "Invalid value specified for 'accountID'"}
            return web.json_response(body, status=400)
        try:
            return await handler(request)
        except Refusal as refusal:
            return web.json_response(refusal.body, status=refusal.status)

    def _broadcast(self, txn: Json) -> None:
        for queue in self._streams:
            queue.put_nowait(txn)

    def _api_routes(self) -> list[web.RouteDef]:
        base = "/v3/accounts/{account}"
        get = {
            "/instruments": self._instruments,
            "/orders": self._list_orders,
            "/pendingOrders": self._pending_orders,
            "/orders/{spec}": self._order,
            "/openPositions": self._open_positions,
            "/positions": self._positions,
            "/openTrades": self._open_trades,
            "/trades/{trade}": self._trade,
            "/transactions/sinceid": self._since_id,
            "/transactions/idrange": self._id_range,
            "/transactions": self._transaction_pages,
            "/transactions/{tid}": self._transaction,
            "/summary": self._summary,
            "/pricing": self._pricing,
        }
        routes = [web.get(base + path, handler) for path, handler in get.items()]
        routes += [
            web.post(base + "/orders", self._create),
            web.put(base + "/orders/{spec}", self._replace),
            web.put(base + "/orders/{spec}/cancel", self._cancel),
        ]
        return routes

    def _ok(self, body: Json, status: int = 200) -> web.Response:
        return web.json_response(body | {"lastTransactionID": self.account.last_id}, status=status)

    # -- orders --------------------------------------------------------------------

    async def _create(self, request: web.Request) -> web.Response:
        body = await _json(request)
        lose, self._lose_next = self._lose_next, False
        try:
            answer = self.account.create(body)
        except Refusal:
            if not lose:
                raise
            answer = {}
        if lose:
            return web.json_response({"errorMessage": "Service Unavailable"}, status=503)
        return web.json_response(answer, status=201)

    async def _replace(self, request: web.Request) -> web.Response:
        answer = self.account.replace(request.match_info["spec"], await _json(request))
        return web.json_response(answer, status=201)

    async def _cancel(self, request: web.Request) -> web.Response:
        return web.json_response(self.account.cancel(request.match_info["spec"]))

    async def _order(self, request: web.Request) -> web.Response:
        order = self.account.find(request.match_info["spec"])
        if order is None:
            body = {"errorCode": "ORDER_DOESNT_EXIST", "errorMessage": "The Order does not exist"}
            return web.json_response(body, status=404)
        return self._ok({"order": order.to_json()})

    async def _list_orders(self, request: web.Request) -> web.Response:
        state = request.query.get("state", "PENDING")
        orders = [o for o in self.account.orders.values() if state in ("ALL", o.state)]
        return self._ok({"orders": [o.to_json() for o in reversed(orders)]})

    async def _pending_orders(self, request: web.Request) -> web.Response:
        pending = [o for o in self.account.orders.values() if o.state == "PENDING"]
        return self._ok({"orders": [o.to_json() for o in reversed(pending)]})

    # -- account, positions, prices ----------------------------------------------------

    async def _instruments(self, request: web.Request) -> web.Response:
        wanted = request.query.get("instruments", "")
        names = wanted.split(",") if wanted else list(INSTRUMENTS)
        found = [views.instrument(n) for n in names if n in INSTRUMENTS]
        return self._ok({"instruments": found})

    async def _open_positions(self, request: web.Request) -> web.Response:
        held = [i for i, (u, _) in self.account.positions.items() if u != 0]
        return self._ok({"positions": [views.position(self.account, i) for i in held]})

    async def _positions(self, request: web.Request) -> web.Response:
        every = [views.position(self.account, i) for i in self.account.positions]
        return self._ok({"positions": every})

    async def _open_trades(self, request: web.Request) -> web.Response:
        return self._ok({"trades": views.open_trades(self.account)})

    async def _trade(self, request: web.Request) -> web.Response:
        trade = self.account.trades.trades.get(request.match_info["trade"])
        if trade is None:
            body = {"errorCode": "TRADE_DOESNT_EXIST", "errorMessage": "The Trade does not exist"}
            return web.json_response(body, status=404)
        orders = {o.id: o.to_json() for o in self.account.orders.values()}
        return self._ok({"trade": trade.to_json(orders)})

    async def _summary(self, request: web.Request) -> web.Response:
        return self._ok({"account": views.summary(self.account)})

    async def _pricing(self, request: web.Request) -> web.Response:
        names = [n for n in request.query.get("instruments", "").split(",") if n in INSTRUMENTS]
        prices = [views.price(self.account, n) for n in names]
        return self._ok({"prices": prices, "time": now_text()})

    # -- transactions -----------------------------------------------------------------

    async def _since_id(self, request: web.Request) -> web.Response:
        after = int(request.query.get("id", "0"))
        return self._ok({"transactions": self.account.transactions[after : after + 1000]})

    async def _id_range(self, request: web.Request) -> web.Response:
        low, high = int(request.query["from"]), int(request.query["to"])
        return self._ok({"transactions": self.account.transactions[low - 1 : high]})

    async def _transaction_pages(self, request: web.Request) -> web.Response:
        start, end = request.query.get("from", ""), request.query.get("to", "~")
        size = int(request.query.get("pageSize", "100"))
        url = f"{self.api_url}/v3/accounts/{self.account_id}/transactions/idrange"
        return self._ok(views.transaction_pages(self.account, start, end, size, url))

    async def _transaction(self, request: web.Request) -> web.Response:
        tid = request.match_info["tid"]
        txns = self.account.transactions
        if not tid.isdigit() or not 0 < int(tid) <= len(txns):
            body = {"errorCode": "NO_SUCH_TRANSACTION", "errorMessage": "No such transaction"}
            return web.json_response(body, status=404)
        return self._ok({"transaction": txns[int(tid) - 1]})

    # -- stream -----------------------------------------------------------------------

    async def _stream(self, request: web.Request) -> web.StreamResponse:
        if time.monotonic() < self._refuse_until:
            return web.json_response({"errorMessage": "Service Unavailable"}, status=503)
        response = web.StreamResponse(headers={"Content-Type": "application/octet-stream"})
        response.enable_chunked_encoding()
        await response.prepare(request)
        queue: asyncio.Queue[object] = asyncio.Queue()
        self._streams.add(queue)
        self.stream_connections += 1
        try:
            item: object = self._heartbeat()
            while item is not _CLOSE:
                if item is _DROP:
                    if request.transport is not None:
                        request.transport.abort()
                    break
                await response.write(json.dumps(item).encode() + b"\n")
                try:
                    item = await asyncio.wait_for(queue.get(), self.heartbeat_s)
                except TimeoutError:
                    item = self._heartbeat()
        except (ConnectionError, RuntimeError):
            pass  # the client went away
        finally:
            self._streams.discard(queue)
        with contextlib.suppress(ConnectionError, RuntimeError):
            await response.write_eof()
        return response

    async def _price_stream(self, request: web.Request) -> web.StreamResponse:
        """``/pricing/stream``: each instrument's PRICE first, then on every change; heartbeats."""
        if time.monotonic() < self._refuse_prices_until:
            return web.json_response({"errorMessage": "Service Unavailable"}, status=503)
        names = [n for n in request.query.get("instruments", "").split(",") if n in INSTRUMENTS]
        response = web.StreamResponse(headers={"Content-Type": "application/octet-stream"})
        response.enable_chunked_encoding()
        await response.prepare(request)
        queue: asyncio.Queue[object] = asyncio.Queue()
        for name in names:
            queue.put_nowait(views.price(self.account, name))
        self._price_streams.add(queue)
        self.price_stream_connections += 1
        try:
            while True:
                try:
                    item = await asyncio.wait_for(queue.get(), self.heartbeat_s)
                except TimeoutError:
                    item = {"type": "HEARTBEAT", "time": now_text()}
                if item is _CLOSE:
                    break
                if item is _DROP:
                    if request.transport is not None:
                        request.transport.abort()
                    break
                if self._prices_silent:
                    continue
                await response.write(json.dumps(item).encode() + b"\n")
        except (ConnectionError, RuntimeError):
            pass  # the client went away
        finally:
            self._price_streams.discard(queue)
        with contextlib.suppress(ConnectionError, RuntimeError):
            await response.write_eof()
        return response

    def _heartbeat(self) -> Json:
        return {"type": "HEARTBEAT", "lastTransactionID": self.account.last_id, "time": now_text()}


async def _json(request: web.Request) -> Any:
    try:
        return json.loads(await request.text())
    except ValueError:
        return None
