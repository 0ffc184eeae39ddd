"""Alpaca quotes drive the mark (issue 12), through alpaca-py's data clients and streams.

Against the fake market data API (:mod:`fakes.alpaca_data`): latest quotes
over REST (stocks and crypto endpoints), the quotes websocket (msgpack, as
alpaca-py speaks it), a dropped stream falling back to REST polling, and a
silent stream letting quotes go stale so market orders are denied QUOTE_STALE.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fakes.alpaca import FakeAlpaca
from fakes.alpaca_data import CRYPTO_QUOTES_PATH, STOCK_QUOTES_PATH
from fakes.alpaca_harness import credentials, settings_for

from fillgate.app import FillgateServer, create_server
from fillgate.config import config_from_dict
from fillgate.domain.values import SystemClock
from fillgate.venues.alpaca.driver import AlpacaDriver
from fillgate.venues.types import StreamStatus, VenueQuote
from fillgate_client import AsyncFillgateClient
from fillgate_client.errors import FailedPreconditionError

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def make_fake() -> FakeAlpaca:
    return FakeAlpaca()


def make_driver(fake: FakeAlpaca) -> AlpacaDriver:
    return AlpacaDriver(
        settings_for(fake), credentials(fake.key, fake.secret), clock=SystemClock()
    )


async def test_alpaca_fetch_quotes_stock_and_crypto_exact_decimals(fake, driver):
    fake.set_price(Decimal("190.37"))

    got = {q.symbol: q for q in await driver.fetch_quotes(["AAPL", "BTC-USD"])}

    assert (got["AAPL"].bid, got["AAPL"].ask) == (Decimal("190.36"), Decimal("190.38"))
    assert (got["BTC-USD"].bid, got["BTC-USD"].ask) == (Decimal("59999.99"), Decimal("60000.01"))
    assert got["AAPL"].ts_ns > 0
    paths = {r.path for r in fake.requests}
    assert {STOCK_QUOTES_PATH, CRYPTO_QUOTES_PATH} <= paths


async def test_alpaca_quote_stream_yields_up_then_quotes_as_they_change(fake, driver):
    stream = driver.quote_stream(["AAPL", "BTC-USD"])
    try:
        first = await asyncio.wait_for(anext(stream), 5)
        fake.set_price(Decimal("191.50"))
        async with asyncio.timeout(5):
            while True:
                item = await anext(stream)
                if isinstance(item, VenueQuote) and item.bid == Decimal("191.49"):
                    break
    finally:
        await stream.aclose()

    assert isinstance(first, StreamStatus) and first.up is True
    assert (item.symbol, item.ask) == ("AAPL", Decimal("191.51"))
    assert item.ts_ns > 0
