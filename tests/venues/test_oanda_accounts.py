"""Account state from OANDA (issue 12), through oandapyV20 against the OANDA fake.

The report: against the fake with a 10,000 account, `fillgate positions`
showed equity about 1,000,000 (the config's default ``starting_cash``), and
every %-of-equity limit and equity breaker worked from it. Now the venue's
``/summary`` is read: the first read baselines fillgate's cash to the
venue's equity, later differences are VenueDrift, and risk sees the venue's money.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fakes.oanda import FakeOanda
from fakes.oanda_harness import new_driver

from fillgate.app import FillgateServer, create_server
from fillgate.config import config_from_dict
from fillgate.domain import events as ev
from fillgate_client import AsyncFillgateClient
from fillgate_client.errors import FailedPreconditionError

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def make_fake() -> FakeOanda:
    return FakeOanda(balance=Decimal(10000))


def make_driver(fake: FakeOanda) -> Any:
    return new_driver(fake)


async def test_oanda_fetch_account_reads_summary_with_unrealized_in_nav(fake, driver):
    fake.set_position(Decimal(1000))  # opened at 1.08462
    fake.set_price(Decimal("1.09462"))

    account = await driver.fetch_account()

    assert (account.currency, account.cash) == ("USD", Decimal(10000))
    assert account.equity == Decimal(10010)
    assert account.margin_used and account.margin_available == Decimal(10000) - account.margin_used


async def _serve(fake: FakeOanda, tmp_path: Path, monkeypatch, risk: dict) -> FillgateServer:
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
            "risk": risk,
            "marketdata": {"venue_quote_interval_s": 0.05, "venue_account_interval_s": 0.05},
        }
    )
    return await create_server(config, listen="127.0.0.1:0")


@pytest.fixture
async def served(fake, tmp_path, monkeypatch) -> AsyncIterator[tuple[Any, AsyncFillgateClient]]:
    server = await _serve(fake, tmp_path, monkeypatch, {"max_position_pct_equity": "50"})
    try:
        async with AsyncFillgateClient(f"127.0.0.1:{server.port}", timeout=10) as client:
            yield server, client
    finally:
        await server.stop(grace=0.5)


async def _until(check, timeout: float = 5.0) -> Any:  # type: ignore[no-untyped-def]
    async with asyncio.timeout(timeout):
        while True:
            value = await check()
            if value:
                return value
            await asyncio.sleep(0.05)


async def _read(client: AsyncFillgateClient) -> Any:
    (state,) = await client.get_accounts("fx")
    return state if state.read_time is not None else None


async def test_oanda_accounts_equity_is_the_venues_not_starting_cash(served):
    _, client = served

    state = await _until(lambda: _read(client))
    (positions,) = await client.get_positions(["fx"])

    assert state.venue_equity == Decimal(10000)
    assert (state.fillgate_equity, state.equity_difference) == (Decimal(10000), Decimal(0))
    assert not state.drift
    assert positions.totals.equity == Decimal(10000)  # was the config's 1,000,000


async def test_oanda_accounts_pct_of_equity_limit_uses_venue_equity(served):
    _, client = served
    await _until(lambda: _read(client))

    await client.submit_order("fx", "EUR-USD", "buy", "1000")  # ~11 % of 10,000
    with pytest.raises(FailedPreconditionError) as info:
        await client.submit_order("fx", "EUR-USD", "buy", "4000")  # ~54 %: over 50 %

    assert info.value.reason == "POSITION_EXCEEDS_MAX_PCT_EQUITY"


async def test_oanda_accounts_venue_money_changes_outside_fillgate_drift(fake, served):
    server, client = served
    await _until(lambda: _read(client))
    head = server.parts.engine.bus.head

    fake.account.balance += Decimal(50)  # financing fillgate never saw

    async def drifted() -> Any:
        (state,) = await client.get_accounts("fx")
        return state if state.drift else None

    state = await _until(drifted)
    sub = server.parts.engine.bus.subscribe(from_sequence=head)
    drifts = [e.payload for e in sub.backlog if isinstance(e.payload, ev.VenueDrift)]
    sub.close()

    assert state.equity_difference == Decimal(50)
    assert [(d.kind, d.venue, d.ours) for d in drifts] == [("equity", "10050", "10000")]


async def test_oanda_accounts_daily_loss_breaker_trips_on_venue_equity(fake, tmp_path, monkeypatch):
    server = await _serve(
        fake, tmp_path, monkeypatch, {"breakers": {"daily_loss": {"limit": "100"}}}
    )
    try:
        async with AsyncFillgateClient(f"127.0.0.1:{server.port}", timeout=10) as client:
            await _until(lambda: _read(client))
            result = await client.submit_order("fx", "EUR-USD", "buy", "5000")
            await _until(lambda: _filled(client, result.order.order_id))

            fake.set_price(Decimal("1.06000"))  # 5,000 x -0.02462 = -123.10

            async def tripped() -> Any:
                risk = await client.get_risk_state(["fx"])
                loss = next(b for b in risk.accounts[0].breakers if b.breaker.label == "daily-loss")
                return loss if loss.trip_time is not None else None

            breaker = await _until(tripped)
    finally:
        await server.stop(grace=0.5)

    assert breaker.value == Decimal("123.1")


async def _filled(client: AsyncFillgateClient, order_id: str) -> bool:
    return (await client.get_order(order_id)).filled_quantity == 5000
