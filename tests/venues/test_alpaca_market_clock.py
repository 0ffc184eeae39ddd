"""Alpaca's /v2/clock and /v2/calendar through alpaca-py, and a server reporting their drift.

The fake venue's days are XNYS's; a test makes it disagree on one date. Every
time is fixed: the server's clock is a ManualClock, the fake's clock ``now``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from fakes.alpaca import FakeAlpaca
from fakes.alpaca_book import ASSETS
from fakes.alpaca_harness import credentials, limit, posted_orders, settings_for

from fillgate.app import FillgateServer, create_server
from fillgate.config import config_from_dict
from fillgate.domain.enums import TimeInForce
from fillgate.domain.values import ManualClock, SystemClock
from fillgate.venues.alpaca import build_driver
from fillgate.venues.alpaca.driver import AlpacaDriver
from fillgate_client import AsyncFillgateClient, DriftKind, FailedPreconditionError, VenueDrift

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

NY = ZoneInfo("America/New_York")


def et(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=NY).timestamp()) * 1_000_000_000


def make_fake() -> FakeAlpaca:
    return FakeAlpaca()


def make_driver(fake: FakeAlpaca) -> AlpacaDriver:
    return build_driver(settings_for(fake), credentials(fake.key, fake.secret), clock=SystemClock())


async def test_fetch_market_days_half_day_closes_1300_after_hours_to_1700(
    driver: AlpacaDriver,
) -> None:
    days = await driver.fetch_market_days(date(2026, 11, 25), date(2026, 11, 30))

    assert [d.date for d in days] == ["2026-11-25", "2026-11-27", "2026-11-30"]
    half = days[1]
    assert (half.open_ns, half.close_ns) == (et("2026-11-27T09:30"), et("2026-11-27T13:00"))
    assert (half.pre_ns, half.post_ns) == (et("2026-11-27T04:00"), et("2026-11-27T17:00"))


async def test_fetch_market_clock_saturday_closed_next_open_monday(
    fake: FakeAlpaca, driver: AlpacaDriver
) -> None:
    fake.market.now = datetime(2026, 12, 5, 3, 0, 0, 500_000, tzinfo=NY)

    clock = await driver.fetch_market_clock()

    assert clock.ts_ns == et("2026-12-05T03:00") + 500_000_000  # nanosecond text, read to the us
    assert clock.is_open is False
    assert (clock.next_open_ns, clock.next_close_ns) == (
        et("2026-12-07T09:30"),
        et("2026-12-07T16:00"),
    )


# -- a server whose Alpaca account disagrees with XNYS ------------------------------------


@pytest.fixture
async def venue(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeAlpaca]:
    fake = FakeAlpaca()
    await fake.start()
    for key, value in fake.environment().items():
        monkeypatch.setenv(key, value)
    yield fake
    await fake.stop()


async def _serve(fake: FakeAlpaca, journal: Path, clock: ManualClock) -> FillgateServer:
    config = config_from_dict(
        {
            "accounts": {"equities": fake.account_table()},
            "symbols": {"AAPL": fake.symbol_table},
            "journal": {"path": str(journal)},
            # Admission control off: a loaded machine must not shed these tests' calls.
            "server": {
                "admission_max_in_flight_orders": 0,
                "admission_max_loop_lag_ms": 0,
                "admission_max_queue_delay_ms": 0,
            },
            "sessions": {
                "venue_check_interval_s": 0,
                "symbols": {"AAPL": {"calendar": "XNYS"}},
            },
        }
    )
    return await create_server(config, listen="127.0.0.1:0", clock=clock)


async def _drifts(client: AsyncFillgateClient, timeout: float = 5.0) -> list[VenueDrift]:
    found: list[VenueDrift] = []
    deadline = time.monotonic() + timeout

    async def read() -> None:
        async for event in client.stream_fills(from_sequence=0, heartbeat_interval_ms=200):
            if isinstance(event, VenueDrift) and event.kind is DriftKind.SESSION:
                found.append(event)

    task = asyncio.ensure_future(read())
    while not found and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.2)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    return found


async def test_server_venue_early_close_reported_as_session_drift_and_venue_close_used(
    venue: FakeAlpaca, tmp_path: Path
) -> None:
    venue.market.now = datetime(2026, 12, 7, 10, 0, tzinfo=NY)
    venue.market.set_day("2026-12-08", ("09:30", "12:00"))  # an early close XNYS does not know

    clock = ManualClock(et("2026-12-07T10:00"))
    server = await _serve(venue, tmp_path / "j.log", clock)
    try:
        async with AsyncFillgateClient(f"127.0.0.1:{server.port}", timeout=10) as client:
            drifts = await _drifts(client)
            clock.advance(et("2026-12-08T11:00") - clock.now_ns())  # the next day
            (aapl,) = await client.get_market_status("AAPL")
    finally:
        await server.stop(grace=0.5)

    assert [(d.account, d.symbol, d.ours, d.venue) for d in drifts] == [
        ("equities", "AAPL", "2026-12-08 09:30-16:00", "2026-12-08 09:30-12:00")
    ]
    assert "the venue's is used" in drifts[0].message
    assert aapl.next_close_local == "2026-12-08T12:00:00-05:00"


async def test_server_venue_agrees_with_calendar_reports_no_session_drift(
    venue: FakeAlpaca, tmp_path: Path
) -> None:
    venue.market.now = datetime(2026, 12, 7, 10, 0, tzinfo=NY)

    server = await _serve(venue, tmp_path / "j.log", ManualClock(et("2026-12-07T10:00")))
    try:
        async with AsyncFillgateClient(f"127.0.0.1:{server.port}", timeout=10) as client:
            drifts = await _drifts(client, timeout=0.5)
    finally:
        await server.stop(grace=0.5)

    assert venue.market.calendar_requests == 1 and venue.market.clock_requests == 1
    assert drifts == []


# -- a venue halt ---------------------------------------------------------------------------


async def test_server_alpaca_asset_not_tradable_denies_symbol_not_trading(
    venue: FakeAlpaca, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(ASSETS["AAPL"], "tradable", False)
    venue.market.now = datetime(2026, 12, 7, 10, 0, tzinfo=NY)

    server = await _serve(venue, tmp_path / "j.log", ManualClock(et("2026-12-07T10:00")))
    try:
        async with AsyncFillgateClient(f"127.0.0.1:{server.port}", timeout=10) as client:
            with pytest.raises(FailedPreconditionError) as caught:
                await _submit_when_reconciled(client)
    finally:
        await server.stop(grace=0.5)

    assert caught.value.reason == "SYMBOL_NOT_TRADING"
    assert caught.value.metadata == {"account": "equities", "symbol": "AAPL"}
    assert list(venue.book.orders) == []


async def _submit_when_reconciled(client: AsyncFillgateClient) -> None:
    """Submit once the account's first reconciliation has run (until then it is gated)."""
    deadline = time.monotonic() + 5
    while True:
        try:
            await client.submit_order("equities", "AAPL", "buy", "1")
            return
        except FailedPreconditionError as exc:
            if exc.reason != "VENUE_NOT_RECONCILED" or time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.05)


