"""Domain -> proto: answers and stream messages (requests are read in ``api/commands.py``)."""

from __future__ import annotations

from enum import IntEnum
from typing import Any, TypeVar

from google.protobuf.timestamp_pb2 import Timestamp

from fillgate.api.paging import page_token
from fillgate.book.positions import AccountSnapshot, Position
from fillgate.domain import events as ev
from fillgate.domain.orders import Order
from fillgate.domain.paging import Page
from fillgate.domain.reports import ExecutionReport
from fillgate.domain.values import fmt
from fillgate.engine.engine import SymbolState
from fillgate.risk.trading_state import Restriction
from fillgate.streams.bus import BusEvent
from fillgate.streams.subscribe import Opened, Quiet
from fillgate.v1 import admin_service_pb2 as admin_pb
from fillgate.v1 import alert_pb2, risk_pb2, session_pb2, venue_pb2
from fillgate.v1 import execution_pb2 as exec_pb
from fillgate.v1 import execution_service_pb2 as svc_pb
from fillgate.v1 import order_pb2 as order_pb
from fillgate.v1 import position_pb2 as pos_pb
from fillgate.v1 import trading_state_pb2 as ts_pb

E = TypeVar("E", bound=IntEnum)


def next_page_token(kind: str, page: Page[Any]) -> str:
    return "" if page.next_start is None else page_token(kind, page.next_start)


