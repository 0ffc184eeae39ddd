"""Fully populated fillgate.v1 messages for the client tests.

Every sample sets every field of its message (checked by ``assert_all_set``),
so a converter that forgets a field fails its round-trip test.
"""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import pytest
from google.protobuf.duration_pb2 import Duration

from fillgate.v1 import (
    admin_service_pb2,
    alert_pb2,
    execution_pb2,
    execution_service_pb2,
    order_pb2,
    position_pb2,
    risk_pb2,
    risk_service_pb2,
    trading_state_pb2,
    venue_pb2,
)

# Whole microseconds: datetime cannot hold the nanoseconds a Timestamp can.
T1 = datetime(2024, 5, 1, 12, 0, 0, 123456, tzinfo=UTC)
T2 = datetime(2024, 5, 1, 12, 0, 1, 500000, tzinfo=UTC)


def stamp(moment: datetime) -> Any:
    """Return a protobuf Timestamp for ``moment``."""
    message = order_pb2.Order().create_time.__class__()
    message.FromDatetime(moment)
    return message


def assert_all_set(message: Any) -> None:
    """Fail unless every field of ``message`` differs from its default."""
    present = {field.name for field, _ in message.ListFields()}
    missing = [f.name for f in message.DESCRIPTOR.fields if f.name not in present]
    assert not missing, f"{message.DESCRIPTOR.name} sample leaves {missing} unset"


def order_proto(order_id: str = "ord-1") -> Any:
    """Return an Order with every field set."""
    return order_pb2.Order(
        order_id=order_id,
        client_order_id="cid-1",
        venue_order_id="v-1",
        account="paper",
        symbol="BTC-USD",
        side=order_pb2.SIDE_SELL,
        type=order_pb2.ORDER_TYPE_STOP_LIMIT,
        time_in_force=order_pb2.TIME_IN_FORCE_DAY,
        quantity="0.00012345",
        limit_price="100.50",
        stop_price="101",
        strategy_id="strat-1",
        tags={"desk": "a", "note": "x=y"},
        reduce_only=True,
        state=order_pb2.ORDER_STATE_PARTIALLY_FILLED,
        filled_quantity="0.0001",
        leaves_quantity="0.00002345",
        average_fill_price="100.25",
        fees="0.01",
        venue="paper",
        triggered=True,
        reason="because",
        version=3,
        create_time=stamp(T1),
        update_time=stamp(T2),
        arrival_price="100.375",
        release_time=stamp(T2),
        extended_hours=True,
        expire_time=stamp(T2),
        expire_after=Duration(seconds=60),
        expires_at=stamp(T2),
    )


def report_proto(sequence: int = 7) -> Any:
    """Return an ExecutionReport with every field set."""
    return execution_pb2.ExecutionReport(
        sequence=sequence,
        exec_id=f"exec-{sequence}",
        exec_type=execution_pb2.EXEC_TYPE_TRADE,
        order_state=order_pb2.ORDER_STATE_FILLED,
        order_id="ord-1",
        client_order_id="cid-1",
        venue_order_id="v-1",
        venue_exec_id="vx-1",
        account="paper",
        symbol="BTC-USD",
        side=order_pb2.SIDE_BUY,
        venue="paper",
        strategy_id="strat-1",
        order_quantity="2",
        limit_price="100",
        stop_price="99",
        last_quantity="0.5",
        last_price="99.5",
        cumulative_quantity="2",
        leaves_quantity="0",
        average_price="99.75",
        fee="0.001",
        reason="done",
        transact_time=stamp(T1),
        monotonic_ns=123456789,
        requested_by="trader-1",
        position=execution_pb2.PositionChange(
            lifecycle=execution_pb2.POSITION_LIFECYCLE_REVERSED,
            quantity="-1.5",
            average_price="99.5",
            realized_pnl="-12.25",
        ),
    )


def position_proto() -> Any:
    """Return a Position with every field set."""
    return position_pb2.Position(
        account="paper",
        symbol="BTC-USD",
        quantity="-1.5",
        average_price="100",
        cost_basis="-150",
        mark_price="102",
        market_value="-153",
        realized_pnl="12.5",
        unrealized_pnl="-3",
        fees="0.2",
        update_time=stamp(T1),
        open_time=stamp(T2),
    )


def account_positions_proto() -> Any:
    """Return an AccountPositions (totals and one position) with every field set."""
    totals = position_pb2.AccountTotals(
        account="paper",
        cash="100153.00",
        equity="100000",
        realized_pnl="12.5",
        unrealized_pnl="-3",
        fees="0.2",
        gross_exposure="153",
        net_exposure="-153",
        open_positions=1,
        update_time=stamp(T2),
    )
    return position_pb2.AccountPositions(totals=totals, positions=[position_proto()])


def restriction_proto() -> Any:
    """Return a TradingRestriction with every field set."""
    return trading_state_pb2.TradingRestriction(
        scope=trading_state_pb2.HALT_SCOPE_ACCOUNT,
        target="paper",
        mode=trading_state_pb2.TRADING_MODE_REDUCING,
        reason="drawdown",
        requested_by="ops",
        set_time=stamp(T1),
    )


