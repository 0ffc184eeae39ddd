"""Build fillgate.v1 request messages from Python values.

Shared by the async and the sync client. Money and quantities are accepted as
``Decimal``, ``str`` or ``int`` and sent as plain decimal strings; ``float`` is
refused with ``TypeError`` because it cannot represent most prices exactly, and
a ``str`` with non-ASCII characters (Arabic-Indic or full-width digits, which
``Decimal`` would read as numbers) with ``ValueError``, as the server does.
Enums are accepted as members or as their names (``"buy"``, ``"stop-limit"``).
Everything else is left for the server to validate.
"""

from __future__ import annotations

import enum
import getpass
import uuid
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, TypeAlias, TypeVar

from ._convert import format_decimal
from ._pb import admin_pb, exec_pb, risk_svc_pb
from .types import (
    ExecType,
    HaltScope,
    OrderState,
    OrderType,
    ProtoEnum,
    Side,
    StreamEventKind,
    TimeInForce,
    TradingMode,
)

DecimalLike: TypeAlias = Decimal | str | int
"""A price or quantity as callers may pass it (never ``float``)."""

_E = TypeVar("_E", bound=ProtoEnum)


def decimal_string(value: DecimalLike, name: str) -> str:
    """Return ``value`` as the plain decimal string the server expects."""
    if isinstance(value, float):
        raise TypeError(
            f"{name} must be a Decimal, str or int, not float: "
            f"floats cannot represent money exactly (use Decimal({str(value)!r}))"
        )
    if isinstance(value, bool) or not isinstance(value, Decimal | str | int):
        raise TypeError(f"{name} must be a Decimal, str or int, not {type(value).__name__}")
    if isinstance(value, str) and not value.isascii():
        # Decimal() reads any Unicode digit ("\u0661" as 1); the server refuses them, and
        # so does the client rather than send a number the caller did not write.
        raise ValueError(f"{name} is not a decimal number: use ASCII digits")
    if isinstance(value, Decimal):
        number = value
    else:
        try:
            number = Decimal(value)
        except InvalidOperation:
            raise ValueError(f"{name} is not a decimal number: {value!r}") from None
    if not number.is_finite():
        raise ValueError(f"{name} must be finite, got {value!r}")
    return format_decimal(number)


def optional_decimal_string(value: DecimalLike | None, name: str) -> str:
    """Return ``value`` as a decimal string, or the empty string (unset) for ``None``."""
    return "" if value is None else decimal_string(value, name)


def enum_number(cls: type[_E], value: _E | str, name: str) -> int:
    """Return the proto number of an enum member or of its name."""
    if isinstance(value, str):
        value = cls.parse(value)
    if isinstance(value, cls):
        return int(value.value)
    raise TypeError(f"{name} must be a {cls.__name__} or its name, not {type(value).__name__}")


def _items(values: Iterable[_E | str] | _E | str) -> list[_E | str]:
    """Return ``values`` as a list, treating a lone member or name as one item."""
    if isinstance(values, str | enum.Enum):
        return [values]  # type: ignore[list-item]
    return list(values)


def _strings(values: Iterable[str] | str) -> list[str]:
    """Return ``values`` as a list, treating a lone string as one item rather than characters."""
    return [values] if isinstance(values, str) else list(values)


def new_client_order_id() -> str:
    """Return a fresh client order id (32 hex characters)."""
    return uuid.uuid4().hex


def default_requested_by() -> str:
    """Return the operating-system user name, used to sign halts and resumes."""
    try:
        return getpass.getuser()
    except (OSError, KeyError, ImportError):
        return "unknown"


def submit_order(
    account: str,
    symbol: str,
    side: Side | str,
    quantity: DecimalLike,
    *,
    type: OrderType | str = OrderType.MARKET,
    limit_price: DecimalLike | None = None,
    stop_price: DecimalLike | None = None,
    time_in_force: TimeInForce | str = TimeInForce.GTC,
    client_order_id: str | None = None,
    strategy_id: str | None = None,
    tags: Mapping[str, str] | None = None,
    reduce_only: bool = False,
    extended_hours: bool = False,
    expire_time: datetime | None = None,
    expire_after: timedelta | None = None,
) -> Any:
    """Build a ``SubmitOrderRequest``; a missing client order id is generated."""
    request = exec_pb.SubmitOrderRequest(
        account=account,
        symbol=symbol,
        side=enum_number(Side, side, "side"),
        quantity=decimal_string(quantity, "quantity"),
        type=enum_number(OrderType, type, "type"),
        limit_price=optional_decimal_string(limit_price, "limit_price"),
        stop_price=optional_decimal_string(stop_price, "stop_price"),
        time_in_force=enum_number(TimeInForce, time_in_force, "time_in_force"),
        client_order_id=client_order_id or new_client_order_id(),
        strategy_id=strategy_id or "",
        tags=dict(tags or {}),
        reduce_only=reduce_only,
        extended_hours=extended_hours,
    )
    if expire_time is not None:
        if expire_time.tzinfo is None:
            raise ValueError("expire_time must be timezone-aware (e.g. datetime.now(UTC))")
        request.expire_time.FromDatetime(expire_time)
    if expire_after is not None:
        if expire_after <= timedelta(0):
            raise ValueError("expire_after must be a positive duration")
        request.expire_after.FromTimedelta(expire_after)
    return request


