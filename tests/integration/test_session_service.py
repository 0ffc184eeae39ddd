"""GetMarketStatus and the closed-market denial over gRPC, at Saturday 03:00 ET."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import pytest_asyncio

from fillgate.app import FillgateServer, create_server
from fillgate.config import config_from_dict
from fillgate.domain.values import ManualClock
from fillgate_client import (
    AsyncFillgateClient,
    FailedPreconditionError,
    Heartbeat,
    InvalidArgumentError,
    OrderState,
    SessionEvent,
    SessionPhase,
)

SATURDAY_0300_ET = datetime(2026, 12, 5, 3, 0, tzinfo=ZoneInfo("America/New_York"))
MONDAY_OPEN_UTC = datetime(2026, 12, 7, 14, 30, tzinfo=UTC)
SUNDAY_1700_ET = datetime(2026, 12, 6, 17, 0, tzinfo=ZoneInfo("America/New_York"))
CONFIG = {
    "accounts": {"paper": {}},
    "symbols": {
        "BTC-USD": {"reference_price": "50000", "price_precision": 2, "quantity_precision": 6},
        "AAPL": {"reference_price": "190", "price_precision": 2, "quantity_precision": 0},
        "EUR-USD": {"reference_price": "1.085", "price_precision": 5, "quantity_precision": 0},
    },
    "sessions": {
        "symbols": {
            "AAPL": {"calendar": "XNYS", "extended_hours": True},
            "EUR-USD": {"calendar": "FX", "closed_policy": "queue"},
        }
    },
    "server": {
        "admission_max_in_flight_orders": 0,
        "admission_max_loop_lag_ms": 0,
        "admission_max_queue_delay_ms": 0,
    },
}


@pytest_asyncio.fixture
async def server(tmp_path: Path) -> AsyncIterator[FillgateServer]:
    config = config_from_dict({**CONFIG, "journal": {"path": str(tmp_path / "j.log")}})
    clock = ManualClock(int(SATURDAY_0300_ET.timestamp()) * 1_000_000_000)
    running = await create_server(config, listen="127.0.0.1:0", clock=clock)
    try:
        yield running
    finally:
        await running.stop(grace=0.5)


@pytest_asyncio.fixture
async def client(server: FillgateServer) -> AsyncIterator[AsyncFillgateClient]:
    async with AsyncFillgateClient(f"127.0.0.1:{server.port}", timeout=10) as c:
        yield c


async def test_get_market_status_saturday_equity_closed_until_monday_0930_et(
    client: AsyncFillgateClient,
) -> None:
    (aapl,) = await client.get_market_status("AAPL")

    assert (aapl.calendar, aapl.phase, aapl.is_open) == ("XNYS", SessionPhase.CLOSED, False)
    assert aapl.next_open == MONDAY_OPEN_UTC
    assert aapl.next_open_local == "2026-12-07T09:30:00-05:00"
    assert aapl.next_close_local == "2026-12-07T16:00:00-05:00"
    assert aapl.timezone == "America/New_York"


async def test_get_market_status_all_symbols_ordered_crypto_open_fx_closed(
    client: AsyncFillgateClient,
) -> None:
    markets = await client.get_market_status()

    assert [m.symbol for m in markets] == ["AAPL", "BTC-USD", "EUR-USD"]
    btc, fx = markets[1], markets[2]
    assert (btc.calendar, btc.is_open, btc.next_open) == ("24/7", True, None)
    assert (fx.phase, fx.next_open_local) == (SessionPhase.CLOSED, "2026-12-06T17:00:00-05:00")
    assert fx.closed_policy == "queue"


async def test_get_market_status_unknown_symbol_invalid_argument(
    client: AsyncFillgateClient,
) -> None:
    with pytest.raises(InvalidArgumentError) as caught:
        await client.get_market_status(["AAPL", "NOPE"])

    assert "symbols" in str(caught.value)


async def test_submit_saturday_0300_et_equity_denied_market_closed_with_next_open(
    client: AsyncFillgateClient,
) -> None:
    with pytest.raises(FailedPreconditionError) as caught:
        await client.submit_order("paper", "AAPL", "buy", "1")

    assert caught.value.reason == "MARKET_CLOSED"
    assert caught.value.metadata["next_open"] == "2026-12-07T14:30:00Z"
    assert await client.list_orders() == []


async def test_submit_saturday_crypto_accepted(client: AsyncFillgateClient) -> None:
    result = await client.submit_order("paper", "BTC-USD", "buy", "0.1")

    assert result.order.symbol == "BTC-USD"


async def test_queued_order_listed_with_release_time_then_canceled(
    server: FillgateServer, client: AsyncFillgateClient
) -> None:
    result = await client.submit_order("paper", "EUR-USD", "buy", "1000")

    listed = await client.list_orders(states=[OrderState.QUEUED])
    canceled = await client.cancel_order(result.order.order_id)

    assert [o.order_id for o in listed] == [result.order.order_id]
    assert listed[0].release_time == SUNDAY_1700_ET.astimezone(UTC)
    assert canceled.state is OrderState.CANCELED


async def test_market_open_streamed_as_session_event(
    server: FillgateServer, client: AsyncFillgateClient
) -> None:
    clock = server.parts.clock
    assert isinstance(clock, ManualClock)
    clock.advance(int(SUNDAY_1700_ET.timestamp()) * 1_000_000_000 - clock.now_ns())
    server.parts.session_events.announce_due()

    events = []
    async for event in client.stream_fills(from_sequence=0, heartbeat_interval_ms=200):
        if isinstance(event, SessionEvent):
            events.append(event)
        if isinstance(event, Heartbeat):
            break

    assert [(e.symbol, e.phase) for e in events] == [("EUR-USD", SessionPhase.REGULAR)]
    assert events[0].next_close == datetime(2026, 12, 11, 22, 0, tzinfo=UTC)


BIN = Path(sys.executable).parent / "fillgate"


@pytest.fixture
def target(tmp_path: Path) -> Iterator[str]:
    config = tmp_path / "fillgate.toml"
    # Admission control off: a loaded machine must not shed the CLI's one call.
    config.write_text(
        "[server]\nadmission_max_in_flight_orders = 0\nadmission_max_loop_lag_ms = 0\n"
        'admission_max_queue_delay_ms = 0\n[sessions.symbols.AAPL]\ncalendar = "XNYS"\n'
    )
    env = {**os.environ, "FILLGATE_LOG_LEVEL": "WARNING"}
    argv = [str(BIN), "serve", "--listen", "127.0.0.1:0", "--config", str(config)]
    proc = subprocess.Popen(
        [*argv, "--journal", "off"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    match = re.search(r"listening on (\S+)", line)
    try:
        assert match, f"server did not start: {line!r}"
        yield match.group(1)
    finally:
        proc.kill()
        proc.wait()


def test_cli_market_lists_each_symbols_calendar_and_zone(target: str) -> None:
    shown = subprocess.run(
        [str(BIN), "--target", target, "market", "AAPL", "BTC-USD"],
        capture_output=True,
        text=True,
        timeout=30,
    )

    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    assert lines[0].split()[:3] == ["SYMBOL", "CALENDAR", "STATUS"]
    assert lines[1].split()[:2] == ["AAPL", "XNYS"] and "America/New_York" in lines[1]
    assert lines[2].split()[:4] == ["BTC-USD", "24/7", "open", "regular"]
