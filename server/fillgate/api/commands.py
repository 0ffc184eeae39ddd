"""Request messages -> domain commands and queries. Syntactic checks; the engine judges semantics.

Each function names every bad field of its request at once (one InvalidArgument).
"""

from __future__ import annotations

from collections.abc import Callable, Container, Iterable
from decimal import Decimal
from enum import IntEnum
from typing import TypeVar

from google.protobuf.duration_pb2 import Duration
from google.protobuf.timestamp_pb2 import Timestamp

from fillgate.api.paging import page_request
from fillgate.domain import commands as cmd
from fillgate.domain import events as ev
from fillgate.domain.enums import (
    ExecType,
    HaltScope,
    OrderState,
    OrderType,
    Side,
    TimeInForce,
    TradingMode,
)
from fillgate.domain.errors import Violations
from fillgate.domain.paging import PageRequest
from fillgate.domain.reports import ExecutionReport
from fillgate.domain.values import DecimalFormatError, parse_decimal
from fillgate.engine.audit import ExecutionQuery
from fillgate.engine.queries import OrderQuery
from fillgate.engine.validation import check_id
from fillgate.streams.subscribe import StreamQuery
from fillgate.v1 import admin_service_pb2 as admin_pb
from fillgate.v1 import audit_service_pb2 as audit_pb
from fillgate.v1 import execution_service_pb2 as svc_pb

E = TypeVar("E", bound=IntEnum)


def _enum(v: Violations, field: str, value: int, kind: type[E], proto_prefix: str) -> E:
    try:
        return kind(value)
    except ValueError:
        if value == 0:
            v.add(field, f"is required ({proto_prefix}_UNSPECIFIED is not a value)")
        else:
            v.add(field, f"{value} is not a known {kind.__name__}")
        return next(iter(kind))


def _decimal(v: Violations, field: str, text: str, *, optional: bool = False) -> Decimal | None:
    if optional and not text:
        return None
    try:
        return parse_decimal(text)
    except DecimalFormatError as exc:
        v.add(field, str(exc))
        return None


# Timestamp's own range (0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999999999Z).
_MIN_SECONDS = -62_135_596_800
_MAX_SECONDS = 253_402_300_799

ORDERS_PAGE = (100, 1000)  # default, maximum
EXECUTIONS_PAGE = (1000, 10_000)
DEFAULT_HEARTBEAT_MS = 5000
MIN_HEARTBEAT_MS = 100
MAX_HEARTBEAT_MS = 3_600_000


def _time_ns(v: Violations, field: str, ts: Timestamp) -> int:
    if not _MIN_SECONDS <= ts.seconds <= _MAX_SECONDS:
        v.add(field, "seconds must be within years 0001 to 9999")
    elif not 0 <= ts.nanos <= 999_999_999:
        v.add(field, "nanos must be from 0 to 999999999")
    else:
        return int(ts.seconds) * 1_000_000_000 + int(ts.nanos)
    return 0


def submit_order(
    req: svc_pb.SubmitOrderRequest, by: str = "", strategy_id: str = ""
) -> cmd.SubmitOrder:
    """The command; ``by`` is the principal, ``strategy_id`` a bound strategy that wins."""
    v = Violations()
    side = _enum(v, "side", req.side, Side, "SIDE")
    type_ = _enum(v, "type", req.type, OrderType, "ORDER_TYPE")
    tif = _enum(v, "time_in_force", req.time_in_force, TimeInForce, "TIME_IN_FORCE")
    quantity = _decimal(v, "quantity", req.quantity)
    limit = _decimal(v, "limit_price", req.limit_price, optional=True)
    stop = _decimal(v, "stop_price", req.stop_price, optional=True)
    expire_time = _time_ns(v, "expire_time", req.expire_time) if req.HasField("expire_time") else 0
    expire_after = _duration_ns(v, "expire_after", req.expire_after)
    v.raise_if_any()
    assert quantity is not None
    return cmd.SubmitOrder(
        account=req.account,
        symbol=req.symbol,
        side=side,
        quantity=quantity,
        type=type_,
        time_in_force=tif,
        client_order_id=req.client_order_id,
        limit_price=limit,
        stop_price=stop,
        strategy_id=strategy_id or req.strategy_id,
        tags=tuple(sorted(req.tags.items())),
        reduce_only=req.reduce_only,
        extended_hours=req.extended_hours,
        by=by,
        expire_time_ns=expire_time,
        expire_after_ns=expire_after,
    )


