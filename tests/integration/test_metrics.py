"""Prometheus /metrics end to end: a real server with ``[metrics] listen``, scraped over HTTP."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from decimal import Decimal as D

import aiohttp
import grpc
import pytest
import pytest_asyncio
from prometheus_client.parser import text_string_to_metric_families
from support import CONFIG, StreamReader

from fillgate.app import FillgateServer, create_server
from fillgate.config import ConfigError, config_from_dict
from fillgate_client import AsyncFillgateClient, FailedPreconditionError

EXEC = "fillgate.v1.ExecutionService"
NO_ADMISSION = {
    "admission_max_in_flight_orders": 0,
    "admission_max_loop_lag_ms": 0,
    "admission_max_queue_delay_ms": 0,
}


def _config(tmp_path, server: dict[str, object] | None = None):  # type: ignore[no-untyped-def]
    return config_from_dict(
        {
            **CONFIG,
            "journal": {"path": str(tmp_path / "journal.log")},
            "server": server if server is not None else NO_ADMISSION,
            "metrics": {"listen": "127.0.0.1:0"},
        }
    )


@pytest_asyncio.fixture
async def observed(tmp_path) -> AsyncIterator[FillgateServer]:  # type: ignore[no-untyped-def]
    running = await create_server(_config(tmp_path), listen="127.0.0.1:0")
    try:
        yield running
    finally:
        await running.stop(grace=0.5)


@pytest_asyncio.fixture
async def client(observed: FillgateServer) -> AsyncIterator[AsyncFillgateClient]:
    async with AsyncFillgateClient(f"127.0.0.1:{observed.port}", timeout=10) as c:
        yield c


async def scrape(server: FillgateServer) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of a real scrape, keyed by name and sorted labels."""
    assert server.observability is not None
    url = f"http://127.0.0.1:{server.observability.exporter.port}/metrics"
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/plain; version=")
        text = await response.text()
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def grpc_labels(method: str, code: str | None = None, kind: str = "unary") -> tuple:  # type: ignore[type-arg]
    labels = {"grpc_type": kind, "grpc_service": EXEC, "grpc_method": method}
    if code is not None:
        labels["grpc_code"] = code
    return tuple(sorted(labels.items()))


async def test_metrics_submit_order_counts_grpc_call_and_order_outcome(observed, client):
    await client.submit_order("paper", "BTC-USD", "buy", D("0.5"))
    samples = await scrape(observed)
    assert samples[("grpc_server_started_total", grpc_labels("SubmitOrder"))] == 1
    assert samples[("grpc_server_handled_total", grpc_labels("SubmitOrder", "OK"))] == 1
    assert samples[("grpc_server_msg_sent_total", grpc_labels("SubmitOrder"))] == 1
    assert samples[("grpc_server_handling_seconds_count", grpc_labels("SubmitOrder"))] == 1
    order = (("account", "paper"), ("symbol", "BTC-USD"), ("venue", "paper"))
    assert (
        samples[
            ("fillgate_orders_total", (("account", "paper"), ("event", "accepted"), *order[1:]))
        ]
        == 1
    )
    assert (
        samples[("fillgate_orders_total", (("account", "paper"), ("event", "filled"), *order[1:]))]
        == 1
    )
    assert samples[("fillgate_fills_total", order)] == 1
    assert samples[("fillgate_order_first_fill_seconds_count", (("venue", "paper"),))] == 1
    assert samples[("fillgate_order_ack_seconds_count", (("venue", "paper"),))] == 1
    assert samples[("fillgate_fill_slippage_bps_count", (("venue", "paper"),))] == 1
    assert samples[("fillgate_fill_slippage_bps_bucket", (("le", "0.0"), ("venue", "paper")))] == 1
    submit = (("method", "submit"), ("venue", "paper"))
    assert samples[("fillgate_venue_call_seconds_count", submit)] == 1


async def test_metrics_invalid_request_counted_with_its_status_code(observed, client):
    with pytest.raises(Exception):  # noqa: B017 - the client's error type is not the subject
        await client.submit_order("nobody", "BTC-USD", "buy", D("1"))
    samples = await scrape(observed)
    key = ("grpc_server_handled_total", grpc_labels("SubmitOrder", "INVALID_ARGUMENT"))
    assert samples[key] == 1
    assert ("grpc_server_handled_total", grpc_labels("SubmitOrder", "OK")) not in samples


async def test_metrics_denied_order_counted_by_reason(observed, client):
    await client.halt("account", "paper", reason="drill")
    with pytest.raises(FailedPreconditionError):
        await client.submit_order("paper", "BTC-USD", "buy", D("1"))
    samples = await scrape(observed)
    denied = (("account", "paper"), ("reason", "TRADING_HALTED"), ("symbol", "BTC-USD"))
    assert samples[("fillgate_orders_denied_total", denied)] == 1
    restriction = (("mode", "HALTED"), ("scope", "ACCOUNT"), ("target", "paper"))
    assert samples[("fillgate_trading_restriction", restriction)] == 1
    handled = ("grpc_server_handled_total", grpc_labels("SubmitOrder", "FAILED_PRECONDITION"))
    assert samples[handled] == 1


