"""The quote stream: ccxt.pro ``watch_bids_asks`` (Binance ``bookTicker``) as venue quotes.

Binance pushes a symbol's best bid and ask on the public market stream
(``<symbol>@bookTicker``) whenever either changes; ccxt.pro subscribes with
one ``SUBSCRIBE`` for all the symbols and resolves ``watch_bids_asks`` with
the tickers that changed. An exchange without ``watchBidsAsks`` is watched
with ``watch_ticker``, one pending watch per symbol.

The stream runs on an exchange instance of its own (the driver's
:meth:`~.driver.CcxtDriver.quote_exchange`): the user-data stream closes all
of its instance's WebSocket clients when it reconnects, which must not cut
the quotes too, and the other way round.

**Up** is yielded with the first quote of a connection, **down** once per
outage (ccxt raises ``NetworkError`` when the socket closes or the dial is
refused); the connection is then closed and dialled again after a backoff
(0.05 s doubling to 1 s). While it is down the quote poller reads the quotes
over REST (``fetch_quotes``). Binance's bookTicker carries no heartbeat: a
connection that stays open but goes silent sends nothing, so its quotes age
and go stale (``QUOTE_STALE``) instead of standing at an old price. After
``idle_s`` (15 s) without a message the connection counts as down and is
dialled again, so polling covers a dead-but-open socket, and a symbol too
quiet to tick (a new connection is up only with its first quote).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncGenerator, Mapping
from decimal import Decimal
from typing import Any, Protocol

from ccxt.base.errors import NetworkError

from fillgate.venues.ccxt import translate
from fillgate.venues.errors import VenueFailure
from fillgate.venues.types import StreamStatus, VenueQuote

log = logging.getLogger("fillgate.venues.ccxt")

_BASE_DELAY_S = 0.05
_MAX_DELAY_S = 1.0
_CLOSE_WS_S = 2.0
#: No message for this long: the connection counts as down (see the module doc).
IDLE_S = 15.0


class QuoteHost(Protocol):
    """What the quote stream needs of its driver (:class:`~.driver.CcxtDriver`)."""

    def quote_exchange(self) -> Any:
        """The ccxt.pro instance that carries the quote stream (markets loaded)."""
        ...

    def closing(self) -> asyncio.Event: ...

    def classify(self, exc: BaseException) -> VenueFailure: ...


def ticker_quote(exchange: Any, ticker: Mapping[str, Any], symbol: str) -> VenueQuote:
    """A ccxt ticker as ``symbol``'s quote, its prices as exact Decimals.

    ccxt's unified ticker holds floats. They are converted here, at the edge,
    with the market's price precision (``price_to_precision``: the tick, for
    Binance the PRICE_FILTER ``tickSize``), so a float's binary noise never
    reaches the engine: a venue price is always on its tick.
    """

    def price(value: object) -> Decimal | None:
        if value is None:
            return None
        # opt_dec: None for 0, which Binance sends for an empty side of the book.
        return translate.opt_dec(exchange.price_to_precision(ticker["symbol"], value))

    stamp = ticker.get("timestamp")
    return VenueQuote(
        symbol=symbol,
        bid=price(ticker.get("bid")),
        ask=price(ticker.get("ask")),
        last=price(ticker.get("last")),  # watch_ticker's; bookTicker has none
        ts_ns=int(stamp) * 1_000_000 if stamp else 0,  # spot bookTicker has none: arrival
    )


class QuoteStream:
    """One run of a driver's quote stream: watch, reconnect, until the driver closes.

    ``symbols`` maps each watched ccxt symbol to ours.
    """

    def __init__(
        self,
        driver: QuoteHost,
        symbols: Mapping[str, str],
        *,
        account: str,
        idle_s: float = IDLE_S,
    ) -> None:
        self._driver = driver
        self._idle_s = idle_s
        self._closing = driver.closing()
        self._ours = dict(symbols)
        self._names = list(symbols)
        self._account = account
        #: The ``watch_ticker`` fallback: one pending watch per symbol.
        self._pending: dict[str, asyncio.Future[Any]] = {}
        #: The ticker last reported per symbol (ccxt parses each update into a new dict).
        self._seen: dict[str, Any] = {}

    async def run(self) -> AsyncGenerator[VenueQuote | StreamStatus, None]:
        attempt = 0
        announce_down = True  # once per outage: the first failure, not every retry
        while self._names and not self._closing.is_set():
            exchange = self._driver.quote_exchange()
            exchange.ws_dial_backoff = {}  # our backoff below is the only pacing
            up, detail = False, ""
            try:
                while not self._closing.is_set():  # closed while we yielded: no new watch
                    try:
                        tickers = await asyncio.wait_for(self._next(exchange), self._idle_s)
                    except TimeoutError:
                        raise NetworkError(f"no quote for {self._idle_s} s") from None
                    if not up:
                        up, attempt, announce_down = True, 0, True
                        yield StreamStatus(up=True)
                    for ticker in tickers:
                        ours = self._ours.get(ticker.get("symbol") or "")
                        if ours is not None:
                            yield ticker_quote(exchange, ticker, ours)
            except asyncio.CancelledError:
                task = asyncio.current_task()
                if task is not None and task.cancelling() > 0:
                    raise
                detail = "the WebSocket client was closed"  # ccxt cancels a closed client's futures
            except Exception as exc:
                if self._closing.is_set():
                    return
                detail = self._driver.classify(exc).message or "the quote stream failed"
            finally:
                await self._reset(exchange)
            if self._closing.is_set():
                return
            log.debug("event=ccxt_quote_stream_down account=%s detail=%r", self._account, detail)
            if announce_down:
                announce_down = False
                yield StreamStatus(up=False, detail=detail)
            delay = min(_MAX_DELAY_S, _BASE_DELAY_S * 2**attempt)
            attempt += 1
            try:
                await asyncio.wait_for(self._closing.wait(), delay)
                return
            except TimeoutError:
                pass

    async def _next(self, exchange: Any) -> list[Mapping[str, Any]]:
        """The tickers that changed: one ``watch_bids_asks``, else the first ``watch_ticker``."""
        if exchange.has.get("watchBidsAsks"):
            changed = await exchange.watch_bids_asks(self._names)
            # ccxt keeps each symbol's latest in ``bidsasks``, also one that arrived while no
            # watch was pending (that one resolved nothing): report every symbol not yet seen.
            latest = dict(getattr(exchange, "bidsasks", None) or {})
            latest.update({n: t for n, t in changed.items() if n not in latest})
            fresh = [
                latest[n] for n in self._names if n in latest and latest[n] is not self._seen.get(n)
            ]
            self._seen.update({t["symbol"]: t for t in fresh if t.get("symbol")})
            return fresh
        for name in self._names:
            if name not in self._pending:
                self._pending[name] = asyncio.ensure_future(exchange.watch_ticker(name))
        done, _ = await asyncio.wait(self._pending.values(), return_when=asyncio.FIRST_COMPLETED)
        tickers = []
        for name, future in list(self._pending.items()):
            if future in done:
                del self._pending[name]
                if future.cancelled():
                    raise NetworkError("the WebSocket client was closed")
                tickers.append(future.result())
        return tickers

    async def _reset(self, exchange: Any) -> None:
        """Drop pending watches and close the WebSocket clients: the next attempt dials afresh."""
        pending, self._pending = list(self._pending.values()), {}
        for future in pending:
            future.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        try:
            await asyncio.wait_for(exchange.close_ws_clients(), _CLOSE_WS_S)
        except Exception as exc:  # a failed close must not stop the reconnect loop
            log.debug("event=ccxt_quote_stream_reset_failed error=%s", type(exc).__name__)