# A time limit longer than this is a mistake, not a plan (and stays far inside int64 ns).
_MAX_DURATION_S = 366 * 86_400


def _duration_ns(v: Violations, field: str, d: Duration) -> int:
    """A positive duration in ns; zero (unset) means none."""
    if d.seconds == 0 and d.nanos == 0:
        return 0
    if d.seconds < 0 or d.nanos < 0:
        v.add(field, "must be a positive duration")
    elif d.nanos > 999_999_999:
        v.add(field, "nanos must be from 0 to 999999999")
    elif d.seconds > _MAX_DURATION_S:
        v.add(field, f"must be at most {_MAX_DURATION_S} seconds (366 days)")
    else:
        return int(d.seconds) * 1_000_000_000 + int(d.nanos)
    return 0


def order_ref(ref: svc_pb.OrderRef) -> cmd.OrderRef:
    return cmd.OrderRef(
        order_id=ref.order_id, account=ref.account, client_order_id=ref.client_order_id
    )


def replace_order(req: svc_pb.ReplaceOrderRequest, by: str = "") -> cmd.ReplaceOrder:
    v = Violations()
    quantity = _decimal(v, "quantity", req.quantity, optional=True)
    limit = _decimal(v, "limit_price", req.limit_price, optional=True)
    stop = _decimal(v, "stop_price", req.stop_price, optional=True)
    v.raise_if_any()
    return cmd.ReplaceOrder(
        ref=order_ref(req.order), quantity=quantity, limit_price=limit, stop_price=stop, by=by
    )


def halt(req: svc_pb.HaltRequest) -> cmd.Halt:
    v = Violations()
    scope = _enum(v, "scope", req.scope, HaltScope, "HALT_SCOPE")
    mode = _enum(v, "mode", req.mode, TradingMode, "TRADING_MODE")
    if scope is HaltScope.STRATEGY:  # accounts and symbols are checked against the config
        check_id(v, "target", req.target, required=False)
    v.raise_if_any()
    return cmd.Halt(
        scope=scope,
        target=req.target,
        mode=mode,
        reason=req.reason,
        requested_by=req.requested_by,
        cancel_open_orders=req.cancel_open_orders,
        flatten_positions=req.flatten_positions,
    )


def resume(req: svc_pb.ResumeRequest) -> cmd.Resume:
    v = Violations()
    scope = _enum(v, "scope", req.scope, HaltScope, "HALT_SCOPE")
    if scope is HaltScope.STRATEGY:
        check_id(v, "target", req.target, required=False)
    v.raise_if_any()
    return cmd.Resume(
        scope=scope, target=req.target, reason=req.reason, requested_by=req.requested_by
    )


def set_reference_price(req: admin_pb.SetReferencePriceRequest) -> cmd.SetReferencePrice:
    v = Violations()
    price = _decimal(v, "price", req.price)
    if not req.symbol:
        v.add("symbol", "is required")
    v.raise_if_any()
    assert price is not None
    return cmd.SetReferencePrice(symbol=req.symbol, price=price)


def list_orders(req: svc_pb.ListOrdersRequest) -> tuple[OrderQuery, PageRequest]:
    v = Violations()
    states = set()
    for s in req.states:
        try:
            states.add(OrderState(s))
        except ValueError:
            v.add("states", f"{s} is not a filterable order state")
    default, maximum = ORDERS_PAGE
    page = page_request(
        v, "orders", req.page_token, req.page_size, default=default, maximum=maximum
    )
    v.raise_if_any()
    query = OrderQuery(
        account=req.account,
        symbol=req.symbol,
        states=frozenset(states),
        open_only=req.open_only,
    )
    return query, page


