"""The OANDA driver's transactions stream and threads, against the fake OANDA venue."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import AsyncIterator
from decimal import Decimal

import pytest
from fakes.oanda import FakeOanda
from fakes.oanda_harness import Tap, limit, market, new_driver, order_of

from fillgate.venues.oanda.driver import OandaDriver
from fillgate.venues.types import StreamStatus, VenueRef, VenueReport, VenueStatus


def make_fake() -> FakeOanda:
    return FakeOanda(heartbeat_s=0.2)


make_driver = new_driver


@pytest.fixture
async def tap(driver: OandaDriver) -> AsyncIterator[Tap]:
    consumer = Tap(driver)
    await consumer.up()
    yield consumer
    await consumer.stop()


# -- stream ------------------------------------------------------------------------------


async def test_stream_partial_fill_is_fill_and_completing_fill_adds_filled_snapshot(
    driver: OandaDriver, fake: FakeOanda, tap: Tap
) -> None:
    await driver.place(limit("lim-1"))
    fake.fill("lim-1", Decimal("400"))
    first = await tap.until(lambda item: isinstance(item, VenueReport) and bool(item.fills))
    assert isinstance(first, VenueReport) and first.order is None
    assert [f.quantity for f in first.fills] == [Decimal("400")]
    fake.fill("lim-1", Decimal("600"))
    done = await tap.until(order_of("lim-1", VenueStatus.FILLED))
    assert isinstance(done, VenueReport) and done.order is not None
    assert [f.quantity for f in done.fills] == [Decimal("600")]
    assert done.order.filled_quantity == Decimal("1000")


async def test_stream_cancel_is_canceled_snapshot(driver: OandaDriver, tap: Tap) -> None:
    placed = await driver.place(limit("lim-1"))
    assert placed.order is not None
    await driver.cancel(VenueRef(client_id="lim-1", venue_order_id="", symbol="EUR-USD"))
    report = await tap.until(order_of("lim-1", VenueStatus.CANCELED))
    assert isinstance(report, VenueReport) and report.order is not None
    assert report.order.reason == "CLIENT_REQUEST"


async def test_stream_dropped_reports_down_then_up_again(fake: FakeOanda, tap: Tap) -> None:
    await fake.drop_streams(refuse_s=0.3)
    down = await tap.until(lambda item: isinstance(item, StreamStatus))
    assert isinstance(down, StreamStatus) and not down.up and down.detail
    await tap.up()
    assert fake.stream_connections >= 2


async def test_stream_ended_by_venue_reports_down_then_up_again(fake: FakeOanda, tap: Tap) -> None:
    await fake.drop_streams(refuse_s=0.0, graceful=True)
    down = await tap.until(lambda item: isinstance(item, StreamStatus))
    assert isinstance(down, StreamStatus) and not down.up
    await tap.up()


async def test_stream_ends_when_driver_closes(fake: FakeOanda) -> None:
    driver = new_driver(fake)
    await driver.open()
    consumer = Tap(driver)
    await consumer.up()
    await driver.close()
    async with asyncio.timeout(2):
        await consumer.task  # the generator returned by itself
    assert not [t for t in threading.enumerate() if t.name.startswith("oanda-stream")]


async def test_stream_thread_stops_when_consumer_is_cancelled(fake: FakeOanda) -> None:
    driver = new_driver(fake)
    await driver.open()
    consumer = Tap(driver)
    await consumer.up()
    await consumer.stop()
    async with asyncio.timeout(2):
        while [t for t in threading.enumerate() if t.name.startswith("oanda-stream")]:
            await asyncio.sleep(0.05)
    await driver.close()


async def test_stream_ends_when_consumer_swallowed_its_cancellation(fake: FakeOanda) -> None:
    driver = new_driver(fake)
    await driver.open()
    up = asyncio.Event()

    async def consume() -> None:
        async for item in driver.stream():
            if isinstance(item, StreamStatus) and item.up:
                up.set()
                # Swallow the cancel, as Python 3.11's wait_for does when its call just finished.
                with contextlib.suppress(asyncio.CancelledError):
                    await asyncio.sleep(10)

    task = asyncio.create_task(consume())
    await up.wait()
    task.cancel()
    await asyncio.wait({task}, timeout=2)  # unlike wait_for, never cancels the task itself
    assert task.cancelled()
    await driver.close()


# -- threads and secrets ---------------------------------------------------------------


async def test_blocking_calls_run_off_the_event_loop_thread(
    driver: OandaDriver, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="oandapyV20"):
        await driver.place(market("mkt-1"))
        await driver.fetch_positions()
    threads = {r.thread for r in caplog.records if r.getMessage().startswith("performing request")}
    assert threads and threading.get_ident() not in threads