async def test_metrics_journal_batches_and_fsyncs_observed(observed, client):
    await client.submit_order("paper", "BTC-USD", "buy", D("0.1"))
    samples = await scrape(observed)
    assert samples[("fillgate_journal_batch_records_sum", ())] >= 3  # accepted, ack, fill
    assert samples[("fillgate_journal_fsync_seconds_count", ())] >= 1
    assert ("fillgate_event_loop_lag_seconds", ()) in samples


async def test_metrics_stream_counts_messages_sent_and_consumers(observed, client):
    reader = await StreamReader(client, max_batch=1).start()  # one message per event
    await client.submit_order("paper", "BTC-USD", "buy", D("0.1"))
    await reader.wait_for(lambda r: len(r.reports) == 3)
    samples = await scrape(observed)
    await reader.stop()
    assert samples[("fillgate_stream_consumers", ())] == 1
    stream = grpc_labels("StreamFills", kind="server_stream")
    assert samples[("grpc_server_msg_sent_total", stream)] >= 4  # the ack and three reports
    samples = await scrape(observed)
    handled = [
        v
        for (n, labels), v in samples.items()
        if n == "grpc_server_handled_total" and ("grpc_method", "StreamFills") in labels
    ]
    assert sum(handled) == 1


async def test_metrics_admission_probe_calls_not_counted(tmp_path):
    running = await create_server(_config(tmp_path, server={}), listen="127.0.0.1:0")
    try:
        await asyncio.sleep(0.3)  # the probe runs every 20 ms
        samples = await scrape(running)
        async with grpc.aio.insecure_channel(f"127.0.0.1:{running.port}") as channel:
            call = channel.unary_unary(f"/{EXEC}/SubmitOrder")
            with pytest.raises(grpc.aio.AioRpcError):
                await call(b"\xff\xff")  # a real malformed request is counted
        after = await scrape(running)
    finally:
        await running.stop(grace=0.5)
    # Every method's series exist from the start (at 0), as go-grpc-prometheus does.
    assert samples[("grpc_server_started_total", grpc_labels("SubmitOrder"))] == 0
    assert after[("grpc_server_started_total", grpc_labels("SubmitOrder"))] == 1
    # One call handled, whatever its code (a loaded machine may shed it): the probe's are not.
    handled = [
        v
        for (name, labels), v in after.items()
        if name == "grpc_server_handled_total" and ("grpc_method", "SubmitOrder") in labels
    ]
    assert sum(handled) == 1


async def test_metrics_off_by_default_exports_nothing(server):
    assert server.observability is None
    assert server.alerter is not None  # alerts are on by default, metrics are not


def test_metrics_listen_without_port_is_config_error():
    with pytest.raises(ConfigError, match=r"metrics\.listen"):
        config_from_dict({"metrics": {"listen": "localhost"}})


async def test_metrics_rate_limit_headroom_shows_account_bucket(tmp_path):
    config = config_from_dict(
        {
            **CONFIG,
            "journal": {"path": str(tmp_path / "journal.log")},
            "server": NO_ADMISSION,
            "metrics": {"listen": "127.0.0.1:0"},
            "risk": {"orders_per_second": "0.001", "order_burst": 5},
        }
    )
    running = await create_server(config, listen="127.0.0.1:0")
    try:
        async with AsyncFillgateClient(f"127.0.0.1:{running.port}", timeout=10) as c:
            for _ in range(2):
                await c.submit_order("paper", "BTC-USD", "buy", D("0.01"))
        samples = await scrape(running)
    finally:
        await running.stop(grace=0.5)
    headroom = samples[("fillgate_rate_limit_headroom", (("name", "paper"), ("scope", "account")))]
    assert 3 <= headroom < 3.1  # a burst of 5, two spent, refilling at one per 1,000 s


async def test_metrics_breaker_tripped_gauge_follows_a_daily_loss_trip(tmp_path):
    config = config_from_dict(
        {
            **CONFIG,
            "journal": {"path": str(tmp_path / "journal.log")},
            "server": NO_ADMISSION,
            "metrics": {"listen": "127.0.0.1:0"},
            "risk": {"breakers": {"daily_loss": {"limit": "1000"}}},
        }
    )
    running = await create_server(config, listen="127.0.0.1:0")
    key = ("fillgate_breaker_tripped", (("account", "paper"), ("breaker", "DAILY_LOSS")))
    try:
        before = await scrape(running)
        async with AsyncFillgateClient(f"127.0.0.1:{running.port}", timeout=10) as c:
            await c.submit_order("paper", "BTC-USD", "buy", D(1))
            await c.set_reference_price("BTC-USD", D(48000))  # loses 2000
        after = await scrape(running)
    finally:
        await running.stop(grace=0.5)
    assert (before[key], after[key]) == (0, 1)


async def test_metrics_quote_age_gauge_shows_live_quote_age_by_symbol_and_source(observed):
    five_s_ago = observed.parts.clock.now_ns() - 5_000_000_000
    observed.parts.engine.on_quote(
        "BTC-USD", bid=D("49990"), ask=D("50010"), ts_ns=five_s_ago, source="feed"
    )
    samples = await scrape(observed)
    ages = {k[1]: v for k, v in samples.items() if k[0] == "fillgate_quote_age_seconds"}
    assert list(ages) == [(("source", "feed"), ("symbol", "BTC-USD"))]  # ETH-USD: reference only
    assert 5 <= ages[(("source", "feed"), ("symbol", "BTC-USD"))] < 60