def order_ref(
    order_id: str | None = None, *, account: str | None = None, client_order_id: str | None = None
) -> Any:
    """Build an ``OrderRef`` from an order id or from an account and client order id."""
    if not order_id and not (account and client_order_id):
        raise ValueError("name the order by order_id, or by account and client_order_id")
    return exec_pb.OrderRef(
        order_id=order_id or "", account=account or "", client_order_id=client_order_id or ""
    )


def cancel_order(
    order_id: str | None = None, *, account: str | None = None, client_order_id: str | None = None
) -> Any:
    """Build a ``CancelOrderRequest``."""
    ref = order_ref(order_id, account=account, client_order_id=client_order_id)
    return exec_pb.CancelOrderRequest(order=ref)


def replace_order(
    order_id: str | None = None,
    *,
    account: str | None = None,
    client_order_id: str | None = None,
    quantity: DecimalLike | None = None,
    limit_price: DecimalLike | None = None,
    stop_price: DecimalLike | None = None,
) -> Any:
    """Build a ``ReplaceOrderRequest``; terms left ``None`` keep their value."""
    return exec_pb.ReplaceOrderRequest(
        order=order_ref(order_id, account=account, client_order_id=client_order_id),
        quantity=optional_decimal_string(quantity, "quantity"),
        limit_price=optional_decimal_string(limit_price, "limit_price"),
        stop_price=optional_decimal_string(stop_price, "stop_price"),
    )


def get_order(
    order_id: str | None = None, *, account: str | None = None, client_order_id: str | None = None
) -> Any:
    """Build a ``GetOrderRequest``."""
    ref = order_ref(order_id, account=account, client_order_id=client_order_id)
    return exec_pb.GetOrderRequest(order=ref)


def list_orders(
    account: str | None = None,
    symbol: str | None = None,
    states: Iterable[OrderState | str] = (),
    open_only: bool = False,
    page_size: int | None = None,
    page_token: str = "",
) -> Any:
    """Build a ``ListOrdersRequest`` for one page."""
    return exec_pb.ListOrdersRequest(
        account=account or "",
        symbol=symbol or "",
        states=[enum_number(OrderState, s, "states") for s in states],
        open_only=open_only,
        page_size=page_size or 0,
        page_token=page_token,
    )


#: Events per message the clients ask for: a busy stream then costs a few large
#: messages instead of many small ones; the clients unpack batches, so callers see events.
DEFAULT_MAX_BATCH = 256


def stream_fills(
    accounts: Iterable[str] | str = (),
    symbols: Iterable[str] | str = (),
    from_sequence: int | None = None,
    heartbeat_interval_ms: int = 0,
    *,
    max_batch: int = DEFAULT_MAX_BATCH,
    kinds: Iterable[StreamEventKind | str] = (),
    exec_types: Iterable[ExecType | str] = (),
) -> Any:
    """Build a ``StreamFillsRequest``; ``from_sequence=None`` streams live events only."""
    request = exec_pb.StreamFillsRequest(
        accounts=_strings(accounts),
        symbols=_strings(symbols),
        heartbeat_interval_ms=heartbeat_interval_ms,
        max_batch=max_batch,
        kinds=[enum_number(StreamEventKind, k, "kinds") for k in _items(kinds)],
        exec_types=[enum_number(ExecType, t, "exec_types") for t in _items(exec_types)],
    )
    if from_sequence is not None:  # presence matters: 0 means "all retained history"
        request.from_sequence = from_sequence
    return request


def get_positions(accounts: Iterable[str] | str = (), include_flat: bool = False) -> Any:
    """Build a ``GetPositionsRequest``."""
    return exec_pb.GetPositionsRequest(accounts=_strings(accounts), include_flat=include_flat)


def halt(
    scope: HaltScope | str,
    target: str = "",
    *,
    mode: TradingMode | str = TradingMode.HALTED,
    cancel_open_orders: bool = False,
    flatten_positions: bool = False,
    reason: str,
    requested_by: str | None = None,
) -> Any:
    """Build a ``HaltRequest``; ``requested_by`` defaults to the OS user name."""
    return exec_pb.HaltRequest(
        scope=enum_number(HaltScope, scope, "scope"),
        target=target,
        mode=enum_number(TradingMode, mode, "mode"),
        cancel_open_orders=cancel_open_orders,
        flatten_positions=flatten_positions,
        reason=reason,
        requested_by=requested_by or default_requested_by(),
    )


def resume(
    scope: HaltScope | str, target: str = "", reason: str = "", requested_by: str | None = None
) -> Any:
    """Build a ``ResumeRequest``; ``requested_by`` defaults to the OS user name."""
    return exec_pb.ResumeRequest(
        scope=enum_number(HaltScope, scope, "scope"),
        target=target,
        reason=reason,
        requested_by=requested_by or default_requested_by(),
    )


def get_trading_state() -> Any:
    """Build a ``GetTradingStateRequest``."""
    return exec_pb.GetTradingStateRequest()


def set_reference_price(symbol: str, price: DecimalLike) -> Any:
    """Build a ``SetReferencePriceRequest``."""
    return admin_pb.SetReferencePriceRequest(symbol=symbol, price=decimal_string(price, "price"))


def list_symbols() -> Any:
    """Build a ``ListSymbolsRequest``."""
    return admin_pb.ListSymbolsRequest()


def ping() -> Any:
    """Build a ``PingRequest``."""
    return admin_pb.PingRequest()


def get_risk_state(accounts: Iterable[str] | str = ()) -> Any:
    """Build a ``GetRiskStateRequest``."""
    return risk_svc_pb.GetRiskStateRequest(accounts=_strings(accounts))
