"""The Alpaca driver's connections: the trade_updates stream and the REST transport under it."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import AsyncIterator

import pytest
from fakes.alpaca import FakeAlpaca
from fakes.alpaca_harness import Feed, credentials, fails, posted_orders, request, settings_for

from fillgate.domain.values import SystemClock
from fillgate.venues.alpaca import build_driver
from fillgate.venues.alpaca.driver import AlpacaDriver
from fillgate.venues.errors import ErrorKind
from fillgate.venues.types import VenueStatus

pytestmark = pytest.mark.filterwarnings("ignore:websockets.legacy is deprecated:DeprecationWarning")


def make_fake() -> FakeAlpaca:
    return FakeAlpaca()


def make_driver(fake: FakeAlpaca) -> AlpacaDriver:
    return build_driver(settings_for(fake), credentials(fake.key, fake.secret), clock=SystemClock())


@pytest.fixture
async def feed(driver: AlpacaDriver) -> AsyncIterator[Feed]:
    consumer = Feed(driver)
    await consumer.up()
    yield consumer
    await consumer.stop()


# -- stream --------------------------------------------------------------------------------


async def test_stream_goes_down_then_up_again_around_a_drop(driver, feed, fake):
    await fake.drop_streams(refuse_s=0.3)

    down = await feed.up(False)
    await feed.up(True)

    assert "connection lost" in down.detail
    assert fake.stream.connects == 2


async def test_stream_delivers_text_frames_too(fake):
    fake.stream.binary_frames = False
    driver = build_driver(
        settings_for(fake), credentials(fake.key, fake.secret), clock=SystemClock()
    )
    consumer = Feed(driver)
    try:
        await consumer.up()
        await driver.place(request("mkt-6"))
        await consumer.order("mkt-6", VenueStatus.FILLED)
    finally:
        await consumer.stop()
        await driver.close()


async def test_stream_ends_promptly_when_driver_closes(driver, feed):
    started = time.monotonic()
    await driver.close()

    await asyncio.wait_for(feed.task, 1.0)
    assert time.monotonic() - started < 1.0


async def test_stream_stops_promptly_and_disconnects_when_consumer_cancelled(driver, feed, fake):
    started = time.monotonic()
    await feed.stop()

    assert time.monotonic() - started < 1.0
    await asyncio.sleep(0.05)
    assert not fake.stream.connections


# -- transport -----------------------------------------------------------------------------


async def test_rest_calls_leave_the_event_loop_running(driver, fake):
    fake.slow("GET", "/v2/account", 0.3)
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    ticker = asyncio.create_task(tick())
    await driver.fetch_balances()
    ticker.cancel()

    assert ticks >= 10


async def test_lost_order_response_is_unknown_outcome_sent_once(driver, fake):
    for status, client_id in ((503, "lost-1"), (504, "lost-2")):
        fake.lose_next_order_response(status)

        failed = await fails(driver, driver.place(request(client_id)))

        assert failed.kind is ErrorKind.UNKNOWN_OUTCOME
    assert [o.client_id for o in fake.orders()] == ["lost-1", "lost-2"]
    assert len(posted_orders(fake)) == 2


async def test_rate_limited_answer_is_retryable_with_retry_after_not_retried(driver, fake):
    body = {"code": 42910000, "message": "rate limit exceeded"}
    fake.fail("POST", "/v2/orders", 429, body, times=2, headers={"Retry-After": "2"})

    failed = await fails(driver, driver.place(request("rl-1")))

    assert (failed.kind, failed.retry_after) == (ErrorKind.RETRYABLE, 2.0)
    assert len(posted_orders(fake)) == 1


async def test_answer_slower_than_timeout_is_unknown_outcome(fake):
    driver = build_driver(
        settings_for(fake, timeout_s=0.2), credentials(fake.key, fake.secret), clock=SystemClock()
    )
    fake.slow("POST", "/v2/orders", 0.5)
    try:
        failed = await fails(driver, driver.place(request("slow-1")))
    finally:
        await driver.close()

    assert failed.kind is ErrorKind.UNKNOWN_OUTCOME


async def test_unreachable_venue_is_retryable(fake):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    settings = settings_for(fake, api_url=f"http://127.0.0.1:{closed_port}")
    driver = build_driver(settings, credentials(fake.key, fake.secret), clock=SystemClock())
    try:
        assert (await fails(driver, driver.fetch_balances())).kind is ErrorKind.RETRYABLE
    finally:
        await driver.close()


async def test_failures_and_repr_never_show_secrets(driver, fake):
    echo = f"bad key {fake.key} with secret {fake.secret}"
    fake.fail("GET", "/v2/account", 401, {"code": 40110000, "message": echo})
    fake.fail("GET", "/v2/positions", 502, f"<html>{fake.secret}</html>")

    failures = [
        await fails(driver, driver.fetch_balances()),
        await fails(driver, driver.fetch_positions()),
    ]

    for text in [repr(driver), *(f.message for f in failures), *(repr(f) for f in failures)]:
        assert fake.key not in text and fake.secret not in text
    assert [f.kind for f in failures] == [ErrorKind.FATAL, ErrorKind.UNKNOWN_OUTCOME]


async def test_driver_declares_alpaca_limits_and_client_id_rule(driver):
    assert (driver.name, driver.native_replace) == ("alpaca", True)
    assert driver.limits.per_second == pytest.approx(200 / 60)
    assert driver.client_ids.max_length == 128 and ":" in driver.client_ids.extra_chars
