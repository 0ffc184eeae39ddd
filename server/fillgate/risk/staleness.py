"""Stale prices are a first-class condition: a check that needs a price refuses an old one.

A live quote (price feed, venue stream, or a mark restored from the journal)
older than ``max_quote_age_s`` makes every check that needs the mark (the
collar, a market order's notional, %-of-equity and buying-power exposure,
the slippage base of a market order) deny ``QUOTE_STALE`` with the age and
the limit in metadata, rather than compute on an old number. The paper
venue's reference price has no age (see ``marketdata/quotes.py``).
"""

from __future__ import annotations

from decimal import Decimal

from fillgate.domain.errors import FailedPrecondition
from fillgate.domain.values import Clock, fmt
from fillgate.marketdata.quotes import QuoteBook

_NS_PER_MS = 1_000_000
_MS = Decimal("0.001")


class Staleness:
    """Raises ``QUOTE_STALE`` for a symbol whose live quote is older than the limit."""

    __slots__ = ("_clock", "_limit_ns", "_limit_s", "_quotes")

    def __init__(self, quotes: QuoteBook, clock: Clock, max_quote_age_s: float) -> None:
        self._quotes = quotes
        self._clock = clock
        self._limit_s = Decimal(str(max_quote_age_s))
        self._limit_ns = int(max_quote_age_s * 1e9)

    @property
    def enabled(self) -> bool:
        return self._limit_ns > 0

    def check(self, account: str, symbol: str) -> None:
        if self._limit_ns <= 0:
            return
        quote = self._quotes.quote(symbol)
        if quote is None:
            return
        age = quote.age_ns(self._clock.now_ns())
        if age is None or age <= self._limit_ns:
            return
        age_s = Decimal(age // _NS_PER_MS) * _MS
        raise FailedPrecondition(
            "QUOTE_STALE",
            f"{account} {symbol}: the {quote.source} quote (mark {fmt(quote.mark)}) is "
            f"{fmt(age_s)} s old, over the {fmt(self._limit_s)} s limit; no price check "
            "runs on an old price",
            # At most six entries: the api sends no more (api/errors.py MAX_METADATA).
            {
                "account": account,
                "symbol": symbol,
                "limit": fmt(self._limit_s),
                "value": fmt(age_s),
                "age_ms": str(age // _NS_PER_MS),
                "source": quote.source,
            },
        )
