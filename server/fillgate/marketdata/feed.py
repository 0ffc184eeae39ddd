"""The paper price feed: replay a CSV of timestamped quotes into the quote book.

The file (see ``examples/quotes/sample.csv``) has a header and one quote a line::

    time,symbol,bid,ask,last
    2026-01-05T14:30:00.000Z,BTC-USD,64990.5,65001.5,
    2026-01-05T14:30:00.250Z,EUR-USD,1.08455,1.08465,1.0846

``time`` is ISO 8601 and never goes back; prices are plain decimals; ``last``
(or bid and ask, when last is given) may be empty. Replay keeps the file's
spacing divided by ``speed`` (0: no waiting, for tests and benchmarks) and
stamps each quote with the time it is delivered, not the file's (a replayed
quote is as fresh as a live one arriving now). With ``loop`` it starts over.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import logging
import time
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from fillgate.domain.errors import FillgateError
from fillgate.domain.values import DecimalFormatError, parse_decimal

log = logging.getLogger("fillgate.marketdata.feed")

_COLUMNS = ["time", "symbol", "bid", "ask", "last"]
_PRICES = ((2, "bid"), (3, "ask"), (4, "last"))
#: Quotes delivered between two yields to the loop when replaying with no waiting.
_BATCH = 64


class FeedError(ValueError):
    """A feed file that cannot be replayed (its path and line are in the message)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class FeedQuote:
    """One line of a feed file."""

    #: Nanoseconds after the file's first quote.
    offset_ns: int
    symbol: str
    bid: Decimal | None
    ask: Decimal | None
    last: Decimal | None


def load_feed(path: str | Path, symbols: Collection[str]) -> list[FeedQuote]:
    """Read and check a feed file; raise :class:`FeedError` naming the line."""
    try:
        with open(path, newline="", encoding="ascii") as f:
            rows = list(csv.reader(f))
    except (OSError, UnicodeDecodeError) as exc:
        raise FeedError(f"{path}: cannot read the price feed: {exc}") from exc
    if not rows or [c.strip() for c in rows[0]] != _COLUMNS:
        raise FeedError(f"{path}:1: the header must be {','.join(_COLUMNS)}")
    quotes: list[FeedQuote] = []
    first = previous = 0
    for number, row in enumerate(rows[1:], start=2):
        where = f"{path}:{number}"
        if not row:
            continue
        if len(row) != len(_COLUMNS):
            raise FeedError(f"{where}: expected {len(_COLUMNS)} columns, got {len(row)}")
        stamp, symbol = row[0].strip(), row[1].strip()
        try:
            ts = int(datetime.fromisoformat(stamp).timestamp() * 1e6) * 1000
        except ValueError as exc:
            raise FeedError(f"{where}: time {stamp!r} is not ISO 8601") from exc
        if symbol not in symbols:
            raise FeedError(f"{where}: unknown symbol {symbol!r}")
        bid, ask, last = (_price(where, name, row[i]) for i, name in _PRICES)
        if last is None and (bid is None or ask is None):
            raise FeedError(f"{where}: give bid and ask, or last")
        if bid is not None and ask is not None and bid > ask:
            raise FeedError(f"{where}: bid {bid} is above ask {ask}")
        if not quotes:
            first = previous = ts
        if ts < previous:
            raise FeedError(f"{where}: time goes back")
        previous = ts
        quotes.append(FeedQuote(offset_ns=ts - first, symbol=symbol, bid=bid, ask=ask, last=last))
    if not quotes:
        raise FeedError(f"{path}: no quotes")
    return quotes


def _price(where: str, name: str, text: str) -> Decimal | None:
    text = text.strip()
    if not text:
        return None
    try:
        return parse_decimal(text)
    except DecimalFormatError as exc:
        raise FeedError(f"{where}: {name} {exc}") from exc


Sink = Callable[[FeedQuote], object]


class PriceFeed:
    """Replays feed quotes into ``sink`` (the engine's quote intake) on the event loop."""

    def __init__(
        self,
        quotes: Sequence[FeedQuote],
        sink: Sink,
        *,
        speed: float = 1.0,
        loop: bool = False,
        monotonic_ns: Callable[[], int] = time.monotonic_ns,
    ) -> None:
        self.quotes = quotes
        self.sink = sink
        self.speed = speed
        self.loop = loop
        self._monotonic_ns = monotonic_ns
        self._task: asyncio.Task[None] | None = None
        #: Quotes delivered so far (all passes).
        self.delivered = 0

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self.run(), name="price-feed")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def run(self) -> None:
        """Replay the file (again and again with ``loop``)."""
        while True:
            await self._pass()
            if not self.loop:
                return

    async def _pass(self) -> None:
        start = self._monotonic_ns()
        for index, quote in enumerate(self.quotes):
            if self.speed > 0:
                wait_ns = start + quote.offset_ns / self.speed - self._monotonic_ns()
                if wait_ns > 0:
                    await asyncio.sleep(wait_ns / 1e9)
            elif index % _BATCH == 0:
                await asyncio.sleep(0)
            self._deliver(quote)
        await asyncio.sleep(0)  # a one-line looping file must still let the loop breathe

    def _deliver(self, quote: FeedQuote) -> None:
        try:
            self.sink(quote)
        except FillgateError as exc:  # a quote the engine refuses is skipped, not fatal
            log.warning(
                "event=feed_quote_refused symbol=%s reason=%s detail=%r",
                quote.symbol,
                exc.reason,
                exc.message,
            )
        self.delivered += 1
