"""fillgate.v1.MarketDataService: the quotes and marks fillgate trades on."""

from __future__ import annotations

from typing import ClassVar

from google.protobuf.descriptor import ServiceDescriptor

from fillgate.api.convert import timestamp
from fillgate.api.errors import Context, translated
from fillgate.domain.errors import Violations
from fillgate.domain.values import fmt
from fillgate.engine.engine import Engine
from fillgate.marketdata.quotes import Quote
from fillgate.v1 import market_data_pb2
from fillgate.v1 import market_data_service_pb2 as pb
from fillgate.v1 import market_data_service_pb2_grpc as pb_grpc

_NS_PER_MS = 1_000_000


class MarketDataServicer(pb_grpc.MarketDataServiceServicer):  # type: ignore[misc]
    """fillgate.v1.MarketDataService."""

    service: ClassVar[ServiceDescriptor] = pb.DESCRIPTOR.services_by_name["MarketDataService"]

    def __init__(self, engine: Engine, max_quote_age_s: float) -> None:
        self._engine = engine
        self._max_age_ns = int(max_quote_age_s * 1e9)

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
