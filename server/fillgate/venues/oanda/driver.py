"""The OANDA v20 driver: oandapyV20 calls in, venue values out.

oandapyV20 is blocking ``requests``: every REST call runs on one
BlockingCaller thread with one ``API`` (one keep-alive session), and the
transactions stream reads on a thread of its own (:mod:`.stream`). The SDK
neither retries nor throttles, and requests' adapters default to no retries,
so the runtime's retries and rate limit are the only ones.

Addressing: the token is ``credentials.key`` (no secret), the account is
``settings.venue_account_id``. ``api_url``/``stream_url`` register a private
trading environment (one name per driver) in the SDK's environment table,
which the SDK reads at request time; otherwise "practice" or "live".

Limits (OANDA's best-practice page): 100 requests/s on a persistent
connection, 120/s per IP (429 beyond), 2 new connections/s, 20 streams per IP.
The bucket's burst of 20 keeps any one second under 120.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import math
from collections.abc import AsyncIterator, Iterator, Mapping
from typing import Any

import oandapyV20.endpoints.accounts as accounts
import oandapyV20.endpoints.orders as orders
import oandapyV20.endpoints.positions as positions
import oandapyV20.endpoints.pricing as pricing
import oandapyV20.endpoints.transactions as transactions
import oandapyV20.oandapyV20 as oanda_core
from oandapyV20 import API

from fillgate.domain.enums import OrderType, TimeInForce
from fillgate.domain.values import Clock
from fillgate.venues.common.backoff import Backoff
from fillgate.venues.common.blocking import BlockingCaller
from fillgate.venues.driver import ClientIdRule, Credentials, RateLimit, VenueSettings
from fillgate.venues.errors import ErrorKind, VenueFailure
from fillgate.venues.oanda import pricing as pricing_stream
from fillgate.venues.oanda import protection, translate
from fillgate.venues.oanda import transactions as feed
from fillgate.venues.oanda.errors import OandaResponseError, RedactingFilter, classify
from fillgate.venues.oanda.stream import StreamConnection
from fillgate.venues.oanda.tracker import OrderTracker
from fillgate.venues.oanda.translate import Json, SymbolMap
from fillgate.venues.types import (
    EntryProtection,
    Instrument,
    PlaceRequest,
    QuoteHeartbeat,
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
#: The logger oandapyV20 logs requests and failed responses (raw bodies) on.
_SDK_LOG = logging.getLogger(oanda_core.__name__)

#: Read timeout of the stream: OANDA heartbeats every 5 s, so this is three missed.
STREAM_READ_TIMEOUT_S = 15.0
STREAM_BACKOFF_CAP_S = 10.0
#: How long close() waits for the stream thread (it notices the stop flag per heartbeat).
STREAM_JOIN_TIMEOUT_S = 7.0
_environments = itertools.count(1)


class OandaDriver:
    """One OANDA v20 account behind the VenueDriver protocol."""

    name = "oanda"
    native_replace = True
    #: OANDA's clientExtensions.id. Only URL-unreserved characters: the id is
    #: also the path segment "@<id>" that addresses the order, unescaped.
    client_ids = ClientIdRule(max_length=128, extra_chars="-._")
    #: place_oco wants the entry's client id: the pair goes on the trade it opened.
    oco_opened_by = True
    #: A bracket's amount trail rests as a TRAILING_STOP_LOSS (distance) on that trade,
    #: alone (place_trailing) or paired with the take-profit like a fixed STOP_LOSS.
    native_trail = frozenset({"trail"})
    trail_in_oco = True

    def __init__(self, settings: VenueSettings, credentials: Credentials, *, clock: Clock) -> None:
        self._settings = settings
        self._clock = clock
        self._token = credentials.key
        self.secrets: tuple[str, ...] = credentials.values()
        per_second = settings.rate_per_s or 100.0
        self.limits = RateLimit(per_second=per_second, burst=settings.rate_burst or 20)
        self._account = settings.venue_account_id
        self._symbols = SymbolMap(settings.symbols)
        self._tracker = OrderTracker(self._symbols)
        #: Our symbols the account can trade (known once opened): the ones quoted.
        self._tradeable: frozenset[str] = frozenset()
        #: Open pricing stream connections (see .pricing), stopped by close().
        self.price_connections: set[StreamConnection] = set()
        self._caller = BlockingCaller(f"oanda-{settings.account}")
        self._environment = settings.environment or "practice"
        self._private_environment = ""
        self._api: API | None = None
        self._closed = False
        #: The transactions stream's connection and when it was made (see .transactions).
        self.connection: StreamConnection | None = None
        self._backoff = Backoff(base=settings.backoff_base_s, cap=STREAM_BACKOFF_CAP_S)
        self.last_connect = -math.inf
        self._log_filter = RedactingFilter(self.secrets)

    def __repr__(self) -> str:
        return f"OandaDriver(account={self._settings.account!r}, env={self._environment!r})"

    def classify(self, exc: BaseException) -> VenueFailure:
        """Map any exception a call raised to a VenueFailure (see :mod:`.errors`)."""
        return classify(exc, self.secrets)

    def now_s(self) -> float:
        """Monotonic seconds, for pacing stream reconnects."""
        return self._clock.monotonic_ns() / 1e9

    def now_ns(self) -> int:
        """Wall-clock ns, what the tracker anchors transaction ids to."""
        return self._clock.now_ns()

    # -- connection ------------------------------------------------------------

    async def open(self) -> Mapping[str, Instrument]:
        """Create the REST client and load the mapped symbols' precisions from ``/instruments``."""
        settings = self._settings
        if self._closed:
            raise VenueFailure(ErrorKind.FATAL, "oanda: driver is closed")
        if (settings.api_url or settings.stream_url) and not self._private_environment:
            base = oanda_core.TRADING_ENVIRONMENTS.get(self._environment, {})
            name = f"fillgate-{settings.account}-{next(_environments)}"
            oanda_core.TRADING_ENVIRONMENTS[name] = {
                "api": (settings.api_url or base.get("api", "")).rstrip("/"),
                "stream": (settings.stream_url or base.get("stream", "")).rstrip("/"),
            }
            self._environment = self._private_environment = name
        if self._api is None:  # open() is retried after a failure: keep one session
            _SDK_LOG.addFilter(self._log_filter)
            self._api = self._new_api(settings.timeout_s)
        configured = self._symbols.configured
        params = {"instruments": ",".join(configured.values())} if configured else None
        answer = await self._request(accounts.AccountInstruments(self._account, params=params))
        found = translate.instruments(answer, self._symbols)
        self._tradeable = frozenset(found)
        missing = sorted(set(configured) - set(found))
        if missing:
            raise VenueFailure(
                ErrorKind.FATAL,
                f"oanda: account {self._account} cannot trade {', '.join(missing)}",
                code="INSTRUMENT_UNKNOWN",
            )
        return found

    def _new_api(self, timeout: float | tuple[float, float]) -> API:
        return API(
            access_token=self._token.reveal(),
            environment=self._environment,
            request_params={"timeout": timeout},
        )

    async def close(self) -> None:
        """Stop the stream thread and join it, close the session, drop the private environment."""
        if self._closed:
            return
        self._closed = True
        connection, self.connection = self.connection, None
        for prices in list(self.price_connections):
            prices.stop()
        loop = asyncio.get_running_loop()
        if connection is not None:
            connection.stop()
            if not await loop.run_in_executor(None, connection.join, STREAM_JOIN_TIMEOUT_S):
                log.warning("event=oanda_stream_thread_lingers account=%s", self._settings.account)
        api, self._api = self._api, None
        if api is not None:
            await self._caller.call(api.close)
        self._caller.shutdown()
        if self._private_environment:
            oanda_core.TRADING_ENVIRONMENTS.pop(self._private_environment, None)
        _SDK_LOG.removeFilter(self._log_filter)

    async def _request(self, endpoint: Any) -> Json:
        if self._api is None:
            raise VenueFailure(ErrorKind.FATAL, "oanda: driver used before open()")
        answer = await self._caller.call(self._api.request, endpoint)
        if not isinstance(answer, dict):
            raise OandaResponseError(f"OANDA answered {type(answer).__name__}, not an object")
        self._tracker.anchor(answer.get("lastTransactionID"), self._clock.now_ns())
        return answer

    @property
    def tracker(self) -> OrderTracker:
        return self._tracker

    @property
    def venue_account(self) -> str:
        return self._account

    async def request(self, endpoint: Any) -> Json:
        """One REST call (for :mod:`.protection`)."""
        return await self._request(endpoint)

    # -- orders ----------------------------------------------------------------

    async def place_oco(
        self, take_profit: PlaceRequest, stop: PlaceRequest, opened_by: str = ""
    ) -> tuple[VenueReport, VenueOrder | None] | None:
        """The stop-loss and take-profit ON the trade ``opened_by`` opened (:mod:`.protection`)."""
        return await protection.place_oco(self, take_profit, stop, opened_by)

    async def place_trailing(self, stop: PlaceRequest, opened_by: str) -> VenueReport | None:
        """A venue-trailed stop alone on the entry's trade (see protection.py)."""
        return await protection.place_trailing(self, stop, opened_by)

    async def oco_leg(self, venue_order_id: str) -> VenueOrder | None:
        """The stop-loss on the trade of the take-profit ``venue_order_id``."""
        return await protection.oco_leg(self, venue_order_id)

    def with_entry_fits(
        self, symbol: str, entry_type: OrderType, tif: TimeInForce, exits: EntryProtection
    ) -> bool:
        """OANDA carries a stop-loss (price, distance or trailing distance), with a
        take-profit price or alone, on a market or limit entry (``stopLossOnFill`` /
        ``trailingStopLossOnFill``, ``takeProfitOnFill``)."""
        return entry_type in (OrderType.MARKET, OrderType.LIMIT)

    async def entry_leg(self, member: PlaceRequest, opened_by: str) -> VenueOrder | None:
        """The order OANDA created with the entry that ``member`` binds to (None: none)."""
        return await protection.entry_leg(self, member, opened_by)

    async def place(self, request: PlaceRequest) -> VenueReport:
        """Create the order; a 201 that cancels it at once (margin, halt) is a REJECTED snapshot."""
        body = translate.order_body(request, self._symbols.venue(request.symbol))
        answer = await self._request(orders.OrderCreate(self._account, data=body))
        report = self._tracker.answer_report(answer)
        self._log_report("placed", report)
        return report

    async def replace(self, ref: VenueRef, request: PlaceRequest) -> VenueReport:
        """Replace natively: OANDA cancels the order and creates ``request`` in one batch."""
        body = translate.order_body(request, self._symbols.venue(request.symbol))
        answer = await self._request(orders.OrderReplace(self._account, _spec(ref), data=body))
        report = self._tracker.answer_report(answer)
        self._log_report("replaced", report)
        return report

    async def cancel(self, ref: VenueRef) -> VenueReport | None:
        """Cancel; the snapshot after it when the driver knows the order, else None."""
        answer = await self._request(orders.OrderCancel(self._account, _spec(ref)))
        txn = answer.get("orderCancelTransaction")
        if not isinstance(txn, dict):
            return None
        order, _ = self._tracker.apply(txn)
        if order is None:
            return None
        return VenueReport(order=self._tracker.snapshot(order, fills_known=False))

    async def fetch_order(self, symbol: str, client_id: str) -> VenueReport | None:
        """Query ``/orders/@client_id``; None when OANDA does not know it.

        Order details state neither the cancel reason nor the fill, so a
        cancelled or filled order also fetches the transaction that ended it:
        that is what tells an order refused at once (REJECTED) from one
        cancelled later, and what gives the fill's price.
        """
        try:
            answer = await self._request(orders.OrderDetails(self._account, "@" + client_id))
        except Exception as exc:
            if self.classify(exc).kind is ErrorKind.NOT_FOUND:
                return None
            raise
        data = answer.get("order")
        if not isinstance(data, dict):
            raise OandaResponseError("OANDA order details without an order")
        report = await protection.order_report(self, data)
        if report is None or report.order is None:
            raise OandaResponseError("OANDA order details of an order fillgate does not place")
        ending = data.get("cancellingTransactionID") or data.get("fillingTransactionID")
        return await feed.ended(self, report, ending) if ending else report

    async def fetch_open_orders(self) -> list[VenueOrder]:
        """Read ``/pendingOrders``. Orders on trades (take-profit, stop-loss) count only
        with a client id: fillgate's venue-held protection; others are left out."""
        answer = await self._request(orders.OrdersPending(self._account))
        result: list[VenueOrder] = []
        for data in answer.get("orders") or []:
            if "tradeID" in data and not (data.get("clientExtensions") or {}).get("id"):
                continue
            report = await protection.order_report(self, data)
            if report is not None and report.order is not None:
                result.append(report.order)
        return result

    # -- fills, positions, balances --------------------------------------------

    async def fetch_fills(self, since_ns: int) -> list[VenueFill]:
        """Every ORDER_FILL since ``since_ns`` (wall-clock ns): see :mod:`.transactions`."""
        return await feed.fills_since(self, since_ns)

    async def fetch_positions(self) -> list[VenuePosition]:
        """Read ``/openPositions``, long and short netted into one signed quantity."""
        answer = await self._request(positions.OpenPositions(self._account))
        return translate.positions(answer, self._symbols)

    async def fetch_balances(self) -> list[VenueBalance]:
        """Read ``/summary``: balance and margin available in the account currency."""
        answer = await self._request(accounts.AccountSummary(self._account))
        return [translate.balance(answer)]

    async def fetch_account(self) -> VenueAccount:
        """Read ``/summary``: balance, NAV (equity), margin used and available."""
        answer = await self._request(accounts.AccountSummary(self._account))
        return translate.account_values(answer)

    async def fetch_quotes(self, symbols: list[str]) -> list[VenueQuote]:
        """Read ``/pricing`` for ``symbols`` (those the account can trade): best bid and ask."""
        names = [self._symbols.venue(s) for s in symbols if s in self._tradeable]
        if not names:
            return []
        params = {"instruments": ",".join(names)}
        answer = await self._request(pricing.PricingInfo(self._account, params=params))
        return translate.quotes(answer, self._symbols)

    # -- quotes (the pricing stream itself is in .pricing) -------------------------

    @property
    def symbol_map(self) -> SymbolMap:
        return self._symbols

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def opened(self) -> bool:
        return self._api is not None

    @property
    def account_name(self) -> str:
        return self._settings.account

    @property
    def backoff(self) -> Backoff:
        return self._backoff

    def quote_stream(
        self, symbols: list[str]
    ) -> AsyncIterator[VenueQuote | QuoteHeartbeat | StreamStatus]:
        """Quotes from ``/pricing/stream`` (see :func:`.pricing.quote_stream`)."""
        return pricing_stream.quote_stream(self, [s for s in symbols if s in self._tradeable])

    def price_lines(self, names: list[str]) -> Iterator[Json]:
        """Run on a pricing stream thread: its own API (own session), as transaction_lines."""
        api = self._new_api((self._settings.timeout_s, STREAM_READ_TIMEOUT_S))
        try:
            params = {"instruments": ",".join(names)}
            yield from api.request(pricing.PricingStream(self._account, params=params))
        finally:
            api.close()

    # -- stream ------------------------------------------------------------------

    def stream(self) -> AsyncIterator[VenueReport | StreamStatus]:
        """The transactions stream's reports forever (see :func:`.transactions.report_stream`)."""
        return feed.report_stream(self)

    def transaction_lines(self) -> Iterator[Json]:
        """Run on the stream thread: its own API (own session), read timeout above the heartbeat."""
        api = self._new_api((self._settings.timeout_s, STREAM_READ_TIMEOUT_S))
        try:
            yield from api.request(transactions.TransactionsStream(self._account))
        finally:
            api.close()

    def _log_report(self, what: str, report: VenueReport) -> None:
        order = report.order
        if order is not None and log.isEnabledFor(logging.DEBUG):
            log.debug(
                "event=oanda_order_%s client_id=%s venue_order_id=%s status=%s fills=%d reason=%s",
                what,
                order.client_id,
                order.venue_order_id,
                order.status.value,
                len(report.fills),
                order.reason or "-",
            )


def _spec(ref: VenueRef) -> str:
    """OANDA's order specifier: the order id, else "@" and the client id."""
    return ref.venue_order_id or "@" + ref.client_id
