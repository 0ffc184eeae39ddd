"""Typed results of ``MarketDataService`` (GetQuotes, GetAccounts), converted from protobuf.

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


@dataclass(frozen=True, slots=True, kw_only=True)
class AccountState:
    """An account's money as its venue reports it, next to fillgate's."""

    account: str
    venue: str
    currency: str
    venue_cash: Decimal | None
    venue_equity: Decimal | None
    venue_buying_power: Decimal | None
    venue_margin_used: Decimal | None
    venue_margin_available: Decimal | None
    fillgate_cash: Decimal
    fillgate_equity: Decimal
    equity_difference: Decimal | None
    """venue_equity - fillgate_equity; None before the first venue read."""
    drift: bool
    read_time: datetime | None


def get_accounts_request(accounts: Iterable[str] | str = ()) -> Any:
    """Build a ``GetAccountsRequest``."""
    return md_svc_pb.GetAccountsRequest(
        accounts=[accounts] if isinstance(accounts, str) else accounts
    )


def accounts_from_proto(m: Any) -> list[AccountState]:
    """Convert a ``GetAccountsResponse``."""
    return [
        AccountState(
            account=a.account,
            venue=a.venue,
            currency=a.currency,
            venue_cash=_opt_dec(a.venue_cash),
            venue_equity=_opt_dec(a.venue_equity),
            venue_buying_power=_opt_dec(a.venue_buying_power),
            venue_margin_used=_opt_dec(a.venue_margin_used),
            venue_margin_available=_opt_dec(a.venue_margin_available),
            fillgate_cash=_dec(a.fillgate_cash),
            fillgate_equity=_dec(a.fillgate_equity),
            equity_difference=_opt_dec(a.equity_difference),
            drift=a.drift,
            read_time=_time(a, "read_time"),
        )
        for a in m.accounts
    ]
