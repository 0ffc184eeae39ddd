"""The Alpaca driver: alpaca-py's TradingClient and TradingStream behind the VenueDriver protocol.

REST goes through one blocking ``TradingClient`` (``raw_data=True``, so
decimals stay strings) on the driver's own thread, one attempt per call and
``settings.timeout_s`` (:mod:`.rest`): alpaca-py would otherwise re-send
POST /v2/orders on a 504 and sleep on the worker thread.

Rate limit: Alpaca allows 200 requests per minute per account (paper and
live): 3.33/s with a burst of 10, so a burst cannot outrun the minute's
budget by much. ``settings.rate_per_s`` / ``rate_burst`` override it.

Replace is native (PATCH /v2/orders/{id}): the answer is a *new* venue order
carrying ``request.client_id`` and ``replaces``; the old one ends ``replaced``.
alpaca-py types the replace ``qty`` as an int, so a fractional replacement
goes out through the client's generic ``patch`` with the same body.

Fills arrive only on the stream (``execution_id``) and from the FILL account
activities; an order answer carries no executions, only ``filled_qty``.

Quotes come from Alpaca's market data API, not the trading API (:mod:`.market_data`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import replace
from datetime import date
from typing import Any, TypeVar

from fillgate.domain.enums import OrderType, TimeInForce
from fillgate.domain.market_days import MarketClock, MarketDay
from fillgate.domain.values import Clock
from fillgate.venues.alpaca import bracket, order_requests, translate
from fillgate.venues.alpaca.errors import classify
from fillgate.venues.alpaca.market_clock import market_clock, market_days
from fillgate.venues.alpaca.market_data import MarketData
from fillgate.venues.alpaca.rest import one_attempt
from fillgate.venues.alpaca.sdk import (
    GetCalendarRequest,
    GetOrdersRequest,
    QueryOrderStatus,
    ReplaceOrderRequest,
    TradingClient,
)
from fillgate.venues.alpaca.settings import RULES
from fillgate.venues.alpaca.stream import StreamRun
from fillgate.venues.common.blocking import BlockingCaller
from fillgate.venues.driver import ClientIdRule, Credentials, RateLimit, VenueSettings
from fillgate.venues.errors import ErrorKind, VenueFailure, redact
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
)

log = logging.getLogger(__name__)
T = TypeVar("T")

RATE_PER_S = 200 / 60
RATE_BURST = 10
#: Alpaca's largest page for GET /v2/orders; more open orders than this are not listed.
ORDERS_PAGE = 500
#: FILL activities per page, and the most pages one backfill reads.
ACTIVITIES_PAGE = 100
MAX_ACTIVITY_PAGES = 50
#: Pause before starting a fresh TradingStream after the SDK's task died.
RESTART_DELAY_S = 0.5


class AlpacaDriver:
    """One Alpaca account (paper or live). See the module docstring."""

    name = "alpaca"
    native_replace = True
    #: A bracket's plain trailing stop rests as a type=trailing_stop order (trail_price or
    #: trail_percent) that Alpaca moves from the high-water mark; it cannot be an OCO leg.
    native_trail = frozenset({"trail", "trail_percent"})
    #: A SubmitOrderList OCO of a limit and a stop that closes a position held goes as
    #: one order_class=oco order; Alpaca's OCO orders are exits only.
    list_oco = True
    list_oco_exits_only = True
    client_ids = ClientIdRule(max_length=128, extra_chars=":._-")

    def __init__(self, settings: VenueSettings, credentials: Credentials, *, clock: Clock) -> None:
        if settings.environment not in ("", *RULES.environments):
            raise ValueError(f"alpaca environment must be paper or live: {settings.environment!r}")
        self.settings = settings
        self._clock = clock
        self.secrets = credentials.values()
        self.limits = RateLimit(
            per_second=settings.rate_per_s or RATE_PER_S,
            burst=settings.rate_burst or RATE_BURST,
        )
        self._credentials = credentials
        self._paper = settings.environment != "live"
        self._symbols = translate.SymbolMap(settings.symbols)
        self._caller = BlockingCaller(f"alpaca-{settings.account}")
        self._client = TradingClient(
            credentials.key.reveal(),
            credentials.secret.reveal(),
            paper=self._paper,
            raw_data=True,
            url_override=settings.api_url or None,
        )
        #: Our symbols whose asset class is crypto (known once opened).
        self._crypto: set[str] = set()
        self._market_data = MarketData(
            settings,
            credentials,
            self._symbols,
            caller=self._caller,
            is_crypto=self._is_crypto,
            closed=self._is_closed,
            restart_delay_s=RESTART_DELAY_S,
        )
        for client in (self._client, *self._market_data.clients):
            one_attempt(client, settings.timeout_s)
        self._runs: set[StreamRun] = set()
        self._generation = 0
        self._closed = False

    def __repr__(self) -> str:
        env = "paper" if self._paper else "live"
        return f"AlpacaDriver(account={self.settings.account!r}, environment={env!r})"

    def classify(self, exc: BaseException) -> VenueFailure:
        return classify(exc, self.secrets, self._clock)

    async def _call(self, fn: Callable[..., T], *args: Any) -> T:
        return await self._caller.call(fn, *args)

    # -- lifecycle ---------------------------------------------------------

    async def open(self) -> Mapping[str, Instrument]:
        """Check the keys (GET /v2/account), then load each mapped symbol's asset."""
        await self._call(self._client.get_account)
        return await self.fetch_instruments()

    async def fetch_instruments(self) -> Mapping[str, Instrument]:
        """Each mapped symbol's asset (GET /v2/assets/{symbol}): increments, and halts."""
        instruments: dict[str, Instrument] = {}
        for ours in self._symbols.configured:
            venue = self._symbols.venue(ours)
            try:
                answer = await self._call(self._client.get_asset, venue)
            except Exception as exc:
                failure = self.classify(exc)
                if failure.kind is ErrorKind.NOT_FOUND:
                    raise VenueFailure(
                        ErrorKind.FATAL, f"alpaca has no asset {venue!r}", code=failure.code
                    ) from None
                raise
            asset = translate.mapping(answer)
            instrument = translate.instrument(ours, asset)
            if asset.get("class") == "crypto":
                self._crypto.add(ours)
            if asset.get("tradable") is False or asset.get("status", "active") != "active":
                # A halt, not a wrong configuration: the account still connects, and
                # new orders in this symbol are denied SYMBOL_NOT_TRADING.
                log.warning("event=venue_symbol_halted venue=alpaca symbol=%s", venue)
                instrument = replace(instrument, trading=False)
            instruments[ours] = instrument
        return instruments

    async def close(self) -> None:
        """Stop the stream (promptly) and release the REST thread and session."""
        if self._closed:
            return
        self._closed = True
        for run in list(self._runs):
            await run.stop()
        await self._market_data.stop()
        try:
            for client in (self._client, *self._market_data.clients):
                await self._call(client._session.close)
        except Exception as exc:  # closing is best effort
            log.debug("alpaca session close failed: %s", type(exc).__name__)
        self._caller.shutdown()

    # -- orders --------------------------------------------------------------

    def with_entry_fits(
        self, symbol: str, entry_type: OrderType, tif: TimeInForce, exits: EntryProtection
    ) -> bool:
        """A fixed stop and a take-profit price ride on a DAY/GTC market or limit equity
        entry as one ``order_class=bracket`` order, a fixed stop alone as one
        ``order_class=oto`` order (see :mod:`.bracket`)."""
        return bracket.fits(self._is_crypto(symbol), entry_type, tif, exits)

    async def entry_leg(self, member: PlaceRequest, parent_client_id: str) -> VenueOrder | None:
        """The leg of the bracket order ``parent_client_id`` that ``member`` binds to; None
        when there is none that fits (a working leg that does not fit is canceled)."""
        try:
            raw = await self._call(self._client.get_order_by_client_id, parent_client_id)
        except Exception as exc:
            if self.classify(exc).kind is ErrorKind.NOT_FOUND:
                return None
            raise
        leg, stale = bracket.leg_for(translate.mapping(raw), member, self._symbols)
        if stale is not None:
            log.warning(
                "event=alpaca_bracket_leg_not_bound venue_order_id=%s", stale.venue_order_id
            )
            await self._call(self._client.cancel_order_by_id, stale.venue_order_id)
        return leg

    async def place(self, request: PlaceRequest) -> VenueReport:
        """POST /v2/orders (the model: :func:`.order_requests.place_model`)."""
        order_request = order_requests.place_model(request, self._symbols)
        raw = await self._call(self._client.submit_order, order_request)
        return VenueReport(order=translate.order(translate.mapping(raw), self._symbols))

    async def place_oco(
        self, take_profit: PlaceRequest, stop: PlaceRequest
    ) -> tuple[VenueReport, VenueOrder | None]:
        """Place a take-profit limit and a stop as ONE Alpaca OCO order (order_class oco).

        The take-profit is the parent (our client id); the stop its one leg (its own
        venue order id, a client id Alpaca makes up). Returns the parent's report
        and the stop leg (None when the answer lists no leg).
        """
        model = order_requests.oco_model(take_profit, stop, self._symbols)
        raw = translate.mapping(await self._call(self._client.submit_order, model))
        leg = translate.oco_leg(raw, self._symbols)
        return VenueReport(order=translate.order(raw, self._symbols)), leg

    async def fetch_order_by_id(self, venue_order_id: str) -> VenueReport | None:
        """GET /v2/orders/{id} (an OCO leg has no client id of ours); None on 404."""
        try:
            raw = await self._call(self._client.get_order_by_id, venue_order_id)
        except Exception as exc:
            if self.classify(exc).kind is ErrorKind.NOT_FOUND:
                return None
            raise
        return VenueReport(order=translate.order(translate.mapping(raw), self._symbols))

    async def oco_leg(self, venue_order_id: str) -> VenueOrder | None:
        """The stop leg of the OCO order ``venue_order_id`` (None when it lists none)."""
        raw = await self._call(self._client.get_order_by_id, venue_order_id)
        return translate.oco_leg(translate.mapping(raw), self._symbols)

    async def cancel(self, ref: VenueRef) -> VenueReport | None:
        """DELETE the order (204, no body): the ``canceled`` stream event confirms it."""
        venue_id = ref.venue_order_id or await self._venue_id(ref)
        await self._call(self._client.cancel_order_by_id, venue_id)
        return None

    async def replace(self, ref: VenueRef, request: PlaceRequest) -> VenueReport:
        venue_id = ref.venue_order_id or await self._venue_id(ref)
        fields = order_requests.replace_fields(request)
        quantity = request.quantity
        if quantity == quantity.to_integral_value():
            model = ReplaceOrderRequest(qty=int(quantity), **fields)
            raw = await self._call(self._client.replace_order_by_id, venue_id, model)
        else:
            body = ReplaceOrderRequest(**fields).to_request_fields()
            body["qty"] = order_requests.to_float("quantity", quantity)
            raw = await self._call(self._client.patch, f"/orders/{venue_id}", body)
        return VenueReport(order=translate.order(translate.mapping(raw), self._symbols))

    async def fetch_order(self, symbol: str, client_id: str) -> VenueReport | None:
        """GET /v2/orders:by_client_order_id; None on 404."""
        try:
            raw = await self._call(self._client.get_order_by_client_id, client_id)
        except Exception as exc:
            if self.classify(exc).kind is ErrorKind.NOT_FOUND:
                return None
            raise
        return VenueReport(order=translate.order(translate.mapping(raw), self._symbols))

    async def _venue_id(self, ref: VenueRef) -> str:
        report = await self.fetch_order(ref.symbol, ref.client_id)
        if report is None or report.order is None:
            raise VenueFailure(ErrorKind.NOT_FOUND, f"alpaca has no order {ref.client_id!r}")
        return report.order.venue_order_id

    # -- reconciliation ----------------------------------------------------

    async def fetch_open_orders(self) -> list[VenueOrder]:
        query = GetOrdersRequest(status=QueryOrderStatus.OPEN, limit=ORDERS_PAGE)
        raw = await self._call(self._client.get_orders, query)
        # A bracket's legs are ``held`` until its entry fills: part of that order, not working.
        items = (item for item in translate.mappings(raw) if item.get("status") != "held")
        return [translate.order(item, self._symbols) for item in items]

    async def fetch_fills(self, since_ns: int) -> list[VenueFill]:
        """Read FILL activities after ``since_ns`` (oldest first, paged by activity id)."""
        params: dict[str, Any] = {
            "after": translate.rfc3339(since_ns - 1000),
            "direction": "asc",
            "page_size": ACTIVITIES_PAGE,
        }
        fills: list[VenueFill] = []
        for _ in range(MAX_ACTIVITY_PAGES):
            answer = await self._call(self._client.get, "/account/activities/FILL", params)
            page = translate.mappings(answer)
            fills.extend(translate.activity_fill(item, self._symbols) for item in page)
            if len(page) < ACTIVITIES_PAGE:
                break
            params["page_token"] = page[-1]["id"]
        return fills

    async def fetch_market_days(self, start: date, end: date) -> list[MarketDay]:
        """The venue's trading days from ``start`` to ``end`` (GET /v2/calendar)."""
        raw = await self._call(self._client.get_calendar, GetCalendarRequest(start=start, end=end))
        return market_days(translate.mappings(raw))

    async def fetch_market_clock(self) -> MarketClock:
        """The venue's market clock (GET /v2/clock)."""
        raw: object = await self._call(self._client.get_clock)
        return market_clock(translate.mapping(raw))

    async def fetch_positions(self) -> list[VenuePosition]:
        raw = await self._call(self._client.get_all_positions)
        return [translate.position(item, self._symbols) for item in translate.mappings(raw)]

    async def fetch_balances(self) -> list[VenueBalance]:
        """The account's cash; ``available`` is Alpaca's buying power (margin included)."""
        raw = translate.mapping(await self._call(self._client.get_account))
        return [translate.balance(raw)]

    async def fetch_account(self) -> VenueAccount:
        """``/v2/account``: cash, equity, buying power and initial margin."""
        raw = translate.mapping(await self._call(self._client.get_account))
        return translate.account_values(raw)

    # -- quotes ----------------------------------------------------------------

    async def fetch_quotes(self, symbols: list[str]) -> list[VenueQuote]:
        """The latest quotes of ``symbols`` (see :mod:`.market_data`)."""
        return await self._market_data.fetch_quotes(symbols)

    def quote_stream(self, symbols: list[str]) -> AsyncIterator[VenueQuote | StreamStatus]:
        """Quotes from Alpaca's data websocket(s) (see :mod:`.market_data`), reconnecting."""
        return self._market_data.quote_stream(symbols)

    def _is_crypto(self, ours: str) -> bool:
        return ours in self._crypto or "/" in self._symbols.venue(ours)

    def _is_closed(self) -> bool:
        return self._closed

    # -- stream ----------------------------------------------------------------

    async def stream(self) -> AsyncIterator[VenueReport | StreamStatus]:
        """Yield trade updates forever; one TradingStream per account (Alpaca allows one).

        A newer ``stream()`` call supersedes this one, which then ends.
        """
        self._generation += 1
        generation = self._generation
        for old in list(self._runs):
            await old.stop()
        while not self._closed and generation == self._generation:
            run = StreamRun(
                key=self._credentials.key.reveal(),
                secret=self._credentials.secret.reveal(),
                paper=self._paper,
                url=self.settings.stream_url,
                backoff_s=self.settings.backoff_base_s,
            )
            self._runs.add(run)
            up = False
            try:
                while (item := await run.next()) is not None:
                    if isinstance(item, StreamStatus):
                        up = item.up
                        yield item
                    elif (report := self._report(item)) is not None:
                        yield report
            finally:
                self._runs.discard(run)
                await run.stop()
            if self._closed or generation != self._generation:
                return
            if up:
                yield StreamStatus(up=False, detail="alpaca stream task ended")
            await asyncio.sleep(RESTART_DELAY_S)

    def _report(self, msg: Mapping[str, Any]) -> VenueReport | None:
        data = msg.get("data")
        if msg.get("stream") != "trade_updates" or not isinstance(data, dict):
            return None
        try:
            return translate.trade_update(data, self._symbols)
        except translate.MalformedAnswer as exc:
            log.warning("alpaca trade update skipped: %s", redact(str(exc), self.secrets))
            return None
