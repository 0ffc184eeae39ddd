"""Typed results of ``MarketDataService.GetQuotes`` and their conversion from protobuf.

Prices are ``Decimal`` at the full precision the wire carries; display
rounds them to the symbol's ``price_precision``.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from ._convert import _dec, _opt_dec, _time

# Loaded by name, as _pb does for the others (see its docstring).
md_svc_pb: Any = importlib.import_module("fillgate.v1.market_data_service_pb2")
md_grpc: Any = importlib.import_module("fillgate.v1.market_data_service_pb2_grpc")


@dataclass(frozen=True, slots=True, kw_only=True)
class Quote:
    """One symbol's latest quote and mark."""

    symbol: str
    bid: Decimal | None
    ask: Decimal | None
    last: Decimal | None
    mark: Decimal
    source: str
    """``reference`` (paper, no age), ``feed``, ``venue`` or ``journal`` (restored mark)."""
    quote_time: datetime | None
    age_ms: int
    stale: bool
    price_precision: int


@dataclass(frozen=True, slots=True, kw_only=True)
class Quotes:
    """The selected symbols' quotes, and the age past which a live one is stale."""

    quotes: list[Quote]
    max_quote_age_ms: int


def get_quotes_request(symbols: Iterable[str] | str = ()) -> Any:
    """Build a ``GetQuotesRequest``."""
    return md_svc_pb.GetQuotesRequest(symbols=[symbols] if isinstance(symbols, str) else symbols)


def quotes_from_proto(m: Any) -> Quotes:
    """Convert a ``GetQuotesResponse``."""
    return Quotes(
        quotes=[
            Quote(
                symbol=q.symbol,
                bid=_opt_dec(q.bid),
                ask=_opt_dec(q.ask),
                last=_opt_dec(q.last),
                mark=_dec(q.mark),
                source=q.source,
                quote_time=_time(q, "quote_time"),
                age_ms=q.age_ms,
                stale=q.stale,
                price_precision=q.price_precision,
            )
            for q in m.quotes
        ],
        max_quote_age_ms=m.max_quote_age_ms,
    )
