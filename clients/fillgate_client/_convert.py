"""Convert fillgate.v1 messages to the typed values in ``types`` and back.

``*_from_proto`` functions are the client's read path. ``to_proto`` is the
inverse, used by tests and fake servers; it relies on every dataclass field
having the same name as its proto field.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from ._pb import (
    admin_pb,
    alert_pb,
    exec_pb,
    execution_pb,
    order_pb,
    position_pb,
    risk_pb,
    session_pb,
    trading_state_pb,
    venue_pb,
)
from .types import (
    AccountPositions,
    AccountTotals,
    Alert,
    AlertKind,
    BreakerKind,
    Denial,
    DriftKind,
    ExecType,
    ExecutionReport,
    HaltResult,
    HaltScope,
    Heartbeat,
    Order,
    OrderState,
    OrderType,
    Position,
    PositionChange,
    PositionLifecycle,
    ProtoEnum,
    RiskAlert,
    SessionEvent,
    SessionPhase,
    Side,
    StreamEvent,
    SubmitResult,
    SubscriptionAck,
    SymbolInfo,
    TimeInForce,
    TradingMode,
    TradingRestriction,
    TradingStateChanged,
    VenueDrift,
)

_E = TypeVar("_E", bound=ProtoEnum)


def format_decimal(value: Decimal) -> str:
    """Return ``value`` as a plain decimal string, never in exponent notation."""
    return format(value, "f")


def _dec(text: str) -> Decimal:
    """Parse a quantity or amount; the proto3 default (empty) means zero."""
    return Decimal(0) if text == "" else _parse(text)


def _opt_dec(text: str) -> Decimal | None:
    """Parse a price that the server leaves empty when there is none."""
    return None if text == "" else _parse(text)


def _parse(text: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"server sent an invalid decimal: {text!r}") from None
    if not value.is_finite():
        raise ValueError(f"server sent a non-finite decimal: {text!r}")
    return value


def _time(message: Any, name: str) -> datetime | None:
    if not message.HasField(name):
        return None
    stamp: datetime = getattr(message, name).ToDatetime(tzinfo=UTC)
    return stamp


def _enum(cls: type[_E], number: int) -> _E:
    """Map a proto enum number; numbers newer than this client become UNSPECIFIED."""
    try:
        return cls(number)
    except ValueError:
        return cls(0)


def order_from_proto(m: Any) -> Order:
    """Convert a ``fillgate.v1.Order``."""
    return Order(
        order_id=m.order_id,
        client_order_id=m.client_order_id,
        venue_order_id=m.venue_order_id,
        account=m.account,
        symbol=m.symbol,
        side=_enum(Side, m.side),
        type=_enum(OrderType, m.type),
        time_in_force=_enum(TimeInForce, m.time_in_force),
        quantity=_dec(m.quantity),
        limit_price=_opt_dec(m.limit_price),
        stop_price=_opt_dec(m.stop_price),
        strategy_id=m.strategy_id,
        tags=dict(m.tags),
        reduce_only=m.reduce_only,
        state=_enum(OrderState, m.state),
        filled_quantity=_dec(m.filled_quantity),
        leaves_quantity=_dec(m.leaves_quantity),
        average_fill_price=_opt_dec(m.average_fill_price),
        fees=_dec(m.fees),
        venue=m.venue,
        triggered=m.triggered,
        reason=m.reason,
        version=m.version,
        create_time=_time(m, "create_time"),
        update_time=_time(m, "update_time"),
        arrival_price=_opt_dec(m.arrival_price),
        release_time=_time(m, "release_time"),
        extended_hours=m.extended_hours,
        expire_time=_time(m, "expire_time"),
        expire_after=m.expire_after.ToTimedelta() if m.HasField("expire_after") else None,
        expires_at=_time(m, "expires_at"),
    )


def submit_result_from_proto(m: Any) -> SubmitResult:
    """Convert a ``SubmitOrderResponse``."""
    return SubmitResult(order=order_from_proto(m.order), duplicate=m.duplicate)


def execution_report_from_proto(m: Any) -> ExecutionReport:
    """Convert a ``fillgate.v1.ExecutionReport``."""
    return ExecutionReport(
        sequence=m.sequence,
        exec_id=m.exec_id,
        exec_type=_enum(ExecType, m.exec_type),
        order_state=_enum(OrderState, m.order_state),
        order_id=m.order_id,
        client_order_id=m.client_order_id,
        venue_order_id=m.venue_order_id,
        venue_exec_id=m.venue_exec_id,
        account=m.account,
        symbol=m.symbol,
        side=_enum(Side, m.side),
        venue=m.venue,
        strategy_id=m.strategy_id,
        order_quantity=_dec(m.order_quantity),
        limit_price=_opt_dec(m.limit_price),
        stop_price=_opt_dec(m.stop_price),
        last_quantity=_opt_dec(m.last_quantity),
        last_price=_opt_dec(m.last_price),
        cumulative_quantity=_dec(m.cumulative_quantity),
        leaves_quantity=_dec(m.leaves_quantity),
        average_price=_opt_dec(m.average_price),
        fee=_opt_dec(m.fee),
        reason=m.reason,
        transact_time=_time(m, "transact_time"),
        monotonic_ns=m.monotonic_ns,
        requested_by=m.requested_by,
        position=_position_change(m.position) if m.HasField("position") else None,
    )


def _position_change(m: Any) -> PositionChange:
    return PositionChange(
        lifecycle=_enum(PositionLifecycle, m.lifecycle),
        quantity=_dec(m.quantity),
        average_price=_opt_dec(m.average_price),
        realized_pnl=_dec(m.realized_pnl),
    )


def position_from_proto(m: Any) -> Position:
    """Convert a ``fillgate.v1.Position``."""
    return Position(
        account=m.account,
        symbol=m.symbol,
        quantity=_dec(m.quantity),
        average_price=_opt_dec(m.average_price),
        cost_basis=_dec(m.cost_basis),
        mark_price=_opt_dec(m.mark_price),
        market_value=_dec(m.market_value),
        realized_pnl=_dec(m.realized_pnl),
        unrealized_pnl=_dec(m.unrealized_pnl),
        fees=_dec(m.fees),
        update_time=_time(m, "update_time"),
        open_time=_time(m, "open_time"),
    )


def account_totals_from_proto(m: Any) -> AccountTotals:
    """Convert a ``fillgate.v1.AccountTotals``."""
    return AccountTotals(
        account=m.account,
        cash=_dec(m.cash),
        equity=_dec(m.equity),
        realized_pnl=_dec(m.realized_pnl),
        unrealized_pnl=_dec(m.unrealized_pnl),
        fees=_dec(m.fees),
        gross_exposure=_dec(m.gross_exposure),
        net_exposure=_dec(m.net_exposure),
        open_positions=m.open_positions,
        update_time=_time(m, "update_time"),
    )


def account_positions_from_proto(m: Any) -> AccountPositions:
    """Convert a ``fillgate.v1.AccountPositions``."""
    return AccountPositions(
        totals=account_totals_from_proto(m.totals),
        positions=tuple(position_from_proto(p) for p in m.positions),
    )


def trading_restriction_from_proto(m: Any) -> TradingRestriction:
    """Convert a ``fillgate.v1.TradingRestriction``."""
    return TradingRestriction(
        scope=_enum(HaltScope, m.scope),
        target=m.target,
        mode=_enum(TradingMode, m.mode),
        reason=m.reason,
        requested_by=m.requested_by,
        set_time=_time(m, "set_time"),
    )


def halt_result_from_proto(m: Any) -> HaltResult:
    """Convert a ``HaltResponse``."""
    return HaltResult(
        restriction=trading_restriction_from_proto(m.restriction),
        canceled_orders=tuple(order_from_proto(o) for o in m.canceled_orders),
        flatten_orders=tuple(order_from_proto(o) for o in m.flatten_orders),
    )


def trading_state_changed_from_proto(m: Any) -> TradingStateChanged:
    """Convert a ``fillgate.v1.TradingStateChanged``."""
    return TradingStateChanged(
        sequence=m.sequence,
        scope=_enum(HaltScope, m.scope),
        target=m.target,
        mode=_enum(TradingMode, m.mode),
        reason=m.reason,
        requested_by=m.requested_by,
        change_time=_time(m, "change_time"),
    )


def subscription_ack_from_proto(m: Any) -> SubscriptionAck:
    """Convert a ``SubscriptionAck``."""
    return SubscriptionAck(
        subscription_id=m.subscription_id,
        head_sequence=m.head_sequence,
        first_sequence=m.first_sequence,
    )


def heartbeat_from_proto(m: Any) -> Heartbeat:
    """Convert a ``Heartbeat``."""
    return Heartbeat(head_sequence=m.head_sequence, server_time=_time(m, "server_time"))


def symbol_info_from_proto(m: Any) -> SymbolInfo:
    """Convert a ``SymbolInfo``."""
    return SymbolInfo(
        symbol=m.symbol,
        reference_price=_opt_dec(m.reference_price),
        price_precision=m.price_precision,
        quantity_precision=m.quantity_precision,
        update_time=_time(m, "update_time"),
    )


def risk_alert_from_proto(m: Any) -> RiskAlert:
    """Convert a ``fillgate.v1.RiskAlert``."""
    return RiskAlert(
        sequence=m.sequence,
        breaker=_enum(BreakerKind, m.breaker),
        account=m.account,
        symbol=m.symbol,
        mode=_enum(TradingMode, m.mode),
        cancel_open_orders=m.cancel_open_orders,
        flatten_positions=m.flatten_positions,
        value=_dec(m.value),
        limit=_dec(m.limit),
        message=m.message,
        alert_time=_time(m, "alert_time"),
    )


def venue_drift_from_proto(m: Any) -> VenueDrift:
    """Convert a ``fillgate.v1.VenueDrift``."""
    return VenueDrift(
        sequence=m.sequence,
        account=m.account,
        symbol=m.symbol,
        kind=_enum(DriftKind, m.kind),
        ours=m.ours,
        venue=m.venue,
        message=m.message,
        detected_time=_time(m, "detected_time"),
    )


def alert_from_proto(m: Any) -> Alert:
    """Convert a ``fillgate.v1.Alert``."""
    return Alert(
        sequence=m.sequence,
        kind=_enum(AlertKind, m.kind),
        account=m.account,
        symbol=m.symbol,
        value=_dec(m.value),
        threshold=_dec(m.threshold),
        message=m.message,
        alert_time=_time(m, "alert_time"),
    )


def denial_from_proto(m: Any) -> Denial:
    """Convert a ``fillgate.v1.Denial``."""
    return Denial(
        time=_time(m, "time"),
        account=m.account,
        symbol=m.symbol,
        side=_enum(Side, m.side),
        quantity=_dec(m.quantity),
        type=_enum(OrderType, m.type),
        limit_price=_opt_dec(m.limit_price),
        stop_price=_opt_dec(m.stop_price),
        client_order_id=m.client_order_id,
        strategy_id=m.strategy_id,
        reason=m.reason,
        message=m.message,
        metadata=dict(m.metadata),
        sequence=m.sequence,
    )


def session_event_from_proto(m: Any) -> SessionEvent:
    """Convert a ``fillgate.v1.SessionEvent``."""
    return SessionEvent(
        sequence=m.sequence,
        symbol=m.symbol,
        calendar=m.calendar,
        phase=_enum(SessionPhase, m.phase),
        next_open=_time(m, "next_open"),
        next_close=_time(m, "next_close"),
        event_time=_time(m, "event_time"),
    )


def stream_events_from_proto(m: Any) -> list[StreamEvent]:
    """Convert a ``StreamFillsResponse`` into its events: one, a batch's, or none (unknown)."""
    if m.WhichOneof("event") == "batch":
        events = (stream_event_from_proto(e) for e in m.batch.events)
        return [e for e in events if e is not None]
    event = stream_event_from_proto(m)
    return [] if event is None else [event]


