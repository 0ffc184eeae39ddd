"""OANDA quotes drive the mark (issue 12), through oandapyV20 against the OANDA fake.

The report this reproduces: against the fake with a 10,000 account, after the
venue's EUR_USD moved to 1.10000, a market buy tripped the slippage breaker
("expected 1.08462") and a limit at 1.09900 was denied PRICE_OUTSIDE_COLLAR
"from the reference price 1.08462": every check worked from the config's
price. Now the venue's quotes (``/pricing``, polled) are the mark, and a venue
whose quotes stop makes them stale, so market orders are denied QUOTE_STALE.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fakes.oanda import FakeOanda
from fakes.oanda_harness import ACCOUNT_PATH, new_driver

from fillgate.app import FillgateServer, create_server
from fillgate.config import config_from_dict
from fillgate.venues.types import QuoteHeartbeat
from fillgate_client import Alert, AlertKind, AsyncFillgateClient
from fillgate_client.errors import FailedPreconditionError

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def make_fake() -> FakeOanda:
    # Heartbeats every 0.2 s: a live, quiet stream keeps its quotes well under 0.6 s old.
    return FakeOanda(balance=Decimal(10000), heartbeat_s=0.2)


def make_driver(fake: FakeOanda) -> Any:
    return new_driver(fake)


async def test_oanda_quote_stream_yields_up_then_prices_as_they_change(fake, driver):
    stream = driver.quote_stream(["EUR-USD"])
    seen = [await anext(stream), await anext(stream)]  # up, then the current price

    fake.set_price(Decimal("1.09000"))
    moved = await asyncio.wait_for(anext(stream), 5)
    while isinstance(moved, QuoteHeartbeat):
        moved = await asyncio.wait_for(anext(stream), 5)
    beat = await asyncio.wait_for(anext(stream), 5)
    await stream.aclose()

    assert seen[0].up is True
    assert (seen[1].symbol, seen[1].bid) == ("EUR-USD", Decimal("1.08462"))
    assert (moved.bid, moved.ask) == (Decimal("1.09"), Decimal("1.09"))
    assert isinstance(beat, QuoteHeartbeat) and beat.ts_ns > 0


async def test_oanda_fetch_quotes_reads_pricing_bid_ask_and_time(fake, driver):
    fake.set_price(Decimal("1.10000"))

    (quote,) = await driver.fetch_quotes(["EUR-USD", "BTC-USD"])  # BTC: not tradeable here

    assert (quote.symbol, quote.bid, quote.ask) == ("EUR-USD", Decimal("1.1"), Decimal("1.1"))
    assert quote.ts_ns > 0


async def serve(
    fake: FakeOanda,
    tmp_path: Path,
    monkeypatch,
    alerts: dict[str, Any] | None = None,
    **marketdata: Any,
) -> FillgateServer:
    for key, value in fake.environment().items():
        monkeypatch.setenv(key, value)
    config = config_from_dict(
        {
            "accounts": {"fx": fake.account_table()},
            "symbols": {fake.symbol: fake.symbol_table},
            "journal": {"path": str(tmp_path / "j.log")},
            # Admission off: a loaded machine must not shed these calls (see integration/).
            "server": {
                "admission_max_in_flight_orders": 0,
                "admission_max_loop_lag_ms": 0,
                "admission_max_queue_delay_ms": 0,
            },
            "risk": {
                "price_collar_pct": "1",
                "breakers": {"slippage": {"limit": "1"}},
            },
            "marketdata": {"venue_quote_interval_s": 0.1, "max_quote_age_s": 0.6, **marketdata},
            "alerts": alerts or {},
        }
    )
    return await create_server(config, listen="127.0.0.1:0")


@pytest.fixture
async def server(fake: FakeOanda, tmp_path: Path, monkeypatch) -> AsyncIterator[FillgateServer]:
    running = await serve(fake, tmp_path, monkeypatch)
    try:
        yield running
    finally:
        await running.stop(grace=0.5)


async def _mark(client: AsyncFillgateClient, wanted: Decimal) -> Any:
    async with asyncio.timeout(5):
        while True:
            (quote,) = (await client.get_quotes("EUR-USD")).quotes
            if quote.mark == wanted and quote.source == "venue":
                return quote
            await asyncio.sleep(0.05)


async def test_oanda_quotes_moved_market_collar_and_slippage_use_venue_price(fake, server):
    fake.set_price(Decimal("1.10000"))
    async with AsyncFillgateClient(f"127.0.0.1:{server.port}", timeout=10) as client:
        await _mark(client, Decimal("1.1"))

        limit = await client.submit_order(
            "fx", "EUR-USD", "buy", "1000", type="limit", limit_price="1.09900"
        )
        market = await client.submit_order("fx", "EUR-USD", "buy", "1000")
        async with asyncio.timeout(5):
            while (await client.get_order(market.order.order_id)).filled_quantity != 1000:
                await asyncio.sleep(0.05)
        risk = await client.get_risk_state(["fx"])

    assert limit.order.arrival_price == Decimal("1.1")
    assert market.order.arrival_price == Decimal("1.1")
    slippage = next(b for b in risk.accounts[0].breakers if b.breaker.label == "slippage")
    assert slippage.trip_time is None, slippage.trip_message


async def test_oanda_quotes_stream_moves_mark_without_polling(fake, tmp_path, monkeypatch):
    running = await serve(fake, tmp_path, monkeypatch, venue_quote_interval_s=60)
    try:
        async with AsyncFillgateClient(f"127.0.0.1:{running.port}", timeout=10) as client:
            await _until_streaming(running)
            polls = _pricing_polls(fake)

            fake.set_price(Decimal("1.09500"))
            await _mark(client, Decimal("1.095"))
    finally:
        await running.stop(grace=0.5)

    assert _pricing_polls(fake) == polls  # the stream brought it, not a REST read


async def test_oanda_quotes_stream_drop_falls_back_to_polling(fake, server):
    async with AsyncFillgateClient(f"127.0.0.1:{server.port}", timeout=10) as client:
        await _until_streaming(server)

        await fake.drop_price_streams(refuse_s=3.0)
        polls = _pricing_polls(fake)
        fake.set_price(Decimal("1.09700"))  # no stream is open to carry it
        await _mark(client, Decimal("1.097"))

    assert _pricing_polls(fake) > polls


async def test_oanda_quotes_silent_stream_goes_stale_market_order_denied(fake, server):
    async with AsyncFillgateClient(f"127.0.0.1:{server.port}", timeout=10) as client:
        await _until_streaming(server)
        fake.silence_price_streams()
        await asyncio.sleep(0.8)

        with pytest.raises(FailedPreconditionError) as info:
            await client.submit_order("fx", "EUR-USD", "buy", "1000")

    assert info.value.reason == "QUOTE_STALE"


def _pricing_polls(fake: FakeOanda) -> int:
    return sum(1 for r in fake.requests if r.path == ACCOUNT_PATH + "/pricing")


async def _until_streaming(running: FillgateServer) -> None:
    quotes = running.parts.quotes
    assert quotes is not None
    async with asyncio.timeout(5):
        while "fx" not in quotes.streaming:
            await asyncio.sleep(0.02)


async def test_oanda_quotes_venue_stops_answering_market_order_denied_stale(fake, server):
    async with AsyncFillgateClient(f"127.0.0.1:{server.port}", timeout=10) as client:
        await _mark(client, Decimal("1.08462"))
        await fake.drop_price_streams(refuse_s=10.0)
        fake.fail("GET", ACCOUNT_PATH + "/pricing", 503, times=10_000)
        await asyncio.sleep(0.8)

        with pytest.raises(FailedPreconditionError) as info:
            await client.submit_order("fx", "EUR-USD", "buy", "1000")
        (quote,) = (await client.get_quotes("EUR-USD")).quotes

    assert info.value.reason == "QUOTE_STALE"
    assert info.value.metadata["source"] == "venue"
    assert quote.stale


async def test_oanda_quotes_silent_stream_streams_data_stale_alert(fake, tmp_path, monkeypatch):
    running = await serve(fake, tmp_path, monkeypatch, alerts={"quote_stale_after_s": 1})
    try:
        async with AsyncFillgateClient(f"127.0.0.1:{running.port}", timeout=10) as client:
            await _until_streaming(running)
            events = client.stream_fills()
            await anext(events)  # the SubscriptionAck: live from here
            fake.silence_price_streams()
            async with asyncio.timeout(10):
                alert = await anext(e async for e in events if isinstance(e, Alert))
            await events.aclose()
    finally:
        await running.stop(grace=0.5)

    assert (alert.kind, alert.symbol) == (AlertKind.DATA_STALE, "EUR-USD")
