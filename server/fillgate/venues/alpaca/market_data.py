"""An Alpaca account's quotes, from the market data API (not the trading API).

The latest quote over REST (:mod:`.quotes`, on the driver's REST thread, same
one-attempt and timeout rules) and the quotes websocket(s) (:mod:`.data_stream`).
Equities and crypto each have their own endpoint and websocket; which symbols
are crypto the driver knows from their assets' ``class`` once opened.
"""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Callable
from typing import Any

from fillgate.venues.alpaca import data_stream, quotes, translate
from fillgate.venues.common.blocking import BlockingCaller
from fillgate.venues.driver import Credentials, VenueSettings
from fillgate.venues.types import StreamStatus, VenueQuote


class MarketData:
    """The driver's quotes: :meth:`fetch_quotes` and :meth:`quote_stream`."""

    def __init__(
        self,
        settings: VenueSettings,
        credentials: Credentials,
        symbols: translate.SymbolMap,
        *,
        caller: BlockingCaller,
        is_crypto: Callable[[str], bool],
        closed: Callable[[], bool],
        restart_delay_s: float,
    ) -> None:
        self._settings = settings
        self._credentials = credentials
        self._symbols = symbols
        self._caller = caller
        self._is_crypto = is_crypto
        self._closed = closed
        self._restart_delay_s = restart_delay_s
        self._data = quotes.DataClients(
            credentials.key.reveal(), credentials.secret.reveal(), settings.data_url
        )
        self._runs: set[data_stream.QuoteRun] = set()

    @property
    def clients(self) -> tuple[Any, Any]:
        """The REST clients (the driver sets their timeout and closes their sessions)."""
        return self._data.clients

    async def stop(self) -> None:
        """Stop the quote streams."""
        for quote_run in list(self._runs):
            await quote_run.stop()

    def _split(self, symbols: list[str]) -> tuple[dict[str, str], dict[str, str]]:
        """(equities, crypto) of ``symbols`` as venue symbol -> ours."""
        stocks: dict[str, str] = {}
        crypto: dict[str, str] = {}
        for ours in symbols:
            venue = self._symbols.venue(ours)
            (crypto if self._is_crypto(ours) else stocks)[venue] = ours
        return stocks, crypto

    async def fetch_quotes(self, symbols: list[str]) -> list[VenueQuote]:
        """The latest quotes of ``symbols`` (equities and crypto from their own endpoints)."""
        stocks, crypto = self._split(symbols)
        answer = await self._caller.call(self._data.latest, list(stocks), list(crypto))
        return quotes.latest_quotes(answer, {**stocks, **crypto}, self._symbols)

    def quote_stream(self, symbols: list[str]) -> AsyncIterator[VenueQuote | StreamStatus]:
        """Quotes from Alpaca's data websocket(s) (see :mod:`.data_stream`), reconnecting."""
        stocks, crypto = self._split(symbols)
        make_run = functools.partial(
            data_stream.QuoteRun,
            key=self._credentials.key.reveal(),
            secret=self._credentials.secret.reveal(),
            url=self._settings.data_stream_url,
            stocks=list(stocks),
            crypto=list(crypto),
            backoff_s=self._settings.backoff_base_s,
        )
        wanted = {**stocks, **crypto}
        secrets = self._credentials.values()
        return data_stream.quote_stream(
            make_run, self._runs, self._closed, wanted, secrets, self._restart_delay_s
        )
