"""A Binance spot account's money (``GET /api/v3/account``) as a :class:`VenueAccount`.

Spot has no equity, margin or buying power of its own; they are derived here:

- **currency**: the quote asset of the account's configured symbols
  (``BTC-USD = "BTC/USDT"`` -> USDT). Configured symbols with different quote
  assets name no single currency: the read fails (``NotSupported``) and the
  account stays on its ``starting_cash``, with a warning.
- **cash**: that asset's total, free + locked (in open orders).
- **buying power**: that asset's free amount.
- **equity**: cash plus, for each base asset of a configured symbol quoted in
  the currency, its total times the symbol's mid ((bid + ask) / 2; one side
  when the book has only one). Assets no configured symbol maps are left out.
- **margin used**: 0 (spot borrows nothing).

The prices are the venue's own, read in the same call as the balances
(``/ticker/bookTicker`` through :meth:`~.driver.CcxtDriver.fetch_quotes`),
not the engine's marks: the driver sits below the engine and cannot see them,
and a read then states the venue's money at one moment from the venue alone,
so fillgate's marks are compared against it, never folded into it. Only
symbols with a non-zero base balance are quoted (a flat account makes one
request). A held asset without any bid or ask cannot be valued: the read
fails (``BadResponse``) rather than understating equity.

Every amount is parsed from the venue's strings (``info``), never ccxt's floats.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from ccxt.base.errors import BadResponse, NotSupported

from fillgate.domain.values import EXACT, ZERO
from fillgate.venues.types import VenueAccount, VenueQuote

#: Asset -> (free, locked), as the venue states them.
Balances = Mapping[str, tuple[Decimal, Decimal]]
_TWO = Decimal(2)


@dataclass(frozen=True, slots=True)
class Pair:
    """One configured symbol: ours, and the venue's base and quote asset ids."""

    symbol: str
    base: str
    quote: str


def currency_of(pairs: Iterable[Pair]) -> str:
    """The one quote asset of the configured symbols (NotSupported when none or several)."""
    quotes = sorted({p.quote for p in pairs})
    if len(quotes) != 1:
        found = ", ".join(quotes) or "none"
        raise NotSupported(
            "spot account money needs the configured symbols to share one quote asset "
            f"(the account currency); they have {found}"
        )
    return quotes[0]


def held(pairs: Iterable[Pair], currency: str, balances: Balances) -> list[Pair]:
    """The pairs in ``currency`` whose base asset has a balance, one per base asset."""
    seen: dict[str, Pair] = {}
    for pair in pairs:
        free, locked = balances.get(pair.base, (ZERO, ZERO))
        if pair.quote == currency and pair.base != currency and (free or locked):
            seen.setdefault(pair.base, pair)
    return list(seen.values())


def mid(quote: VenueQuote | None) -> Decimal | None:
    """(bid + ask) / 2, the one side present, or None for an empty book."""
    if quote is None:
        return None
    if quote.bid is not None and quote.ask is not None:
        return EXACT.divide(EXACT.add(quote.bid, quote.ask), _TWO)
    return quote.bid if quote.bid is not None else quote.ask


def value(
    currency: str, pairs: Iterable[Pair], balances: Balances, quotes: Iterable[VenueQuote]
) -> VenueAccount:
    """The account's money from its balances and the quotes of its held ``pairs``."""
    by_symbol = {q.symbol: q for q in quotes}
    free, locked = balances.get(currency, (ZERO, ZERO))
    cash = EXACT.add(free, locked)
    equity = cash
    for pair in pairs:
        price = mid(by_symbol.get(pair.symbol))
        base_free, base_locked = balances.get(pair.base, (ZERO, ZERO))
        total = EXACT.add(base_free, base_locked)
        if price is None:
            raise BadResponse(f"no bid or ask for {pair.symbol} to value {total} {pair.base}")
        equity = EXACT.add(equity, EXACT.multiply(total, price))
    return VenueAccount(
        currency=currency,
        cash=cash,
        equity=equity,
        buying_power=free,
        margin_used=ZERO,
    )


async def read(
    pairs: list[Pair],
    balances: Balances,
    fetch_quotes: Callable[[list[str]], Awaitable[list[VenueQuote]]],
) -> VenueAccount:
    """Value ``balances`` (already read) with the venue's quotes of the held pairs."""
    currency = currency_of(pairs)
    holding = held(pairs, currency, balances)
    quotes = await fetch_quotes([p.symbol for p in holding]) if holding else []
    return value(currency, holding, balances, quotes)