def list_executions(req: audit_pb.ListExecutionsRequest) -> tuple[ExecutionQuery, PageRequest]:
    v = Violations()
    start = _time_ns(v, "start_time", req.start_time) if req.HasField("start_time") else None
    end = _time_ns(v, "end_time", req.end_time) if req.HasField("end_time") else None
    default, maximum = EXECUTIONS_PAGE
    page = page_request(
        v, "executions", req.page_token, req.page_size, default=default, maximum=maximum
    )
    v.raise_if_any()
    query = ExecutionQuery(
        account=req.account,
        symbol=req.symbol,
        order_id=req.order_id,
        trades_only=req.trades_only,
        start_ns=start,
        end_ns=end,
    )
    return query, page


def stream_fills(
    req: svc_pb.StreamFillsRequest, accounts: Container[str], symbols: Container[str]
) -> StreamQuery:
    v = Violations()
    v.require_known("accounts", req.accounts, accounts, "account")
    v.require_known("symbols", req.symbols, symbols, "symbol")
    interval_ms = req.heartbeat_interval_ms or DEFAULT_HEARTBEAT_MS
    if not MIN_HEARTBEAT_MS <= interval_ms <= MAX_HEARTBEAT_MS:
        v.add("heartbeat_interval_ms", f"must be from {MIN_HEARTBEAT_MS} to {MAX_HEARTBEAT_MS}")
    if req.max_batch > MAX_STREAM_BATCH:
        v.add("max_batch", f"must be at most {MAX_STREAM_BATCH}")
    keep = _stream_filter(v, req.kinds, req.exec_types)
    v.raise_if_any()
    return StreamQuery(
        accounts=frozenset(req.accounts),
        symbols=frozenset(req.symbols),
        from_sequence=req.from_sequence if req.HasField("from_sequence") else None,
        heartbeat_s=interval_ms / 1000,
        max_batch=max(req.max_batch, 1),
        keep=keep,
    )


MAX_STREAM_BATCH = 1000

#: StreamEventKind -> the payload types a bus event of that kind carries.
_STREAM_KINDS: dict[int, type] = {
    svc_pb.STREAM_EVENT_KIND_EXECUTION_REPORT: ExecutionReport,
    svc_pb.STREAM_EVENT_KIND_TRADING_STATE: ev.TradingStateChanged,
    svc_pb.STREAM_EVENT_KIND_RISK_ALERT: ev.BreakerTripped,
    svc_pb.STREAM_EVENT_KIND_VENUE_DRIFT: ev.VenueDrift,
    svc_pb.STREAM_EVENT_KIND_SESSION: ev.SessionChanged,
    svc_pb.STREAM_EVENT_KIND_ALERT: ev.AlertRaised,
    svc_pb.STREAM_EVENT_KIND_DENIAL: ev.OrderDenied,
}


def _not_denial(payload: object) -> bool:
    return type(payload) is not ev.OrderDenied


def _stream_filter(
    v: Violations, kinds: Iterable[int], exec_types: Iterable[int]
) -> Callable[[object], bool] | None:
    """Return the payload filter a StreamFillsRequest asks for.

    Denials are opt-in: without ``kinds`` naming them, every other kind passes.
    """
    wanted: set[type] = set()
    for i, kind in enumerate(kinds):
        if kind in _STREAM_KINDS:
            wanted.add(_STREAM_KINDS[kind])
        elif kind == 0:
            v.add(f"kinds[{i}]", "STREAM_EVENT_KIND_UNSPECIFIED is not a value")
        else:
            v.add(f"kinds[{i}]", f"{kind} is not a known StreamEventKind")
    types = frozenset(wanted)
    execs = frozenset(
        _enum(v, f"exec_types[{i}]", t, ExecType, "EXEC_TYPE") for i, t in enumerate(exec_types)
    )
    if not types and not execs:
        return _not_denial

    def keep(payload: object) -> bool:
        if types and type(payload) not in types:
            return False
        if not types and type(payload) is ev.OrderDenied:
            return False
        return not execs or type(payload) is not ExecutionReport or payload.exec_type in execs

    return keep


def accounts(values: Iterable[str], configured: Container[str]) -> list[str]:
    """Return an accounts filter, or raise InvalidArgument naming each unknown account."""
    v = Violations()
    v.require_known("accounts", values, configured, "account")
    v.raise_if_any()
    return list(values)
