"""Data-stale alerts end to end: a real server whose price feed stops raises DATA_STALE.

The feed replays a two-line file once (as fast as it can), then is silent: what a
stopped feed looks like. BTC-USD's market (24/7) is open, so after
``quote_stale_after_s`` (2 s: time for the test to subscribe first) the watchdog
(once a second) raises one alert on the stream.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from decimal import Decimal as D
from pathlib import Path

import pytest_asyncio
from support import CONFIG, StreamReader

from fillgate.app import FillgateServer, create_server
from fillgate.config import config_from_dict
from fillgate_client import Alert, AlertKind, AsyncFillgateClient

FEED = "time,symbol,bid,ask,last\n2026-01-05T14:30:00Z,BTC-USD,49990,50010,\n"


@pytest_asyncio.fixture
async def stopped_feed(tmp_path: Path) -> AsyncIterator[FillgateServer]:
    feed = tmp_path / "feed.csv"
    feed.write_text(FEED)
    config = config_from_dict(
        {
            **CONFIG,
            "journal": {"path": str(tmp_path / "journal.log")},
            "server": {"admission_max_loop_lag_ms": 0, "admission_max_queue_delay_ms": 0},
            "marketdata": {"feed": str(feed), "feed_speed": 0},
            "alerts": {"quote_stale_after_s": 2},  # time to subscribe first
        }
    )
    running = await create_server(config, listen="127.0.0.1:0")
    try:
        yield running
    finally:
        await running.stop(grace=0.5)


def alerts(reader: StreamReader) -> list[Alert]:
    return [e for e in reader.events if isinstance(e, Alert)]


def kinds(reader: StreamReader) -> list[tuple[AlertKind, str]]:
    return [(a.kind, a.symbol) for a in alerts(reader)]


async def test_data_stale_stopped_feed_streams_one_data_stale_alert(stopped_feed):
    async with AsyncFillgateClient(f"127.0.0.1:{stopped_feed.port}", timeout=10) as client:
        reader = await StreamReader(client).start()
        try:
            await reader.wait_for(lambda r: bool(alerts(r)), timeout=10)
            await asyncio.sleep(2.5)  # more watchdog rounds: still one alert
        finally:
            await reader.stop()
    (alert,) = alerts(reader)  # ETH-USD has no live source: never watched
    assert (alert.kind, alert.symbol, alert.threshold) == (AlertKind.DATA_STALE, "BTC-USD", D(2))
    assert alert.value >= 2


async def test_data_stale_quotes_resuming_stream_data_resumed_alert(stopped_feed):
    async with AsyncFillgateClient(f"127.0.0.1:{stopped_feed.port}", timeout=10) as client:
        reader = await StreamReader(client).start()
        try:
            await reader.wait_for(lambda r: bool(alerts(r)), timeout=10)
            stopped_feed.parts.engine.on_quote("BTC-USD", bid=D(49995), ask=D(50005))
            await reader.wait_for(lambda r: len(alerts(r)) == 2, timeout=5)
        finally:
            await reader.stop()
    assert kinds(reader) == [
        (AlertKind.DATA_STALE, "BTC-USD"),
        (AlertKind.DATA_RESUMED, "BTC-USD"),
    ]
