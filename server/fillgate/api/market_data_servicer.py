"""fillgate.v1.MarketDataService: the quotes and marks fillgate trades on."""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar

from google.protobuf.descriptor import ServiceDescriptor

from fillgate.api import commands
from fillgate.api.authorization import current, readable_accounts
from fillgate.api.convert import timestamp
from fillgate.api.errors import Context, translated
from fillgate.domain.errors import Violations
from fillgate.domain.values import EXACT, exact_sub, fmt
from fillgate.engine.engine import Engine
from fillgate.marketdata.quotes import Quote
from fillgate.v1 import market_data_pb2
from fillgate.v1 import market_data_service_pb2 as pb
from fillgate.v1 import market_data_service_pb2_grpc as pb_grpc

_NS_PER_MS = 1_000_000
_HUNDRED = Decimal(100)


class MarketDataServicer(pb_grpc.MarketDataServiceServicer):  # type: ignore[misc]
    """fillgate.v1.MarketDataService."""

    service: ClassVar[ServiceDescriptor] = pb.DESCRIPTOR.services_by_name["MarketDataService"]

    def __init__(
        self, engine: Engine, max_quote_age_s: float, equity_drift_pct: Decimal = Decimal("0.1")
    ) -> None:
        self._engine = engine
        self._max_age_ns = int(max_quote_age_s * 1e9)
        self._drift_pct = equity_drift_pct

    @translated
    async def GetAccounts(
        self, request: pb.GetAccountsRequest, context: Context
    ) -> pb.GetAccountsResponse:
        engine = self._engine
        configured = engine.universe.accounts
        names = commands.accounts(request.accounts, configured)
        # Only the accounts the caller may read (all of them when auth is off).
        names = readable_accounts(current(), names, configured) or names or sorted(configured)
        return pb.GetAccountsResponse(
            accounts=[self._account(name, configured[name]) for name in sorted(names)],
            equity_drift_pct=fmt(self._drift_pct),
        )

    def _account(self, name: str, venue: str) -> market_data_pb2.AccountState:
        engine = self._engine
        snap = engine.book.snapshot(name)
        state = market_data_pb2.AccountState(
            account=name,
            venue=venue,
            fillgate_cash=fmt(snap.cash),
            fillgate_equity=fmt(snap.equity),
        )
        if getattr(engine.venues.get(name), "account_state", None) is None:
            # fillgate's book is the paper venue: its values are the venue's.
            state.venue_cash, state.venue_equity, state.equity_difference = (
                fmt(snap.cash),
                fmt(snap.equity),
                "0",
            )
            return state
        read = engine.state.venue_accounts.reads.get(name)
        if read is None:
            return state
        gap = exact_sub(read.equity, snap.equity)
        state.currency = read.currency
        state.venue_cash = fmt(read.cash)
        state.venue_equity = fmt(read.equity)
        state.venue_buying_power = fmt(read.buying_power)
        state.venue_margin_used = fmt(read.margin_used)
        state.venue_margin_available = fmt(read.margin_available)
        state.equity_difference = fmt(gap)
        state.drift = EXACT.multiply(abs(gap), _HUNDRED) > EXACT.multiply(
            self._drift_pct, abs(read.equity)
        )
        state.read_time.CopyFrom(timestamp(read.ts_ns))
        return state

    @translated
    async def GetQuotes(
        self, request: pb.GetQuotesRequest, context: Context
    ) -> pb.GetQuotesResponse:
        symbols = self._engine.universe.symbols
        v = Violations()
        v.require_known("symbols", request.symbols, symbols, "symbol")
        v.raise_if_any()
        wanted = set(request.symbols)
        now = self._engine.clock.now_ns()
        return pb.GetQuotesResponse(
            quotes=[
                self._quote(q, now, symbols[q.symbol].price_precision)
                for q in self._engine.quotes()
                if not wanted or q.symbol in wanted
            ],
            max_quote_age_ms=self._max_age_ns // _NS_PER_MS,
        )

    def _quote(self, q: Quote, now_ns: int, precision: int) -> market_data_pb2.Quote:
        age = q.age_ns(now_ns)
        return market_data_pb2.Quote(
            symbol=q.symbol,
            bid=fmt(q.bid),
            ask=fmt(q.ask),
            last=fmt(q.last),
            mark=fmt(q.mark),
            source=q.source,
            quote_time=timestamp(q.ts_ns),
            age_ms=0 if age is None else age // _NS_PER_MS,
            stale=age is not None and 0 < self._max_age_ns < age,
            price_precision=precision,
        )
