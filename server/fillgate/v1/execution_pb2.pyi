import datetime

from fillgate.v1 import order_pb2 as _order_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ExecType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    EXEC_TYPE_UNSPECIFIED: _ClassVar[ExecType]
    EXEC_TYPE_PENDING_NEW: _ClassVar[ExecType]
    EXEC_TYPE_NEW: _ClassVar[ExecType]
    EXEC_TYPE_TRADE: _ClassVar[ExecType]
    EXEC_TYPE_PENDING_CANCEL: _ClassVar[ExecType]
    EXEC_TYPE_CANCELED: _ClassVar[ExecType]
    EXEC_TYPE_PENDING_REPLACE: _ClassVar[ExecType]
    EXEC_TYPE_REPLACED: _ClassVar[ExecType]
    EXEC_TYPE_REJECTED: _ClassVar[ExecType]
    EXEC_TYPE_EXPIRED: _ClassVar[ExecType]
    EXEC_TYPE_TRIGGERED: _ClassVar[ExecType]
    EXEC_TYPE_CANCEL_REJECTED: _ClassVar[ExecType]
    EXEC_TYPE_REPLACE_REJECTED: _ClassVar[ExecType]
    EXEC_TYPE_QUEUED: _ClassVar[ExecType]
    EXEC_TYPE_RELEASED: _ClassVar[ExecType]