def stream_event_from_proto(m: Any) -> StreamEvent | None:
    """Convert a ``StreamFillsResponse``; ``None`` for an event kind this client predates."""
    kind = m.WhichOneof("event")
    if kind == "execution_report":
        return execution_report_from_proto(m.execution_report)
    if kind == "heartbeat":
        return heartbeat_from_proto(m.heartbeat)
    if kind == "trading_state_changed":
        return trading_state_changed_from_proto(m.trading_state_changed)
    if kind == "subscribed":
        return subscription_ack_from_proto(m.subscribed)
    if kind == "risk_alert":
        return risk_alert_from_proto(m.risk_alert)
    if kind == "venue_drift":
        return venue_drift_from_proto(m.venue_drift)
    if kind == "alert":
        return alert_from_proto(m.alert)

    if kind == "session":
        return session_event_from_proto(m.session)
    if kind == "denial":
        return denial_from_proto(m.denial)
    return None


# The inverse direction: typed value -> proto message.

_PROTO_CLASSES: Mapping[type[Any], Any] = {
    PositionChange: execution_pb.PositionChange,
    Order: order_pb.Order,
    SubmitResult: exec_pb.SubmitOrderResponse,
    ExecutionReport: execution_pb.ExecutionReport,
    Position: position_pb.Position,
    AccountTotals: position_pb.AccountTotals,
    AccountPositions: position_pb.AccountPositions,
    TradingRestriction: trading_state_pb.TradingRestriction,
    HaltResult: exec_pb.HaltResponse,
    TradingStateChanged: trading_state_pb.TradingStateChanged,
    SubscriptionAck: exec_pb.SubscriptionAck,
    Heartbeat: exec_pb.Heartbeat,
    SymbolInfo: admin_pb.SymbolInfo,
    RiskAlert: risk_pb.RiskAlert,
    VenueDrift: venue_pb.VenueDrift,
    Alert: alert_pb.Alert,
    Denial: alert_pb.Denial,
    SessionEvent: session_pb.SessionEvent,
}

