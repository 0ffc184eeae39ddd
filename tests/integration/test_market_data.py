"""Market data over the wire (issue 12): GetQuotes, the paper price feed, QUOTE_STALE.

A real server on an ephemeral port replays ``examples/quotes/sample.csv``
(as fast as it can, once), so the quote book holds the file's last quote of
each symbol; then nothing more arrives, which is what a silent feed is.
"""

from __future__ import annotations

import asyncio
import csv
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from fillgate.app import FillgateServer, create_server
from fillgate.config import config_from_dict
from fillgate_client import AsyncFillgateClient
from fillgate_client.errors import FailedPreconditionError, InvalidArgumentError

SAMPLE = Path(__file__).parents[2] / "examples" / "quotes" / "sample.csv"
NO_ADMISSION = {
    "admission_max_in_flight_orders": 0,
    "admission_max_loop_lag_ms": 0,
    "admission_max_queue_delay_ms": 0,
}


def last_rows() -> dict[str, dict[str, str]]:
    with open(SAMPLE, newline="") as f:
        return {row["symbol"]: row for row in csv.DictReader(f)}


async def start(tmp_path: Path, **marketdata: Any) -> FillgateServer:
    config = config_from_dict(
        {
            "accounts": {"paper": {"starting_cash": "10000000"}},
            "journal": {"path": str(tmp_path / "journal.log")},
            "server": NO_ADMISSION,
            "risk": {"max_order_notional": "5000000"},
            "marketdata": {"feed": str(SAMPLE), "feed_speed": 0, **marketdata},
        }
    )
    running = await create_server(config, listen="127.0.0.1:0")
    feed = running.parts.feed
    assert feed is not None
    async with asyncio.timeout(5):
        while feed.delivered < len(feed.quotes):
            await asyncio.sleep(0.01)
    return running


@pytest_asyncio.fixture
async def served(tmp_path: Path) -> AsyncIterator[tuple[FillgateServer, AsyncFillgateClient]]:
    running = await start(tmp_path, max_quote_age_s=60)
    try:
        async with AsyncFillgateClient(f"127.0.0.1:{running.port}", timeout=10) as client:
            yield running, client
    finally:
        await running.stop(grace=0.5)


async def test_market_data_get_quotes_after_feed_shows_last_quote_per_symbol(served):
    _, client = served
    expected = last_rows()

    result = await client.get_quotes()

    assert [q.symbol for q in result.quotes] == sorted(expected)
    for q in result.quotes:
        row = expected[q.symbol]
        assert (q.bid, q.ask) == (Decimal(row["bid"]), Decimal(row["ask"]))
        assert q.mark == (q.bid + q.ask) / 2  # type: ignore[operator]
        assert (q.source, q.stale) == ("feed", False)
    assert result.max_quote_age_ms == 60_000


async def test_market_data_get_quotes_unknown_symbol_invalid_argument(served):
    _, client = served

    with pytest.raises(InvalidArgumentError) as info:
        await client.get_quotes(["EUR-USD", "NOPE"])

    assert [f for f, _ in info.value.field_violations] == ["symbols"]


async def test_market_data_order_carries_arrival_price_mid(served):
    _, client = served
    mark = (await client.get_quotes("EUR-USD")).quotes[0].mark

    result = await client.submit_order("paper", "EUR-USD", "buy", "1000")

    assert result.order.arrival_price == mark


async def test_market_data_silent_feed_goes_stale_market_order_denied(tmp_path: Path):
    running = await start(tmp_path, max_quote_age_s=0.3)
    try:
        async with AsyncFillgateClient(f"127.0.0.1:{running.port}", timeout=10) as client:
            await asyncio.sleep(0.4)  # the feed ended: nothing arrives any more

            stale = (await client.get_quotes("BTC-USD")).quotes[0]
            with pytest.raises(FailedPreconditionError) as info:
                await client.submit_order("paper", "BTC-USD", "buy", "0.1")

        assert stale.stale and stale.age_ms >= 300
        assert info.value.reason == "QUOTE_STALE"
        assert info.value.metadata["limit"] == "0.3"
        assert int(info.value.metadata["age_ms"]) >= 300
    finally:
        await running.stop(grace=0.5)
