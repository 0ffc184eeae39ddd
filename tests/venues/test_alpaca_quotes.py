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
    return AlpacaDriver(settings_for(fake), credentials(fake.key, fake.secret), clock=SystemClock())


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


async def test_alpaca_quote_stream_drop_reports_down_then_up_again(fake, driver):
    stream = driver.quote_stream(["AAPL"])
    try:
        first = await asyncio.wait_for(anext(stream), 5)
        await fake.data.drop(refuse_s=0.3)
        async with asyncio.timeout(5):
            down = await _status(stream, up=False)
            up = await _status(stream, up=True)
    finally:
        await stream.aclose()

    assert first.up and not down.up and up.up
    assert fake.data.connects >= 2


async def _status(stream: AsyncIterator[Any], *, up: bool) -> StreamStatus:
    while not (isinstance(item := await anext(stream), StreamStatus) and item.up is up):
        pass
    return item


async def serve(fake: FakeAlpaca, tmp_path: Path, monkeypatch, **marketdata: Any) -> FillgateServer:
    for key, value in fake.environment().items():
        monkeypatch.setenv(key, value)
    config = config_from_dict(
        {
            "accounts": {"eq": fake.account_table()},
            "symbols": {fake.symbol: fake.symbol_table},
            "journal": {"path": str(tmp_path / "j.log")},
            # Admission off: a loaded machine must not shed these calls (see integration/).
            "server": {
                "admission_max_in_flight_orders": 0,
                "admission_max_loop_lag_ms": 0,
                "admission_max_queue_delay_ms": 0,
            },
            "marketdata": {"venue_quote_interval_s": 0.1, "max_quote_age_s": 0.6, **marketdata},
        }
    )
    return await create_server(config, listen="127.0.0.1:0")


@pytest.fixture
async def server(fake: FakeAlpaca, tmp_path: Path, monkeypatch) -> AsyncIterator[FillgateServer]:
    running = await serve(fake, tmp_path, monkeypatch)
    try:
        yield running
    finally:
        await running.stop(grace=0.5)


async def _mark(client: AsyncFillgateClient, wanted: Decimal) -> Any:
    async with asyncio.timeout(5):
        while True:
            (quote,) = (await client.get_quotes("AAPL")).quotes
            if quote.mark == wanted and quote.source == "venue":
                return quote
            await asyncio.sleep(0.05)


async def _until_streaming(running: FillgateServer) -> None:
    quotes = running.parts.quotes
    assert quotes is not None
    async with asyncio.timeout(5):
        while "eq" not in quotes.streaming:
            await asyncio.sleep(0.02)


def _rest_polls(fake: FakeAlpaca) -> int:
    return sum(1 for r in fake.requests if r.path == STOCK_QUOTES_PATH)


async def test_alpaca_quotes_moved_price_becomes_mark_and_arrival_price(fake, server):
    fake.set_price(Decimal("195.10"))
    async with AsyncFillgateClient(f"127.0.0.1:{server.port}", timeout=10) as client:
        quote = await _mark(client, Decimal("195.10"))
        placed = await client.submit_order("eq", "AAPL", "buy", "2")

    assert (quote.bid, quote.ask) == (Decimal("195.09"), Decimal("195.11"))
    assert placed.order.arrival_price == Decimal("195.10")


async def test_alpaca_quotes_stream_moves_mark_without_polling(fake, tmp_path, monkeypatch):
    running = await serve(fake, tmp_path, monkeypatch, venue_quote_interval_s=60)
    try:
        async with AsyncFillgateClient(f"127.0.0.1:{running.port}", timeout=10) as client:
            await _until_streaming(running)
            polls = _rest_polls(fake)

            fake.set_price(Decimal("192.40"))
            await _mark(client, Decimal("192.40"))
    finally:
        await running.stop(grace=0.5)

    assert _rest_polls(fake) == polls  # the stream brought it, not a REST read


async def test_alpaca_quotes_stream_drop_falls_back_to_polling(fake, server):
    async with AsyncFillgateClient(f"127.0.0.1:{server.port}", timeout=10) as client:
        await _until_streaming(server)

        await fake.data.drop(refuse_s=3.0)
        polls = _rest_polls(fake)
        fake.set_price(Decimal("193.70"))  # no stream is open to carry it
        await _mark(client, Decimal("193.70"))

    assert _rest_polls(fake) > polls


async def test_alpaca_quotes_silent_stream_goes_stale_market_order_denied(fake, server):
    async with AsyncFillgateClient(f"127.0.0.1:{server.port}", timeout=10) as client:
        await _until_streaming(server)
        await _mark(client, Decimal("190.25"))
        fake.data.silence()
        await asyncio.sleep(0.8)

        with pytest.raises(FailedPreconditionError) as info:
            await client.submit_order("eq", "AAPL", "buy", "2")

    assert info.value.reason == "QUOTE_STALE"
    assert info.value.metadata["source"] == "venue"


async def test_alpaca_fetch_quotes_zero_side_becomes_none(fake, driver):
    fake.data.half_spread = Decimal("190.25")  # the bid side quotes 0: Alpaca's "no bid"

    (quote,) = await driver.fetch_quotes(["AAPL"])

    assert (quote.bid, quote.ask) == (None, Decimal("380.5"))


async def test_alpaca_quote_stream_silent_sends_nothing_while_up(fake, driver):
    stream = driver.quote_stream(["AAPL"])
    try:
        assert (await asyncio.wait_for(anext(stream), 5)).up
        fake.data.silence()
        with pytest.raises(TimeoutError):
            for _ in range(20):  # drain what was in flight, then nothing more arrives
                await asyncio.wait_for(anext(stream), 0.5)
    finally:
        await stream.aclose()

    assert fake.data.connects == 1  # still the same live socket
