"""Quotes and marks per symbol: the engine's quote book.

The book is state like any other: only the fold changes it (``QuoteUpdated``
and ``ReferencePriceMoved`` events), on the engine's single writer. Each
:class:`Quote` is a frozen value, so a reader holding one (or the tuple
:meth:`QuoteBook.quotes` returns) holds an immutable snapshot.

Where a quote comes from decides whether it can go stale:

- ``reference``: the paper venue's reference price (config, ``fillgate price``),
  quoted with ``paper_spread_bps`` around it. It is the paper venue's own
  price, not an observation of a market, so it has no age.
- ``feed`` (the paper price feed), ``venue`` (a venue's stream) and
  ``journal`` (a live mark restored after a restart): live observations.
  Their age is now minus the quote's time (the venue's timestamp when it sent
  one, else when it arrived), and a check that needs a price refuses one
  older than ``max_quote_age_s``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from fillgate.domain.values import EXACT, half_spread

REFERENCE = "reference"
FEED = "feed"
VENUE = "venue"
#: A mark restored from the journal after a restart: it ages like the live quote it was.
JOURNAL = "journal"

_HALF = Decimal("0.5")


@dataclass(frozen=True, slots=True, kw_only=True)
class Quote:
    """One symbol's latest quote and the mark derived from it."""

    symbol: str
    #: Best bid and ask; None when the source gave no side (a last-only feed).
    bid: Decimal | None
    ask: Decimal | None
    #: Last traded price, when the source gives one.
    last: Decimal | None
    #: The price positions are valued at and checks use (mid, or last if configured).
    mark: Decimal
    #: When the quote was true: the venue's timestamp, else its arrival (wall ns).
    ts_ns: int
    #: ``reference``, ``feed`` or ``venue`` (see the module doc).
    source: str

    @property
    def live(self) -> bool:
        """Whether this quote observes a market (and so can go stale)."""
        return self.source != REFERENCE

    def age_ns(self, now_ns: int) -> int | None:
        """Nanoseconds since the quote was true; None for a reference quote (no age)."""
        return max(0, now_ns - self.ts_ns) if self.live else None


def mid(bid: Decimal, ask: Decimal) -> Decimal:
    """(bid + ask) / 2, exactly."""
    return EXACT.multiply(EXACT.add(bid, ask), _HALF)


class QuoteBook:
    """The latest quote per symbol; changed only through the fold."""

    __slots__ = ("_marked", "_quotes", "mark_source", "spread_bps")

    def __init__(
        self,
        references: Mapping[str, Decimal],
        *,
        mark_source: str = "mid",
        spread_bps: Decimal = Decimal(0),
    ) -> None:
        self.mark_source = mark_source
        self.spread_bps = spread_bps
        self._quotes: dict[str, Quote] = {}
        #: The last journaled mark (and its time) of symbols whose mark a live quote moved
        #: since their last reference price: what a replay restores (snapshots keep it).
        self._marked: dict[str, tuple[Decimal, int]] = {}
        for symbol, price in references.items():
            self.on_reference(symbol, price, 0)

    def quote(self, symbol: str) -> Quote | None:
        return self._quotes.get(symbol)

    def quotes(self) -> tuple[Quote, ...]:
        """Every symbol's quote, by symbol: an immutable snapshot."""
        return tuple(self._quotes[s] for s in sorted(self._quotes))

    def mark_of(self, bid: Decimal | None, ask: Decimal | None, last: Decimal | None) -> Decimal:
        """The mark a quote implies: mid (or last when configured), else what there is."""
        if self.mark_source == "last" and last is not None:
            return last
        if bid is not None and ask is not None:
            return mid(bid, ask)
        for price in (last, bid, ask):
            if price is not None:
                return price
        raise ValueError("a quote needs a bid and an ask, or a last price")

    def on_reference(self, symbol: str, price: Decimal, ts_ns: int) -> Quote:
        """Quote the paper venue's reference price with the configured spread; mark = price."""
        self._marked.pop(symbol, None)
        half = half_spread(price, self.spread_bps)
        quote = Quote(
            symbol=symbol,
            bid=EXACT.subtract(price, half),
            ask=EXACT.add(price, half),
            last=None,
            mark=price,
            ts_ns=ts_ns,
            source=REFERENCE,
        )
        self._quotes[symbol] = quote
        return quote

    def on_quote(
        self,
        symbol: str,
        *,
        bid: Decimal | None,
        ask: Decimal | None,
        last: Decimal | None,
        ts_ns: int,
        source: str,
    ) -> Quote:
        quote = Quote(
            symbol=symbol,
            bid=bid,
            ask=ask,
            last=last,
            mark=self.mark_of(bid, ask, last),
            ts_ns=ts_ns,
            source=source,
        )
        self._quotes[symbol] = quote
        return quote

    def on_mark(self, symbol: str, mark: Decimal, ts_ns: int) -> None:
        """A journaled mark: live, its quote came first; in a replay it stands in for it."""
        self._marked[symbol] = (mark, ts_ns)
        quote = self._quotes.get(symbol)
        if quote is None or quote.mark != mark:
            self.on_quote(symbol, bid=None, ask=None, last=mark, ts_ns=ts_ns, source=JOURNAL)

    def image(self) -> list[tuple[str, Decimal, int]]:
        """The journaled marks a replay would restore (a snapshot keeps these, not ticks)."""
        return [(s, mark, ts) for s, (mark, ts) in self._marked.items()]

    def restore(self, image: list[tuple[str, Decimal, int]]) -> None:
        """Load :meth:`image` (after the reference prices) into a fresh book."""
        for symbol, mark, ts_ns in image:
            if symbol in self._quotes:
                self.on_mark(symbol, mark, ts_ns)  # exactly as a replay applies it
