"""Binance quotes (issue 12) through ccxt.pro against the Binance fake.

Streamed by ``watch_bids_asks`` (the ``<symbol>@bookTicker`` market stream);
read over REST (``/ticker/bookTicker``) every ``venue_quote_interval_s``
while that stream is down; a venue that stops answering leaves its quotes to
go stale.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fakes.binance import FakeBinance

from fillgate.app import FillgateServer, create_server
from fillgate.config import config_from_dict
from fillgate.domain.values import SystemClock
from fillgate.venues.ccxt import build_driver
from fillgate.venues.ccxt.quotes import QuoteStream
from fillgate.venues.types import StreamStatus, VenueQuote
from fillgate_client import AsyncFillgateClient
from fillgate_client.errors import FailedPreconditionError

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def make_fake() -> FakeBinance:
    return FakeBinance()


def make_driver(fake: FakeBinance) -> Any:
    return build_driver(fake.settings(), fake.credentials(), clock=SystemClock())


async def test_ccxt_fetch_quotes_reads_book_ticker_exactly(fake, driver):
    fake.set_price(Decimal("51234.57"))

    (quote,) = await driver.fetch_quotes(["BTC-USD", "ETH-USD"])  # ETH: not mapped here

    assert (quote.symbol, quote.bid, quote.ask) == (
        "BTC-USD",
        Decimal("51234.57"),
        Decimal("51234.57"),
    )


async def _next_quote(stream: Any) -> VenueQuote:
    async with asyncio.timeout(5):
        while not isinstance(item := await anext(stream), VenueQuote):
            pass
    return item


async def test_ccxt_quote_stream_subscribes_book_ticker_and_yields_exact_decimals(fake, driver):
    fake.set_price(Decimal("51234.57"))
    stream = driver.quote_stream(["BTC-USD", "ETH-USD"])  # ETH: not mapped here

    first = await anext(stream)
    quote = await _next_quote(stream)
    await stream.aclose()

    assert first == StreamStatus(up=True)
    assert (quote.symbol, quote.bid, quote.ask) == (
        "BTC-USD",
        Decimal("51234.57"),
        Decimal("51234.57"),
    )
    assert isinstance(quote.bid, Decimal) and quote.bid.as_tuple().exponent == -2
    assert fake.market_ws.connections == 1


async def test_ccxt_quote_stream_price_change_arrives_as_next_quote(fake, driver):
    stream = driver.quote_stream(["BTC-USD"])
    await _next_quote(stream)

    fake.set_price(Decimal("49999.99"))
    quote = await _next_quote(stream)
    await stream.aclose()

    assert quote.bid == quote.ask == Decimal("49999.99")


async def test_ccxt_quote_stream_drop_reports_down_then_up_again(fake, driver):
    stream = driver.quote_stream(["BTC-USD"])
    await _next_quote(stream)

    await fake.drop_price_streams(refuse_s=0.3)
    async with asyncio.timeout(5):
        down = await _next_status(stream)
        up = await _next_status(stream)
    await stream.aclose()

    assert (down.up, up.up) == (False, True)
    assert fake.market_ws.connections == 2


async def _next_status(stream: Any) -> StreamStatus:
    while not isinstance(item := await anext(stream), StreamStatus):
        pass
    return item


async def test_ccxt_quote_stream_without_watch_bids_asks_watches_ticker(fake, driver):
    stream = driver.quote_stream(["BTC-USD"])
    driver.quote_exchange().has["watchBidsAsks"] = False
    calls: list[str] = []
    watch = driver.quote_exchange().watch_ticker

    async def counting(symbol: str, params: Any = None) -> Any:
        calls.append(symbol)
        return await watch(symbol)

    driver.quote_exchange().watch_ticker = counting
    fake.set_price(Decimal("50100.5"))

    quote = await _next_quote(stream)
    await stream.aclose()

    assert calls[0] == "BTC/USDT"
    assert quote.last == Decimal("50100.5")


async def test_ccxt_quote_stream_silent_past_idle_limit_reports_down_and_redials(fake, driver):
    stream = QuoteStream(driver, {"BTC/USDT": "BTC-USD"}, account="acct", idle_s=0.5).run()
    await _next_quote(stream)

    fake.silence_price_streams()
    async with asyncio.timeout(5):
        down = await _next_status(stream)
        fake.silence_price_streams(False)
        up = await _next_status(stream)
    await stream.aclose()

    assert down.up is False and "no quote" in down.detail
    assert up.up is True
    assert fake.market_ws.connections == 2


async def test_ccxt_quote_stream_closed_driver_ends_stream(fake, driver):
    stream = driver.quote_stream(["BTC-USD"])
    await _next_quote(stream)

    await driver.close()

    async with asyncio.timeout(5):
        rest = [i async for i in stream]
    assert all(isinstance(i, VenueQuote) for i in rest)


@pytest.fixture
async def server(fake, tmp_path: Path, monkeypatch) -> AsyncIterator[FillgateServer]:
    for key, value in fake.environment().items():
        monkeypatch.setenv(key, value)
    config = config_from_dict(
        {
            "accounts": {"crypto": fake.account_table()},
            "symbols": {fake.symbol: fake.symbol_table},
            "journal": {"path": str(tmp_path / "j.log")},
            "server": {
                "admission_max_in_flight_orders": 0,
                "admission_max_loop_lag_ms": 0,
                "admission_max_queue_delay_ms": 0,
            },
            "risk": {"max_order_notional": "1000000"},
            "marketdata": {"venue_quote_interval_s": 0.1, "max_quote_age_s": 0.6},
        }
    )
    running = await create_server(config, listen="127.0.0.1:0")
    try:
        yield running
    finally:
        await running.stop(grace=0.5)


async def test_ccxt_quotes_move_mark_then_silent_venue_goes_stale(fake, server):
    async with AsyncFillgateClient(f"127.0.0.1:{server.port}", timeout=10) as client:
        fake.set_price(Decimal("52000"))
        async with asyncio.timeout(5):
            while (await client.get_quotes("BTC-USD")).quotes[0].mark != Decimal(52000):
                await asyncio.sleep(0.05)
        fake.silence_price_streams()
        fake.fail("GET", "/api/v3/ticker/bookTicker", 503, times=10_000)
        await asyncio.sleep(0.8)

        with pytest.raises(FailedPreconditionError) as info:
            await client.submit_order("crypto", "BTC-USD", "buy", "0.001")

    assert info.value.reason == "QUOTE_STALE"