async def test_place_extended_hours_limit_day_sends_extended_hours_to_alpaca(
    fake: FakeAlpaca, driver: AlpacaDriver
) -> None:
    await driver.open()
    order = replace(limit("ext-1"), time_in_force=TimeInForce.DAY, extended_hours=True)

    await driver.place(order)

    (body,) = posted_orders(fake)
    assert (body["extended_hours"], body["type"], body["time_in_force"]) == (True, "limit", "day")


async def test_place_regular_order_sends_no_extended_hours_field(
    fake: FakeAlpaca, driver: AlpacaDriver
) -> None:
    await driver.open()

    await driver.place(limit("reg-1"))

    (body,) = posted_orders(fake)
    assert "extended_hours" not in body


async def test_server_intraday_halt_seen_at_next_check_then_lifted(
    venue: FakeAlpaca, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    venue.market.now = datetime(2026, 12, 7, 10, 0, tzinfo=NY)
    server = await _serve(venue, tmp_path / "j.log", ManualClock(et("2026-12-07T10:00")))
    try:
        async with AsyncFillgateClient(f"127.0.0.1:{server.port}", timeout=10) as client:
            await _submit_when_reconciled(client)  # trading: accepted
            monkeypatch.setitem(ASSETS["AAPL"], "tradable", False)
            await server.parts.venue_sessions.check()
            with pytest.raises(FailedPreconditionError) as caught:
                await client.submit_order("equities", "AAPL", "buy", "1")
            monkeypatch.setitem(ASSETS["AAPL"], "tradable", True)
            await server.parts.venue_sessions.check()
            await client.submit_order("equities", "AAPL", "buy", "1")
    finally:
        await server.stop(grace=0.5)

    assert caught.value.reason == "SYMBOL_NOT_TRADING"
    assert len(list(venue.book.orders)) == 2
