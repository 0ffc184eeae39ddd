"""OANDA's pricing stream (``/pricing/stream``) as an async iterator of quotes.

Like the transactions stream (:mod:`.stream`, driven by :mod:`.transactions`):
each connection runs oandapyV20's blocking generator on a thread of its own,
up is reported on the first line (a PRICE or a HEARTBEAT), down once per
outage, with backoff between attempts. OANDA sends a PRICE only when it
changes; a HEARTBEAT (every 5 s) says the last ones still stand
(:class:`QuoteHeartbeat`). A silent connection (not even heartbeats) ends
after the read timeout; meanwhile its quotes age, so they go stale.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

from fillgate.venues.oanda import translate
from fillgate.venues.oanda.stream import StreamConnection, StreamEnded
from fillgate.venues.types import QuoteHeartbeat, StreamStatus, VenueQuote

if TYPE_CHECKING:
    from fillgate.venues.oanda.driver import OandaDriver


async def quote_stream(
    driver: OandaDriver, symbols: list[str]
) -> AsyncIterator[VenueQuote | QuoteHeartbeat | StreamStatus]:
    """Yield ``symbols``' quotes forever, reconnecting; return once the driver closes."""
    names = [driver.symbol_map.venue(s) for s in symbols]
    if not names:
        return
    up: bool | None = None
    failures = 0
    while not driver.closed:
        connection = StreamConnection(
            functools.partial(driver.price_lines, names),
            name=f"oanda-prices-{driver.account_name}",
        )
        driver.price_connections.add(connection)
        detail = "pricing stream closed by the venue"
        try:
            while (message := await connection.get()) is not None:
                if up is not True:
                    up, failures = True, 0
                    yield StreamStatus(up=True)
                if not isinstance(message, dict):
                    continue
                if message.get("type") == "PRICE":
                    for quote in translate.quotes({"prices": [message]}, driver.symbol_map):
                        yield quote
                elif message.get("type") == "HEARTBEAT":
                    yield QuoteHeartbeat(ts_ns=translate.time_ns(message.get("time")))
            return  # stopped by close()
        except StreamEnded as ended:
            if ended.error is not None:
                detail = driver.classify(ended.error).message
        finally:
            connection.stop()
            driver.price_connections.discard(connection)
        if driver.closed:
            return
        failures += 1
        if up is not False:
            up = False
            yield StreamStatus(up=False, detail=detail)
        await asyncio.sleep(driver.backoff.delay(failures - 1))
