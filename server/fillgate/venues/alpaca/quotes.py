"""Alpaca quotes over REST: alpaca-py's historical data clients' *latest quote* calls.

Equities: ``StockHistoricalDataClient.get_stock_latest_quote``
(``GET /v2/stocks/quotes/latest?symbols=..&feed=iex``); crypto:
``CryptoHistoricalDataClient.get_crypto_latest_quote``
(``GET /v1beta3/crypto/us/latest/quotes?symbols=..``). Both answer
``{"quotes": {SYMBOL: {"bp", "ap", "t", ..}}}``, which alpaca-py (``raw_data``)
hands back as ``{SYMBOL: {..}}``.

Prices: Alpaca's market data sends prices as JSON (REST) or msgpack
(websocket) *numbers*, so alpaca-py gives floats; no string form exists to
read. Each is converted once, here, through ``repr`` (the shortest string
that round-trips the float, i.e. the digits Alpaca sent) into a Decimal,
never through the float's binary value. A side of 0 means Alpaca has no
quote on that side (e.g. outside IEX hours): it becomes None.

The feed is IEX, the one every Alpaca account may read (SIP needs a paid
plan; asking for it without one answers 403), for REST and the stream alike.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from fillgate.venues.alpaca import translate
from fillgate.venues.alpaca.sdk import (
    CryptoHistoricalDataClient,
    CryptoLatestQuoteRequest,
    DataFeed,
    StockHistoricalDataClient,
    StockLatestQuoteRequest,
)
from fillgate.venues.types import VenueQuote

#: The equity feed every account may read (see the module docstring).
STOCK_FEED = DataFeed.IEX


class DataClients:
    """The two blocking REST clients of Alpaca's market data API for one account."""

    def __init__(self, key: str, secret: str, url: str) -> None:
        self.stocks = StockHistoricalDataClient(
            api_key=key, secret_key=secret, raw_data=True, url_override=url or None
        )
        self.crypto = CryptoHistoricalDataClient(
            api_key=key, secret_key=secret, raw_data=True, url_override=url or None
        )

    @property
    def clients(self) -> tuple[Any, Any]:
        return self.stocks, self.crypto

    def latest(self, stocks: list[str], crypto: list[str]) -> dict[str, Any]:
        """The latest quote of each venue symbol (blocking: run on the driver's thread)."""
        found: dict[str, Any] = {}
        if stocks:
            stock_request = StockLatestQuoteRequest(symbol_or_symbols=stocks, feed=STOCK_FEED)
            found.update(translate.mapping(self.stocks.get_stock_latest_quote(stock_request)))
        if crypto:
            crypto_request = CryptoLatestQuoteRequest(symbol_or_symbols=crypto)
            found.update(translate.mapping(self.crypto.get_crypto_latest_quote(crypto_request)))
        return found


def price(value: object) -> Decimal | None:
    """A quote side: the SDK's float (or int) via its shortest repr; 0 or absent is None."""
    if value is None or isinstance(value, bool):
        return None
    if not isinstance(value, int | float | str):
        raise translate.MalformedAnswer(f"not a price: {value!r}")
    try:
        result = Decimal(repr(value) if isinstance(value, float) else str(value))
    except InvalidOperation:
        raise translate.MalformedAnswer(f"not a price: {value!r}") from None
    if not result.is_finite() or result < 0:
        raise translate.MalformedAnswer(f"not a price: {value!r}")
    return result if result > 0 else None


def stamp_ns(value: object) -> int:
    """The quote's time: a msgpack Timestamp (websocket) or an RFC 3339 string (REST)."""
    to_ns = getattr(value, "to_unix_nano", None)
    if callable(to_ns):
        return int(to_ns())
    return translate.time_ns(value)


def quote(ours: str, raw: Mapping[str, Any]) -> VenueQuote:
    """One Alpaca quote object (``bp``/``ap``/``t``) as our symbol's VenueQuote."""
    return VenueQuote(
        symbol=ours,
        bid=price(raw.get("bp")),
        ask=price(raw.get("ap")),
        ts_ns=stamp_ns(raw.get("t")),
    )


def latest_quotes(
    answer: Mapping[str, Any], wanted: Mapping[str, str], symbols: translate.SymbolMap
) -> list[VenueQuote]:
    """Translate :meth:`DataClients.latest`'s answer; ``wanted`` is venue symbol -> ours."""
    out: list[VenueQuote] = []
    for venue, raw in answer.items():
        ours = wanted.get(venue) or symbols.ours(venue, crypto="/" in venue)
        out.append(quote(ours, translate.mapping(raw)))
    return out