def timestamp(ns: int) -> Timestamp:
    return Timestamp(seconds=ns // 1_000_000_000, nanos=ns % 1_000_000_000)


def order(o: Order) -> order_pb.Order:
    msg = order_pb.Order(
        order_id=o.order_id,
        client_order_id=o.client_order_id,
        venue_order_id=o.venue_order_id,
        account=o.account,
        symbol=o.symbol,
        side=int(o.side),  # type: ignore[arg-type]
        type=int(o.type),  # type: ignore[arg-type]
        time_in_force=int(o.time_in_force),  # type: ignore[arg-type]
        quantity=fmt(o.quantity),
        limit_price=fmt(o.limit_price),
        stop_price=fmt(o.stop_price),
        strategy_id=o.strategy_id,
        tags=dict(o.tags),
        reduce_only=o.reduce_only,
        state=int(o.state),  # type: ignore[arg-type]
        filled_quantity=fmt(o.filled_quantity),
        leaves_quantity=fmt(o.leaves_quantity),
        average_fill_price=fmt(o.average_fill_price),
        fees=fmt(o.fees),
        venue=o.venue,
        triggered=o.triggered,
        reason=o.reason,
        version=o.version,
        create_time=timestamp(o.created_ns),
        update_time=timestamp(o.updated_ns),
        arrival_price=fmt(o.arrival_price),
        extended_hours=o.extended_hours,
    )
    if o.release_ns:
        msg.release_time.CopyFrom(timestamp(o.release_ns))
    if o.expire_time_ns:
        msg.expire_time.CopyFrom(timestamp(o.expire_time_ns))
    if o.expire_after_ns:
        msg.expire_after.FromNanoseconds(o.expire_after_ns)
    if o.expires_ns:
        msg.expires_at.CopyFrom(timestamp(o.expires_ns))
    return msg


def execution_report(item: BusEvent) -> exec_pb.ExecutionReport:
    r: ExecutionReport = item.payload
    o, event = r.order, r.event
    msg = exec_pb.ExecutionReport(
        sequence=item.sequence,
        exec_id=r.exec_id,
        exec_type=int(r.exec_type),  # type: ignore[arg-type]
        order_state=int(o.state),  # type: ignore[arg-type]
        order_id=o.order_id,
        client_order_id=o.client_order_id,
        venue_order_id=o.venue_order_id,
        account=o.account,
        symbol=o.symbol,
        side=int(o.side),  # type: ignore[arg-type]
        venue=o.venue,
        strategy_id=o.strategy_id,
        order_quantity=fmt(o.quantity),
        limit_price=fmt(o.limit_price),
        stop_price=fmt(o.stop_price),
        cumulative_quantity=fmt(o.filled_quantity),
        leaves_quantity=fmt(o.leaves_quantity),
        average_price=fmt(o.average_fill_price),
        transact_time=timestamp(event.ts_ns),
        monotonic_ns=r.monotonic_ns,
    )
    if isinstance(event, ev.OrderFilled):
        msg.venue_exec_id = event.venue_exec_id
        msg.last_quantity = fmt(event.quantity)
        msg.last_price = fmt(event.price)
        msg.fee = fmt(event.fee)
    reason = getattr(event, "reason", "")
    if reason:
        msg.reason = reason
    by = getattr(event, "by", "")
    if by:
        msg.requested_by = by
    change = r.position
    if change is not None:
        msg.position.CopyFrom(
            exec_pb.PositionChange(
                lifecycle=int(change.lifecycle),  # type: ignore[arg-type]
                quantity=fmt(change.quantity),
                average_price=fmt(change.average_price),
                realized_pnl=fmt(change.realized_pnl),
            )
        )
    return msg


def trading_state_changed(item: BusEvent) -> ts_pb.TradingStateChanged:
    c: ev.TradingStateChanged = item.payload
    return ts_pb.TradingStateChanged(
        sequence=item.sequence,
        scope=int(c.scope),  # type: ignore[arg-type]
        target=c.target,
        mode=int(c.mode),  # type: ignore[arg-type]
        reason=c.reason,
        requested_by=c.requested_by,
        change_time=timestamp(c.ts_ns),
    )


def risk_alert(item: BusEvent) -> risk_pb2.RiskAlert:
    a: ev.BreakerTripped = item.payload
    return risk_pb2.RiskAlert(
        sequence=item.sequence,
        breaker=int(a.breaker),  # type: ignore[arg-type]
        account=a.account,
        symbol=a.symbol,
        mode=int(a.mode),  # type: ignore[arg-type]
        cancel_open_orders=a.cancel_open_orders,
        flatten_positions=a.flatten_positions,
        value=fmt(a.value),
        limit=fmt(a.limit),
        message=a.message,
        alert_time=timestamp(a.ts_ns),
    )


# The domain names drift kinds with strings; one the contract predates streams as UNSPECIFIED.
_DRIFT_KINDS = {
    "position": venue_pb2.DRIFT_KIND_POSITION,
    "unknown_order": venue_pb2.DRIFT_KIND_UNKNOWN_ORDER,
    "reconcile_failed": venue_pb2.DRIFT_KIND_RECONCILE_FAILED,
    "reconciled": venue_pb2.DRIFT_KIND_RECONCILED,
    "equity": venue_pb2.DRIFT_KIND_EQUITY,
    "session": venue_pb2.DRIFT_KIND_SESSION,
}


def venue_drift(item: BusEvent) -> venue_pb2.VenueDrift:
    d: ev.VenueDrift = item.payload
    return venue_pb2.VenueDrift(
        sequence=item.sequence,
        account=d.account,
        symbol=d.symbol,
        kind=_DRIFT_KINDS.get(d.kind, venue_pb2.DRIFT_KIND_UNSPECIFIED),
        ours=d.ours,
        venue=d.venue,
        message=d.message,
        detected_time=timestamp(d.ts_ns),
    )


def alert(item: BusEvent) -> alert_pb2.Alert:
    a: ev.AlertRaised = item.payload
    return alert_pb2.Alert(
        sequence=item.sequence,
        kind=int(a.kind),  # type: ignore[arg-type]
        account=a.account,
        symbol=a.symbol,
        value=fmt(a.value),
        threshold=fmt(a.threshold),
        message=a.message,
        alert_time=timestamp(a.ts_ns),
    )


def denial(d: ev.OrderDenied, sequence: int = 0) -> alert_pb2.Denial:
    c = d.command
    return alert_pb2.Denial(
        sequence=sequence,
        time=timestamp(d.ts_ns),
        account=c.account,
        symbol=c.symbol,
        side=int(c.side),  # type: ignore[arg-type]
        quantity=fmt(c.quantity),
        type=int(c.type),  # type: ignore[arg-type]
        limit_price=fmt(c.limit_price),
        stop_price=fmt(c.stop_price),
        client_order_id=c.client_order_id,
        strategy_id=c.strategy_id,
        reason=d.reason,
        message=d.message,
        metadata=dict(d.metadata),
    )


def subscription_ack(opened: Opened) -> svc_pb.StreamFillsResponse:
    return svc_pb.StreamFillsResponse(
        subscribed=svc_pb.SubscriptionAck(
            subscription_id=opened.subscription_id,
            head_sequence=opened.head,
            first_sequence=opened.first,
        )
    )


def heartbeat(quiet: Quiet, now_ns: int) -> svc_pb.StreamFillsResponse:
    return svc_pb.StreamFillsResponse(
        heartbeat=svc_pb.Heartbeat(head_sequence=quiet.head, server_time=timestamp(now_ns))
    )


def session_event(item: BusEvent) -> session_pb2.SessionEvent:
    e: ev.SessionChanged = item.payload
    msg = session_pb2.SessionEvent(
        sequence=item.sequence,
        symbol=e.symbol,
        calendar=e.calendar,
        phase=int(e.phase),  # type: ignore[arg-type]
        event_time=timestamp(e.ts_ns),
    )
    if e.next_open_ns:
        msg.next_open.CopyFrom(timestamp(e.next_open_ns))
    if e.next_close_ns:
        msg.next_close.CopyFrom(timestamp(e.next_close_ns))
    return msg


def stream_message(item: BusEvent) -> svc_pb.StreamFillsResponse:
    payload = item.payload
    if isinstance(payload, ExecutionReport):
        return svc_pb.StreamFillsResponse(execution_report=execution_report(item))
    if isinstance(payload, ev.BreakerTripped):
        return svc_pb.StreamFillsResponse(risk_alert=risk_alert(item))
    if isinstance(payload, ev.VenueDrift):
        return svc_pb.StreamFillsResponse(venue_drift=venue_drift(item))
    if isinstance(payload, ev.AlertRaised):
        return svc_pb.StreamFillsResponse(alert=alert(item))

    if isinstance(payload, ev.TradingStateChanged):
        return svc_pb.StreamFillsResponse(trading_state_changed=trading_state_changed(item))
    if isinstance(payload, ev.SessionChanged):
        return svc_pb.StreamFillsResponse(session=session_event(item))
    if isinstance(payload, ev.OrderDenied):
        return svc_pb.StreamFillsResponse(denial=denial(payload, item.sequence))
    raise TypeError(f"no stream message for {type(payload).__name__}")


def restriction(r: Restriction) -> ts_pb.TradingRestriction:
    return ts_pb.TradingRestriction(
        scope=int(r.scope),  # type: ignore[arg-type]
        target=r.target,
        mode=int(r.mode),  # type: ignore[arg-type]
        reason=r.reason,
        requested_by=r.requested_by,
        set_time=timestamp(r.set_ns),
    )


def position(p: Position) -> pos_pb.Position:
    message = _position(p)
    if p.opened_ns:
        message.open_time.CopyFrom(timestamp(p.opened_ns))
    return message


def _position(p: Position) -> pos_pb.Position:
    return pos_pb.Position(
        account=p.account,
        symbol=p.symbol,
        quantity=fmt(p.quantity),
        average_price=fmt(p.average_price),
        cost_basis=fmt(p.cost),
        mark_price=fmt(p.mark),
        market_value=fmt(p.market_value),
        realized_pnl=fmt(p.realized_pnl),
        unrealized_pnl=fmt(p.unrealized_pnl),
        fees=fmt(p.fees),
        update_time=timestamp(p.updated_ns),
    )


def account_positions(s: AccountSnapshot, include_flat: bool) -> pos_pb.AccountPositions:
    return pos_pb.AccountPositions(
        totals=pos_pb.AccountTotals(
            account=s.account,
            cash=fmt(s.cash),
            equity=fmt(s.equity),
            realized_pnl=fmt(s.realized_pnl),
            unrealized_pnl=fmt(s.unrealized_pnl),
            fees=fmt(s.fees),
            gross_exposure=fmt(s.gross_exposure),
            net_exposure=fmt(s.net_exposure),
            open_positions=s.open_positions,
            update_time=timestamp(s.updated_ns),
        ),
        positions=[
            position(s.positions[sym])
            for sym in sorted(s.positions)
            if include_flat or s.positions[sym].quantity
        ],
    )


def symbol_info(s: SymbolState) -> admin_pb.SymbolInfo:
    return admin_pb.SymbolInfo(
        symbol=s.config.name,
        reference_price=fmt(s.reference_price),
        price_precision=s.config.price_precision,
        quantity_precision=s.config.quantity_precision,
        update_time=timestamp(s.updated_ns),
    )
