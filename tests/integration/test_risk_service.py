"""Risk end to end: a real server with limits and breakers, driven by the typed client.

Denials as rich gRPC errors, GetRiskState, a breaker tripped by a price move
(alert on the stream, account halted and flattened), Halt with cancel-all and
flatten, and the alert surviving a restart through the journal.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal as D
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from support import StreamReader

from fillgate.app import FillgateServer, create_server
from fillgate.config import config_from_dict
from fillgate_client import (
    AsyncFillgateClient,
    BreakerKind,
    BreakerState,
    FailedPreconditionError,
    HaltScope,
    InvalidArgumentError,
    OrderState,
    OrderType,
    ResourceExhaustedError,
    RiskAlert,
    TradingMode,
    TradingStateChanged,
)

RISK = {
    "max_order_notional": "100000",
    "max_position_quantity": "5",
    "strategies": {"burst": {"orders_per_second": "1", "order_burst": 2}},
    "breakers": {"daily_loss": {"limit": "1000", "flatten_positions": True}},
}


def make_config(journal: Path, risk: dict[str, Any] = RISK, **extra: Any) -> Any:
    return config_from_dict(
        {
            **extra,
            "accounts": {"paper": {}, "alpha": {}},
            "symbols": {
                "BTC-USD": {"reference_price": "50000", "quantity_precision": 6},
                "ETH-USD": {"reference_price": "3000", "quantity_precision": 5},
            },
            "journal": {"path": str(journal)},
            "risk": risk,
        }
    )


@pytest_asyncio.fixture
async def risky(tmp_path: Path) -> AsyncIterator[tuple[FillgateServer, AsyncFillgateClient]]:
    server = await create_server(make_config(tmp_path / "j.log"), listen="127.0.0.1:0")
    try:
        async with AsyncFillgateClient(f"127.0.0.1:{server.port}", timeout=10) as client:
            yield server, client
    finally:
        await server.stop(grace=0.5)


async def test_submit_over_notional_is_failed_precondition_with_limit_and_value(risky):
    _, client = risky

    with pytest.raises(FailedPreconditionError) as err:
        await client.submit_order("paper", "BTC-USD", "buy", "2.5")

    assert err.value.reason == "NOTIONAL_EXCEEDS_MAX_PER_ORDER"
    assert (err.value.metadata["limit"], err.value.metadata["value"]) == ("100000", "125000")
    assert err.value.domain == "fillgate"
    assert await client.list_orders() == []


async def test_submit_over_strategy_rate_is_resource_exhausted(risky):
    _, client = risky
    for _ in range(2):
        await client.submit_order("paper", "ETH-USD", "buy", "0.1", strategy_id="burst")

    with pytest.raises(ResourceExhaustedError) as err:
        await client.submit_order("paper", "ETH-USD", "buy", "0.1", strategy_id="burst")

    assert err.value.reason == "ORDER_RATE_EXCEEDS_MAX_PER_STRATEGY"
    assert err.value.metadata["limit"] == "1"


async def test_get_risk_state_shows_limits_with_usage_and_breakers(risky):
    _, client = risky
    await client.submit_order("paper", "BTC-USD", "buy", "1.5")

    state = await client.get_risk_state("paper")

    assert state.enabled
    (account,) = state.accounts
    limits = {(x.name, x.subject): x for x in account.limits}
    assert (limits[("max_position_quantity", "")].usage, limits[("buying_power", "")].usage) == (
        D("1.5"),
        75000,
    )
    assert limits[("max_order_notional", "")].usage is None
    assert limits[("order_burst", "burst")].limit == 2
    loss = next(b for b in account.breakers if b.breaker is BreakerKind.DAILY_LOSS)
    assert (loss.state, loss.limit, loss.value) == (BreakerState.ARMED, 1000, 0)


async def test_get_risk_state_unknown_account_is_invalid_argument(risky):
    _, client = risky

    with pytest.raises(InvalidArgumentError):
        await client.get_risk_state("nobody")


async def test_breaker_tripped_by_price_move_alerts_halts_and_flattens(risky):
    _, client = risky
    reader = await StreamReader(client).start()
    await client.submit_order("paper", "BTC-USD", "buy", "1")
    await client.submit_order("alpha", "BTC-USD", "buy", "0.01")

    await client.set_reference_price("BTC-USD", "48999")  # paper loses 1001

    await reader.wait_for(
        lambda r: any(
            getattr(e, "strategy_id", "") == "fillgate-flatten"
            and e.order_state is OrderState.FILLED
            for e in r.reports
        )
    )
    await reader.stop()
    (alert,) = [e for e in reader.events if isinstance(e, RiskAlert)]
    assert (alert.breaker, alert.account, alert.mode) == (
        BreakerKind.DAILY_LOSS,
        "paper",
        TradingMode.HALTED,
    )
    assert (alert.value, alert.limit, alert.flatten_positions) == (1001, 1000, True)
    change = next(e for e in reader.events if isinstance(e, TradingStateChanged))
    assert change.sequence == alert.sequence + 1
    assert change.requested_by == "breaker:daily_loss"
    (restriction,) = await client.trading_state()
    assert (restriction.scope, restriction.target) == (HaltScope.ACCOUNT, "paper")
    snapshots = {s.account: s for s in await client.get_positions(include_flat=True)}
    assert snapshots["paper"].positions[0].quantity == 0
    assert snapshots["alpha"].positions[0].quantity == D("0.01")
    with pytest.raises(FailedPreconditionError) as err:
        await client.submit_order("paper", "ETH-USD", "buy", "0.1")
    assert err.value.reason == "TRADING_HALTED"
    state = await client.get_risk_state("paper")
    loss = next(b for b in state.accounts[0].breakers if b.breaker is BreakerKind.DAILY_LOSS)
    assert loss.state is BreakerState.TRIPPED and loss.trip_time is not None


async def test_halt_cancel_all_and_flatten_end_to_end(risky):
    _, client = risky
    await client.submit_order("paper", "BTC-USD", "buy", "2")
    await client.submit_order("paper", "ETH-USD", "sell", "3")
    await client.submit_order("alpha", "ETH-USD", "buy", "1")
    resting = [
        await client.submit_order(
            "paper", "BTC-USD", "buy", "1", type=OrderType.LIMIT, limit_price="45000"
        ),
        await client.submit_order(
            "alpha", "ETH-USD", "sell", "1", type=OrderType.LIMIT, limit_price="3300"
        ),
    ]
    reader = await StreamReader(client).start()

    result = await client.halt(
        HaltScope.ALL,
        cancel_open_orders=True,
        flatten_positions=True,
        reason="end of test",
        requested_by="ops",
    )

    assert sorted(o.order_id for o in result.canceled_orders) == sorted(
        r.order.order_id for r in resting
    )
    assert all(o.state is OrderState.CANCELED for o in result.canceled_orders)
    assert sorted(
        (o.account, o.symbol, o.side.label, o.quantity) for o in result.flatten_orders
    ) == [
        ("alpha", "ETH-USD", "sell", 1),
        ("paper", "BTC-USD", "sell", 2),
        ("paper", "ETH-USD", "buy", 3),
    ]
    assert all(o.state is OrderState.FILLED for o in result.flatten_orders)
    assert all(
        p.quantity == 0 for s in await client.get_positions(include_flat=True) for p in s.positions
    )
    assert await client.list_orders(open_only=True) == []
    await reader.wait_for(lambda r: len([e for e in r.reports if e.last_quantity]) == 3)
    await reader.stop()
    with pytest.raises(FailedPreconditionError):
        await client.submit_order("alpha", "ETH-USD", "buy", "0.1")
    await client.resume(HaltScope.ALL, reason="back", requested_by="ops")
    assert (await client.submit_order("alpha", "ETH-USD", "buy", "0.1")).order.state is (
        OrderState.FILLED
    )


async def test_flatten_larger_than_one_order_is_split_to_pass_sanity_checks(tmp_path):
    config = make_config(tmp_path / "j.log", {"max_order_quantity": "0.4"})
    server = await create_server(config, listen="127.0.0.1:0")
    try:
        async with AsyncFillgateClient(f"127.0.0.1:{server.port}", timeout=10) as client:
            for _ in range(3):
                await client.submit_order("paper", "BTC-USD", "buy", "0.4")

            result = await client.halt(
                HaltScope.ACCOUNT, "paper", flatten_positions=True, reason="split"
            )

            assert [o.quantity for o in result.flatten_orders] == [D("0.4")] * 3
            (snapshot,) = await client.get_positions("paper", include_flat=True)
            assert snapshot.positions[0].quantity == 0
    finally:
        await server.stop(grace=0.5)


async def test_risk_alert_and_breaker_halt_survive_a_restart(tmp_path):
    journal = tmp_path / "j.log"
    server = await create_server(make_config(journal), listen="127.0.0.1:0")
    try:
        async with AsyncFillgateClient(f"127.0.0.1:{server.port}", timeout=10) as client:
            await client.submit_order("paper", "BTC-USD", "buy", "1")
            await client.set_reference_price("BTC-USD", "48000")
            await server.parts.kill_switch.settle()
    finally:
        await server.stop(grace=0.5)

    again = await create_server(make_config(journal), listen="127.0.0.1:0")
    try:
        async with AsyncFillgateClient(f"127.0.0.1:{again.port}", timeout=10) as client:
            (restriction,) = await client.trading_state()
            assert restriction.requested_by == "breaker:daily_loss"
            events = await read_history(client)
            (alert,) = [e for e in events if isinstance(e, RiskAlert)]
            assert alert.account == "paper" and alert.value == 2000
            sequences = [e.sequence for e in events]
            assert sequences == list(range(1, len(sequences) + 1))
    finally:
        await again.stop(grace=0.5)


async def read_history(client: AsyncFillgateClient) -> list[Any]:
    """Every event from sequence 1 until the stream goes quiet."""
    events: list[Any] = []
    async for event in client.stream_fills(from_sequence=0, heartbeat_interval_ms=200):
        if hasattr(event, "sequence"):
            events.append(event)
        elif events:
            break
    return events


async def test_resume_served_from_the_journal_carries_the_alert_without_gaps(tmp_path):
    config = make_config(tmp_path / "j.log", streams={"retain": 2})
    server = await create_server(config, listen="127.0.0.1:0")
    try:
        async with AsyncFillgateClient(f"127.0.0.1:{server.port}", timeout=10) as client:
            await client.submit_order("paper", "BTC-USD", "buy", "1")
            await client.set_reference_price("BTC-USD", "48000")
            await server.parts.kill_switch.settle()
            await client.submit_order("alpha", "ETH-USD", "buy", "1")

            events = await read_history(client)

            assert [e.sequence for e in events] == list(range(1, len(events) + 1))
            assert len([e for e in events if isinstance(e, RiskAlert)]) == 1
    finally:
        await server.stop(grace=0.5)


async def test_risk_disabled_server_reports_disabled_and_checks_nothing(tmp_path):
    server = await create_server(
        make_config(tmp_path / "j.log", {"enabled": False, "max_order_notional": "1"}),
        listen="127.0.0.1:0",
    )
    try:
        async with AsyncFillgateClient(f"127.0.0.1:{server.port}", timeout=10) as client:
            assert (await client.get_risk_state()).enabled is False
            await client.submit_order("paper", "BTC-USD", "buy", "1")
    finally:
        await server.stop(grace=0.5)