_STREAM_ONEOF: Mapping[type[Any], str] = {
    SubscriptionAck: "subscribed",
    ExecutionReport: "execution_report",
    TradingStateChanged: "trading_state_changed",
    Heartbeat: "heartbeat",
    RiskAlert: "risk_alert",
    VenueDrift: "venue_drift",
    Alert: "alert",
    SessionEvent: "session",
    Denial: "denial",
}


def to_proto(value: Any) -> Any:
    """Return the proto message for a value from ``types``."""
    message = _PROTO_CLASSES[type(value)]()
    _fill(message, value)
    return message


def stream_event_to_proto(event: StreamEvent) -> Any:
    """Return the ``StreamFillsResponse`` carrying ``event``."""
    response = exec_pb.StreamFillsResponse()
    _fill(getattr(response, _STREAM_ONEOF[type(event)]), event)
    return response


def _fill(message: Any, value: Any) -> None:
    for f in dataclasses.fields(value):
        item = getattr(value, f.name)
        if item is None:
            continue  # an absent price or timestamp is the proto default
        if isinstance(item, Decimal):
            setattr(message, f.name, format_decimal(item))
        elif isinstance(item, ProtoEnum):
            setattr(message, f.name, item.value)
        elif isinstance(item, datetime):
            getattr(message, f.name).FromDatetime(item)
        elif isinstance(item, timedelta):
            getattr(message, f.name).FromTimedelta(item)
        elif isinstance(item, Mapping):
            getattr(message, f.name).update(item)
        elif isinstance(item, tuple):
            repeated = getattr(message, f.name)
            for element in item:
                _fill(repeated.add(), element)
        elif dataclasses.is_dataclass(item):
            _fill(getattr(message, f.name), item)
        else:
            setattr(message, f.name, item)
