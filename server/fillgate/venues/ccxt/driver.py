"""The ccxt driver: a crypto exchange (tested against Binance spot) through ``ccxt.pro``.

One ``ccxt.pro`` instance per driver serves REST and the WebSocket user-data
stream on the running loop (it is native asyncio: no threads). Amounts and
prices go to ccxt as exact decimal strings; answers are read from the
venue's own ``info`` strings (:mod:`.translate`), never ccxt's floats.

Symbols: ``settings.symbols`` maps ours to ccxt's (``BTC-USD = "BTC/USDT"``);
an unlisted symbol maps by rule (``ETH-USD`` -> ``ETH/USD``). The symbols
queried for reconciliation are the listed ones plus any the venue accepted
an order in through this driver.

Orders: market, limit, stop (Binance ``STOP_LOSS``) and stop-limit
(``STOP_LOSS_LIMIT``); ccxt refuses a stop type the market's ``orderTypes``
lack with ``InvalidOrder`` (REJECTED). Binance has no DAY time in force.
Replace is not native: the runtime cancels and places a chained id.
A bracket's take-profit and stop rest as one OCO order list (:mod:`.oco`), or
ride on a LIMIT entry as one OTOCO list (:mod:`.otoco`).

Fees are in the venue's commission asset (``commissionAsset`` / ``N``).

Account money: ``fetch_account`` values the spot balances in the quote asset
of the configured symbols (:mod:`.account`).

Instruments: the loaded markets' filters (:mod:`.markets`).

Quotes: ``fetch_quotes`` reads ``/ticker/bookTicker``; ``quote_stream``
watches the ``bookTicker`` market stream (:mod:`.quotes`).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Mapping
from decimal import Decimal
from typing import Any

from ccxt.base.errors import InvalidOrder, NotSupported, OrderNotFound

from fillgate.domain.enums import OrderType, Side, TimeInForce
from fillgate.domain.values import ZERO, fmt
from fillgate.venues.ccxt import account, markets, oco, otoco, translate
from fillgate.venues.ccxt.errors import answer_of, classify, remember_answer
from fillgate.venues.ccxt.exchange import create_exchange
from fillgate.venues.ccxt.quotes import QuoteStream
from fillgate.venues.ccxt.settings import RULES
from fillgate.venues.ccxt.stream import UserStream
from fillgate.venues.driver import ClientIdRule, Credentials, RateLimit, VenueSettings
from fillgate.venues.errors import VenueFailure
from fillgate.venues.types import (
    EntryProtection,
    Instrument,
    PlaceRequest,
    StreamStatus,
    VenueAccount,
    VenueBalance,
    VenueFill,
    VenueOrder,
    VenuePosition,
    VenueQuote,
    VenueRef,
    VenueReport,
    VenueStatus,
)

#: Binance spot: 100 orders per 10 s per account (the tighter of its published
#: limits for trading; 6000 request weight per minute covers reads at ~100/s).
BINANCE_LIMITS = RateLimit(per_second=10.0, burst=50)
#: Binance ``newClientOrderId``: ``^[.A-Z:/a-z0-9_-]{1,36}$``.
BINANCE_CLIENT_IDS = ClientIdRule(max_length=36, extra_chars=".:/_-")
#: Binance caps a page of ``myTrades`` at 1000 rows.
_PAGE = 1000
_DAY_MS = 24 * 3600 * 1000
_TIME_IN_FORCE = {TimeInForce.GTC: "GTC", TimeInForce.IOC: "IOC", TimeInForce.FOK: "FOK"}


class CcxtDriver:
    """A :class:`~fillgate.venues.driver.VenueDriver` over one ccxt.pro exchange."""

    native_replace = False
    limits = BINANCE_LIMITS
    client_ids = BINANCE_CLIENT_IDS
    #: Spot: a resting sell locks the base asset it sells (Binance: "insufficient balance"
    #: for a second sell of the same coins), so brackets keep their stop in fillgate.
    sells_hold_balance = True

    def __init__(self, settings: VenueSettings, credentials: Credentials) -> None:
        if settings.environment not in ("", *RULES.environments):
            raise ValueError(
                f"accounts.{settings.account}: environment must be live or testnet for ccxt, "
                f"not {settings.environment!r}"
            )
        self.settings = settings
        self.exchange_id = settings.exchange or "binance"
        self.name = f"ccxt:{self.exchange_id}"
        self.secrets = credentials.values()
        self._credentials = credentials
        self._exchange: Any = None
        #: A second instance for the quote stream (see :mod:`.quotes`), made on first use.
        self._quote_exchange: Any = None
        self._symbols: dict[str, str] = dict(settings.symbols)
        self._ours: dict[str, str] = {v: k for k, v in self._symbols.items()}
        self._closing = asyncio.Event()
        #: OCO order lists (:mod:`.oco`) are Binance's: other exchanges keep emulating.
        self.native_oco = self.exchange_id == "binance"
        #: Its stop leg may be a stop-limit (``STOP_LOSS_LIMIT``).
        self.oco_stop_limit = self.native_oco
        #: An OCO list from SubmitOrderList (a limit and a stop) goes as one order list:
        #: separate sells would each lock the coins, so the second would be refused.
        self.list_oco = self.native_oco
        #: Binance trails a stop itself by a percent in whole basis points
        #: (``trailingDelta``), alone or as the OCO's stop leg (``oco_trail``); an
        #: amount trail rests as a plain stop that fillgate moves.
        self.native_trail = frozenset({"trail_percent"}) if self.native_oco else frozenset()
        self.oco_trail = self.native_oco
        self.trail_percent_places = 2

    def __repr__(self) -> str:
        return f"CcxtDriver(account={self.settings.account!r}, exchange={self.exchange_id!r})"

    def classify(self, exc: BaseException) -> VenueFailure:
        headers, body = answer_of(exc)
        return classify(exc, secrets=self.secrets, headers=headers, body=body)

    async def _rest(self, method: str, *args: Any) -> Any:
        """Call a ccxt method; a failure keeps the HTTP answer that caused it.

        ccxt remembers only its latest answer (``last_response_headers``,
        ``last_http_response``); it is read here, as the failure surfaces and
        before a concurrent call replaces it, for ``classify`` (code, Retry-After).
        """
        exchange = self._ex
        try:
            return await getattr(exchange, method)(*args)
        except Exception as exc:
            remember_answer(exc, exchange.last_response_headers, exchange.last_http_response)
            raise

    # -- symbols -----------------------------------------------------------------

    def venue_symbol(self, symbol: str) -> str:
        """Our symbol -> ccxt's: the configured map, else dash to slash."""
        return self._symbols.get(symbol) or symbol.replace("-", "/")

    def our_symbol(self, venue_symbol: str) -> str:
        return self._ours.get(venue_symbol) or venue_symbol.replace("/", "-")

    def _symbol_of(self, market_id: object) -> str:
        """Our symbol for a venue market id (``BTCUSDT``)."""
        return self.our_symbol(self._ex.safe_symbol(str(market_id), None, None, "spot"))

    @property
    def _ex(self) -> Any:
        if self._exchange is None:
            raise NotSupported(f"{self.name}: the driver is not open")
        return self._exchange

    # -- lifecycle -----------------------------------------------------------------

    async def open(self) -> Mapping[str, Instrument]:
        if self._exchange is None:
            self._closing.clear()
            self._exchange = create_exchange(self.settings, self._credentials)
        await self._rest("load_markets")
        return {
            ours: markets.instrument(self._ex, ours, venue) for ours, venue in self._symbols.items()
        }

    async def close(self) -> None:
        self._closing.set()
        exchange, self._exchange = self._exchange, None
        quoting, self._quote_exchange = self._quote_exchange, None
        for instance in (quoting, exchange):
            if instance is not None:
                await instance.close()

    # -- orders --------------------------------------------------------------------

    async def place(self, request: PlaceRequest) -> VenueReport:
        venue = self.venue_symbol(request.symbol)
        if request.protection is not None:  # a bracket's entry: its exits ride on it
            report = await otoco.place_otoco(self, request)
        else:
            kind, price, params = self._order_terms(request)
            side = "buy" if request.side is Side.BUY else "sell"
            order = await self._rest(
                "create_order", venue, kind, side, fmt(request.quantity), price, params
            )
            report = self._rest_report(order, request.symbol)
        # Reconciliation now covers this symbol too (only once the venue took an order in it).
        self._symbols.setdefault(request.symbol, venue)
        return report

    def with_entry_fits(
        self, symbol: str, entry_type: OrderType, tif: TimeInForce, exits: EntryProtection
    ) -> bool:
        """A take-profit price and a fixed stop ride on a LIMIT GTC entry as one Binance
        OTOCO order list, a fixed stop alone as one OTO order list (see :mod:`.otoco`)."""
        return self.native_oco and otoco.fits(entry_type, tif, exits)

    async def entry_leg(self, member: PlaceRequest, entry_client_id: str) -> VenueOrder | None:
        """The OTOCO leg ``member`` binds to, found by the member's client id; None when
        there is none that fits (a working leg that does not fit is canceled)."""
        return await otoco.entry_leg(self, member)

    @staticmethod
    def _order_terms(request: PlaceRequest) -> tuple[str, str | None, dict[str, str]]:
        """ccxt's (type, price, params) for a request; InvalidOrder when it cannot be sent."""
        params = {"clientOrderId": request.client_id}
        kind = "limit" if request.type.needs_limit else "market"
        if request.type.needs_limit and request.limit_price is None:
            raise InvalidOrder(f"a {request.type.name} order needs a limit price")
        if request.type.needs_stop and request.trail_percent is not None:
            # ccxt sends trailingDelta = the percent x 100 (basis points) on a STOP_LOSS,
            # with no stopPrice: Binance trails from the best trade price since placing.
            oco.trail_bips(request.trail_percent)  # whole basis points, or InvalidOrder
            params["trailingPercent"] = fmt(request.trail_percent)
            params["stopLossOrTakeProfit"] = "stopLoss"
        elif request.type.needs_stop:
            if request.stop_price is None:
                raise InvalidOrder(f"a {request.type.name} order needs a stop price")
            # ccxt turns this into STOP_LOSS (market) / STOP_LOSS_LIMIT on spot.
            params["stopLossPrice"] = fmt(request.stop_price)
        if request.type.needs_limit:
            tif = _TIME_IN_FORCE.get(request.time_in_force)
            if tif is None:
                raise InvalidOrder(f"time in force {request.time_in_force.name} is not offered")
            params["timeInForce"] = tif
        # A market order must go without a price: ccxt would turn it into a quote amount.
        price = fmt(request.limit_price) if request.type.needs_limit else None
        return kind, price, params

    async def cancel(self, ref: VenueRef) -> VenueReport | None:
        venue = self.venue_symbol(ref.symbol)
        if ref.venue_order_id:
            answer = await self._rest("cancel_order", ref.venue_order_id, venue)
        else:
            answer = await self._rest("cancel_order", None, venue, {"clientOrderId": ref.client_id})
        info = (answer or {}).get("info")
        if not info or "orderId" not in info:
            return None
        return VenueReport(order=translate.rest_order(info, ref.symbol))

    async def place_oco(
        self, take_profit: PlaceRequest, stop: PlaceRequest
    ) -> tuple[VenueReport, VenueOrder | None]:
        """A take-profit and a stop as ONE Binance OCO order list (see :mod:`.oco`)."""
        answer = await oco.place_oco(self, take_profit, stop)
        self._symbols.setdefault(take_profit.symbol, self.venue_symbol(take_profit.symbol))
        return answer

    async def replace(self, ref: VenueRef, request: PlaceRequest) -> VenueReport:
        raise NotSupported(f"{self.name}: no native replace (cancel + new instead)")

    async def fetch_order(self, symbol: str, client_id: str) -> VenueReport | None:
        """The order by client id, with all its fills when it has any; None if unknown."""
        venue = self.venue_symbol(symbol)
        try:
            answer = await self._rest("fetch_order", None, venue, {"clientOrderId": client_id})
        except OrderNotFound:
            return None
        order = translate.rest_order(answer["info"], symbol)
        if not order.filled_quantity:
            return VenueReport(order=order)
        trades = await self._rest(
            "fetch_my_trades", venue, None, _PAGE, {"orderId": order.venue_order_id}
        )
        fills = [translate.trade_fill(t["info"], symbol, order.client_id) for t in trades]
        if len(trades) < _PAGE:  # every fill of the order: cumulative quantities are exact
            fills = translate.with_cumulative(fills)
        return VenueReport(order=order, fills=tuple(fills))

    def _rest_report(self, answer: Mapping[str, Any], symbol: str) -> VenueReport:
        order = translate.rest_order(answer["info"], symbol)
        return VenueReport(order=order, fills=translate.rest_fills(answer["info"], order))

    # -- reconciliation ------------------------------------------------------------

    async def fetch_open_orders(self) -> list[VenueOrder]:
        orders = []
        for ours, venue in list(self._symbols.items()):
            for answer in await self._rest("fetch_open_orders", venue):
                order = translate.rest_order(answer["info"], ours)
                # An OTOCO's pending exits (PENDING_NEW) are part of their entry, not working.
                if order.status is not VenueStatus.PENDING:
                    orders.append(order)
        return orders

    async def fetch_fills(self, since_ns: int) -> list[VenueFill]:
        """Every fill since ``since_ns`` in the tracked symbols (more is fine).

        Binance answers at most 1000 rows, and a ``startTime`` window spans at
        most 24 h. A recent ``since`` pages forward by trade id until a short
        page, so a full page never hides the rest. A ``since`` older than 24 h
        (0 on the first sync) gets the latest 1000 fills per symbol: older
        orders are resolved one by one with :meth:`fetch_order`.
        """
        since_ms = max(0, since_ns // 1_000_000)
        recent = self._ex.milliseconds() - since_ms < _DAY_MS
        fills = []
        for ours, venue in list(self._symbols.items()):
            if not recent:
                page = await self._rest("fetch_my_trades", venue, None, _PAGE)
                fills += [translate.trade_fill(t["info"], ours) for t in page]
                continue
            page = await self._rest("fetch_my_trades", venue, since_ms, _PAGE)
            while True:
                fills += [translate.trade_fill(t["info"], ours) for t in page]
                if len(page) < _PAGE:
                    break
                next_id = max(int(t["info"]["id"]) for t in page) + 1
                page = await self._rest("fetch_my_trades", venue, None, _PAGE, {"fromId": next_id})
        return [f for f in fills if f.ts_ns >= since_ms * 1_000_000]

    async def _balances(self) -> dict[str, tuple[Decimal, Decimal]]:
        """Asset -> (free, locked), as the venue states them."""
        answer = await self._rest("fetch_balance")
        rows = (answer.get("info") or {}).get("balances") or ()
        return {
            str(row["asset"]): (translate.dec(row["free"]), translate.dec(row["locked"]))
            for row in rows
        }

    async def fetch_balances(self) -> list[VenueBalance]:
        """Non-zero balances: total is free + locked (in open orders)."""
        return [
            VenueBalance(asset=asset, total=free + locked, available=free)
            for asset, (free, locked) in sorted((await self._balances()).items())
            if free or locked
        ]

    async def fetch_quotes(self, symbols: list[str]) -> list[VenueQuote]:
        """Best bid and ask (Binance ``/ticker/bookTicker``), read from the venue's strings.

        ccxt's unified ticker holds floats; the raw answer (``info``) keeps the
        exact decimal strings. Only the account's mapped symbols are asked for.
        """
        wanted = [self._symbols[s] for s in symbols if s in self._symbols]
        if not wanted:
            return []
        answer = await self._rest("fetch_bids_asks", wanted)
        quotes = []
        for venue_symbol, ticker in answer.items():
            info = ticker.get("info") or {}
            quotes.append(
                VenueQuote(
                    symbol=self.our_symbol(venue_symbol),
                    bid=translate.opt_dec(info.get("bidPrice")),
                    ask=translate.opt_dec(info.get("askPrice")),
                    ts_ns=int(ticker["timestamp"]) * 1_000_000 if ticker.get("timestamp") else 0,
                )
            )
        return quotes

    def quote_stream(self, symbols: list[str]) -> AsyncGenerator[VenueQuote | StreamStatus, None]:
        """Streamed best bid and ask of the mapped ``symbols`` (see :mod:`.quotes`)."""
        wanted = {self._symbols[s]: s for s in symbols if s in self._symbols}
        return QuoteStream(self, wanted, account=self.settings.account).run()

    def quote_exchange(self) -> Any:
        """The quote stream's ccxt.pro instance, sharing the open instance's markets."""
        if self._quote_exchange is None:
            markets = self._ex.markets  # NotSupported when the driver is not open
            self._quote_exchange = create_exchange(self.settings, self._credentials)
            self._quote_exchange.set_markets(list(markets.values()))
        return self._quote_exchange

    async def fetch_positions(self) -> list[VenuePosition]:
        """Spot has no positions: each tracked symbol's base-asset balance stands in."""
        balances = await self._balances()
        positions = []
        for ours, venue in list(self._symbols.items()):
            base = str(self._ex.market(venue)["baseId"])
            free, locked = balances.get(base, (ZERO, ZERO))
            positions.append(VenuePosition(symbol=ours, quantity=free + locked))
        return positions

    async def fetch_account(self) -> VenueAccount:
        """Cash, equity, buying power in the configured quote asset (see :mod:`.account`)."""
        pairs = [
            account.Pair(ours, str(market["baseId"]), str(market["quoteId"]))
            for ours, market in ((o, self._ex.market(v)) for o, v in self.settings.symbols.items())
        ]
        return await account.read(pairs, await self._balances(), self.fetch_quotes)

    # -- stream ----------------------------------------------------------------------

    def stream(self) -> AsyncGenerator[VenueReport | StreamStatus, None]:
        """User-data events as reports; see :class:`~.stream.UserStream` for up/down."""
        settings = self.settings
        return UserStream(self, account=settings.account, timeout_s=settings.timeout_s).run()

    def closing(self) -> asyncio.Event:
        """Set once :meth:`close` began: the stream ends instead of reconnecting."""
        return self._closing

    def exchange(self) -> Any:
        """The open ccxt.pro instance (NotSupported when not open)."""
        return self._ex

    def trade_report(self, trade: Mapping[str, Any]) -> VenueReport | None:
        """A ``watch_my_trades`` item: one execution and the order's state after it."""
        event = trade.get("info") or {}
        if event.get("e") != "executionReport" or event.get("x") != "TRADE":
            return None
        order = translate.event_order(event, self._symbol_of(event.get("s")))
        return VenueReport(order=order, fills=(translate.event_fill(event, order),))

    def order_report(self, order: Mapping[str, Any]) -> VenueReport | None:
        """A ``watch_orders`` item, unless its latest event is a trade (reported with its fill)."""
        event = order.get("info") or {}
        if event.get("e") != "executionReport" or event.get("x") == "TRADE":
            return None
        if event.get("X") == "PENDING_NEW":  # an OTOCO's exit, waiting for its entry
            return None
        return VenueReport(order=translate.event_order(event, self._symbol_of(event.get("s"))))