def state_changed_proto(sequence: int = 8) -> Any:
    """Return a TradingStateChanged with every field set."""
    return trading_state_pb2.TradingStateChanged(
        sequence=sequence,
        scope=trading_state_pb2.HALT_SCOPE_SYMBOL,
        target="BTC-USD",
        mode=trading_state_pb2.TRADING_MODE_HALTED,
        reason="news",
        requested_by="ops",
        change_time=stamp(T2),
    )


def halt_response_proto() -> Any:
    """Return a HaltResponse with every field set."""
    return execution_service_pb2.HaltResponse(
        restriction=restriction_proto(),
        canceled_orders=[order_proto("ord-1"), order_proto("ord-2")],
        flatten_orders=[order_proto("ord-3")],
    )


def submit_response_proto() -> Any:
    """Return a SubmitOrderResponse with every field set."""
    return execution_service_pb2.SubmitOrderResponse(order=order_proto(), duplicate=True)


def ack_proto(head: int = 10, first: int = 1) -> Any:
    """Return a SubscriptionAck with every field set."""
    return execution_service_pb2.SubscriptionAck(
        subscription_id="sub-1", head_sequence=head, first_sequence=first
    )


def heartbeat_proto(head: int = 10) -> Any:
    """Return a Heartbeat with every field set."""
    return execution_service_pb2.Heartbeat(head_sequence=head, server_time=stamp(T2))


def symbol_proto() -> Any:
    """Return a SymbolInfo with every field set."""
    return admin_service_pb2.SymbolInfo(
        symbol="BTC-USD",
        reference_price="65000.10",
        price_precision=2,
        quantity_precision=8,
        update_time=stamp(T1),
    )


def risk_alert_proto(sequence: int = 9) -> Any:
    """Return a RiskAlert with every field set."""
    return risk_pb2.RiskAlert(
        sequence=sequence,
        breaker=risk_pb2.BREAKER_KIND_SLIPPAGE,
        account="paper",
        symbol="BTC-USD",
        mode=trading_state_pb2.TRADING_MODE_REDUCING,
        cancel_open_orders=True,
        flatten_positions=True,
        value="2.5",
        limit="1",
        message="breaker slippage tripped",
        alert_time=stamp(T2),
    )


def venue_drift_proto(sequence: int = 11) -> Any:
    """Return a VenueDrift with every field set."""
    return venue_pb2.VenueDrift(
        sequence=sequence,
        account="paper",
        symbol="BTC-USD",
        kind=venue_pb2.DRIFT_KIND_POSITION,
        ours="1.50",
        venue="1.25",
        message="position differs from the venue",
        detected_time=stamp(T2),
    )


def alert_proto(sequence: int = 12) -> Any:
    """Return an Alert with every field set."""
    return alert_pb2.Alert(
        sequence=sequence,
        kind=alert_pb2.ALERT_KIND_SLIPPAGE,
        account="paper",
        symbol="BTC-USD",
        value="80",
        threshold="50",
        message="filled 80 bps worse than arrival",
        alert_time=stamp(T2),
    )


def risk_state_proto() -> Any:
    """Return a GetRiskStateResponse whose messages have every field set."""
    limit = risk_pb2.RiskLimit(
        name="max_position_quantity", subject="BTC-USD", limit="10", usage="2.5"
    )
    breaker = risk_pb2.BreakerStatus(
        breaker=risk_pb2.BREAKER_KIND_DAILY_LOSS,
        state=risk_pb2.BREAKER_STATE_TRIPPED,
        limit="1000",
        value="1200.5",
        mode=trading_state_pb2.TRADING_MODE_HALTED,
        cancel_open_orders=True,
        flatten_positions=True,
        trip_time=stamp(T1),
        trip_message="breaker daily_loss tripped",
    )
    account = risk_pb2.AccountRisk(
        account="paper",
        equity="998799.5",
        day_start_equity="1000000",
        day_peak_equity="1000100",
        limits=[limit, risk_pb2.RiskLimit(name="max_order_notional", limit="250000")],
        breakers=[breaker],
    )
    total = risk_pb2.RiskLimit(name="max_total_gross_exposure", limit="5000000", usage="125000")
    return risk_service_pb2.GetRiskStateResponse(
        enabled=True, accounts=[account], global_limits=[total]
    )


@pytest.fixture
def pb() -> SimpleNamespace:
    """Return the sample builders, ``T1``/``T2`` and ``assert_all_set``."""
    return SimpleNamespace(
        order=order_proto,
        report=report_proto,
        position=position_proto,
        account_positions=account_positions_proto,
        restriction=restriction_proto,
        state_changed=state_changed_proto,
        halt_response=halt_response_proto,
        submit_response=submit_response_proto,
        ack=ack_proto,
        heartbeat=heartbeat_proto,
        symbol=symbol_proto,
        risk_alert=risk_alert_proto,
        venue_drift=venue_drift_proto,
        alert=alert_proto,
        risk_state=risk_state_proto,
        stamp=stamp,
        assert_all_set=assert_all_set,
        T1=T1,
        T2=T2,
    )