class PositionLifecycle(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    POSITION_LIFECYCLE_UNSPECIFIED: _ClassVar[PositionLifecycle]
    POSITION_LIFECYCLE_OPENED: _ClassVar[PositionLifecycle]
    POSITION_LIFECYCLE_INCREASED: _ClassVar[PositionLifecycle]
    POSITION_LIFECYCLE_REDUCED: _ClassVar[PositionLifecycle]
    POSITION_LIFECYCLE_CLOSED: _ClassVar[PositionLifecycle]
    POSITION_LIFECYCLE_REVERSED: _ClassVar[PositionLifecycle]
EXEC_TYPE_UNSPECIFIED: ExecType
EXEC_TYPE_PENDING_NEW: ExecType
EXEC_TYPE_NEW: ExecType
EXEC_TYPE_TRADE: ExecType
EXEC_TYPE_PENDING_CANCEL: ExecType
EXEC_TYPE_CANCELED: ExecType
EXEC_TYPE_PENDING_REPLACE: ExecType
EXEC_TYPE_REPLACED: ExecType
EXEC_TYPE_REJECTED: ExecType
EXEC_TYPE_EXPIRED: ExecType
EXEC_TYPE_TRIGGERED: ExecType
EXEC_TYPE_CANCEL_REJECTED: ExecType
EXEC_TYPE_REPLACE_REJECTED: ExecType
EXEC_TYPE_QUEUED: ExecType
EXEC_TYPE_RELEASED: ExecType
POSITION_LIFECYCLE_UNSPECIFIED: PositionLifecycle
POSITION_LIFECYCLE_OPENED: PositionLifecycle
POSITION_LIFECYCLE_INCREASED: PositionLifecycle
POSITION_LIFECYCLE_REDUCED: PositionLifecycle
POSITION_LIFECYCLE_CLOSED: PositionLifecycle
POSITION_LIFECYCLE_REVERSED: PositionLifecycle

class ExecutionReport(_message.Message):
    __slots__ = ("sequence", "exec_id", "exec_type", "order_state", "order_id", "client_order_id", "venue_order_id", "venue_exec_id", "account", "symbol", "side", "venue", "strategy_id", "order_quantity", "limit_price", "stop_price", "last_quantity", "last_price", "cumulative_quantity", "leaves_quantity", "average_price", "fee", "reason", "transact_time", "monotonic_ns", "requested_by", "position")
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    EXEC_ID_FIELD_NUMBER: _ClassVar[int]
    EXEC_TYPE_FIELD_NUMBER: _ClassVar[int]
    ORDER_STATE_FIELD_NUMBER: _ClassVar[int]
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    CLIENT_ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    VENUE_ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    VENUE_EXEC_ID_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    SYMBOL_FIELD_NUMBER: _ClassVar[int]
    SIDE_FIELD_NUMBER: _ClassVar[int]
    VENUE_FIELD_NUMBER: _ClassVar[int]
    STRATEGY_ID_FIELD_NUMBER: _ClassVar[int]
    ORDER_QUANTITY_FIELD_NUMBER: _ClassVar[int]
    LIMIT_PRICE_FIELD_NUMBER: _ClassVar[int]
    STOP_PRICE_FIELD_NUMBER: _ClassVar[int]
    LAST_QUANTITY_FIELD_NUMBER: _ClassVar[int]
    LAST_PRICE_FIELD_NUMBER: _ClassVar[int]
    CUMULATIVE_QUANTITY_FIELD_NUMBER: _ClassVar[int]
    LEAVES_QUANTITY_FIELD_NUMBER: _ClassVar[int]
    AVERAGE_PRICE_FIELD_NUMBER: _ClassVar[int]
    FEE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    TRANSACT_TIME_FIELD_NUMBER: _ClassVar[int]
    MONOTONIC_NS_FIELD_NUMBER: _ClassVar[int]
    REQUESTED_BY_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    sequence: int
    exec_id: str
    exec_type: ExecType
    order_state: _order_pb2.OrderState
    order_id: str
    client_order_id: str
    venue_order_id: str
    venue_exec_id: str
    account: str
    symbol: str
    side: _order_pb2.Side
    venue: str
    strategy_id: str
    order_quantity: str
    limit_price: str
    stop_price: str
    last_quantity: str
    last_price: str
    cumulative_quantity: str
    leaves_quantity: str
    average_price: str
    fee: str
    reason: str
    transact_time: _timestamp_pb2.Timestamp
    monotonic_ns: int
    requested_by: str
    position: PositionChange
    def __init__(self, sequence: _Optional[int] = ..., exec_id: _Optional[str] = ..., exec_type: _Optional[_Union[ExecType, str]] = ..., order_state: _Optional[_Union[_order_pb2.OrderState, str]] = ..., order_id: _Optional[str] = ..., client_order_id: _Optional[str] = ..., venue_order_id: _Optional[str] = ..., venue_exec_id: _Optional[str] = ..., account: _Optional[str] = ..., symbol: _Optional[str] = ..., side: _Optional[_Union[_order_pb2.Side, str]] = ..., venue: _Optional[str] = ..., strategy_id: _Optional[str] = ..., order_quantity: _Optional[str] = ..., limit_price: _Optional[str] = ..., stop_price: _Optional[str] = ..., last_quantity: _Optional[str] = ..., last_price: _Optional[str] = ..., cumulative_quantity: _Optional[str] = ..., leaves_quantity: _Optional[str] = ..., average_price: _Optional[str] = ..., fee: _Optional[str] = ..., reason: _Optional[str] = ..., transact_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., monotonic_ns: _Optional[int] = ..., requested_by: _Optional[str] = ..., position: _Optional[_Union[PositionChange, _Mapping]] = ...) -> None: ...

class PositionChange(_message.Message):
    __slots__ = ("lifecycle", "quantity", "average_price", "realized_pnl")
    LIFECYCLE_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    AVERAGE_PRICE_FIELD_NUMBER: _ClassVar[int]
    REALIZED_PNL_FIELD_NUMBER: _ClassVar[int]
    lifecycle: PositionLifecycle
    quantity: str
    average_price: str
    realized_pnl: str
    def __init__(self, lifecycle: _Optional[_Union[PositionLifecycle, str]] = ..., quantity: _Optional[str] = ..., average_price: _Optional[str] = ..., realized_pnl: _Optional[str] = ...) -> None: ...
