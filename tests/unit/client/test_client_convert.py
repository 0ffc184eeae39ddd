"""Proto -> typed value conversion, and back."""

from __future__ import annotations

from datetime import UTC
from decimal import Decimal
from types import SimpleNamespace

import pytest

from fillgate.v1 import execution_pb2, execution_service_pb2, order_pb2
from fillgate_client import _convert
from fillgate_client.types import (
    Alert,
    ExecType,
    ExecutionReport,
    HaltScope,
    Heartbeat,
    OrderState,
    OrderType,
    RiskAlert,
    Side,
    SubscriptionAck,
    TimeInForce,
    TradingMode,
    TradingStateChanged,
    VenueDrift,
)

CONVERTERS = [
    ("order", _convert.order_from_proto),
    ("report", _convert.execution_report_from_proto),
    ("position", _convert.position_from_proto),
    ("account_positions", _convert.account_positions_from_proto),
    ("restriction", _convert.trading_restriction_from_proto),
    ("state_changed", _convert.trading_state_changed_from_proto),
    ("halt_response", _convert.halt_result_from_proto),
    ("submit_response", _convert.submit_result_from_proto),
    ("ack", _convert.subscription_ack_from_proto),
    ("heartbeat", _convert.heartbeat_from_proto),
    ("symbol", _convert.symbol_info_from_proto),
    ("risk_alert", _convert.risk_alert_from_proto),
    ("venue_drift", _convert.venue_drift_from_proto),
    ("alert", _convert.alert_from_proto),
]


@pytest.mark.parametrize(("sample", "convert"), CONVERTERS, ids=[c[0] for c in CONVERTERS])
def test_from_proto_every_field_set_round_trips_unchanged(
    pb: SimpleNamespace, sample: str, convert: object
) -> None:
    message = getattr(pb, sample)()
    pb.assert_all_set(message)
    value = convert(message)  # type: ignore[operator]
    assert _convert.to_proto(value) == message


def test_order_from_proto_full_order_has_typed_fields(pb: SimpleNamespace) -> None:
    order = _convert.order_from_proto(pb.order())
    assert order.side is Side.SELL
    assert order.type is OrderType.STOP_LIMIT
    assert order.time_in_force is TimeInForce.DAY
    assert order.state is OrderState.PARTIALLY_FILLED
    assert order.quantity == Decimal("0.00012345")
    assert str(order.limit_price) == "100.50"  # trailing zero kept: no float on the way
    assert order.tags == {"desk": "a", "note": "x=y"}
    assert order.create_time == pb.T1
    assert order.create_time is not None and order.create_time.tzinfo is not None


def test_order_from_proto_empty_prices_are_none_and_empty_amounts_zero() -> None:
    order = _convert.order_from_proto(
        order_pb2.Order(order_id="o", side=order_pb2.SIDE_BUY, quantity="1")
    )
    assert order.limit_price is None
    assert order.stop_price is None
    assert order.average_fill_price is None
    assert order.filled_quantity == Decimal(0)
    assert order.fees == Decimal(0)
    assert order.create_time is None
    assert order.update_time is None


def test_order_from_proto_unknown_enum_number_maps_to_unspecified() -> None:
    order = _convert.order_from_proto(order_pb2.Order(side=99, state=42, quantity="1"))
    assert order.side is Side.UNSPECIFIED
    assert order.state is OrderState.UNSPECIFIED


def test_order_from_proto_invalid_decimal_raises_value_error() -> None:
    with pytest.raises(ValueError, match="invalid decimal"):
        _convert.order_from_proto(order_pb2.Order(quantity="1,5"))


def test_order_from_proto_non_finite_decimal_raises_value_error() -> None:
    with pytest.raises(ValueError, match="non-finite"):
        _convert.order_from_proto(order_pb2.Order(quantity="NaN"))


def test_execution_report_from_proto_non_trade_has_no_fill_values() -> None:
    report = _convert.execution_report_from_proto(
        execution_pb2.ExecutionReport(
            sequence=3, exec_type=execution_pb2.EXEC_TYPE_NEW, order_quantity="2"
        )
    )
    assert report.exec_type is ExecType.NEW
    assert report.last_quantity is None
    assert report.last_price is None
    assert report.fee is None
    assert report.cumulative_quantity == Decimal(0)


def test_timestamps_from_proto_any_value_are_utc_aware(pb: SimpleNamespace) -> None:
    report = _convert.execution_report_from_proto(pb.report())
    assert report.transact_time is not None
    assert report.transact_time.tzinfo is UTC
    assert report.transact_time == pb.T1


def test_halt_result_from_proto_orders_kept_in_order(pb: SimpleNamespace) -> None:
    result = _convert.halt_result_from_proto(pb.halt_response())
    assert [o.order_id for o in result.canceled_orders] == ["ord-1", "ord-2"]
    assert [o.order_id for o in result.flatten_orders] == ["ord-3"]
    assert result.restriction.scope is HaltScope.ACCOUNT
    assert result.restriction.mode is TradingMode.REDUCING


def test_account_positions_from_proto_signed_quantity_kept(pb: SimpleNamespace) -> None:
    snapshot = _convert.account_positions_from_proto(pb.account_positions())
    assert snapshot.account == "paper"
    assert snapshot.positions[0].quantity == Decimal("-1.5")
    assert snapshot.totals.open_positions == 1


@pytest.mark.parametrize(
    ("field", "sample", "expected"),
    [
        ("subscribed", "ack", SubscriptionAck),
        ("execution_report", "report", ExecutionReport),
        ("trading_state_changed", "state_changed", TradingStateChanged),
        ("heartbeat", "heartbeat", Heartbeat),
        ("risk_alert", "risk_alert", RiskAlert),
        ("venue_drift", "venue_drift", VenueDrift),
        ("alert", "alert", Alert),
    ],
)
def test_stream_event_from_proto_each_kind_returns_typed_event(
    pb: SimpleNamespace, field: str, sample: str, expected: type
) -> None:
    message = execution_service_pb2.StreamFillsResponse(**{field: getattr(pb, sample)()})
    event = _convert.stream_event_from_proto(message)
    assert isinstance(event, expected)
    assert _convert.stream_event_to_proto(event) == message


def test_stream_event_from_proto_no_event_set_returns_none() -> None:
    assert _convert.stream_event_from_proto(execution_service_pb2.StreamFillsResponse()) is None


def test_format_decimal_tiny_and_large_values_never_use_exponent() -> None:
    assert _convert.format_decimal(Decimal("1E-7")) == "0.0000001"
    assert _convert.format_decimal(Decimal("1.5E+3")) == "1500"
    assert _convert.format_decimal(Decimal("100.50")) == "100.50"
