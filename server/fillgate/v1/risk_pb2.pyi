import datetime

from fillgate.v1 import trading_state_pb2 as _trading_state_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class BreakerKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    BREAKER_KIND_UNSPECIFIED: _ClassVar[BreakerKind]
    BREAKER_KIND_DAILY_LOSS: _ClassVar[BreakerKind]
    BREAKER_KIND_DRAWDOWN: _ClassVar[BreakerKind]
    BREAKER_KIND_REJECTION_RATE: _ClassVar[BreakerKind]
    BREAKER_KIND_SLIPPAGE: _ClassVar[BreakerKind]

class BreakerState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    BREAKER_STATE_UNSPECIFIED: _ClassVar[BreakerState]
    BREAKER_STATE_ARMED: _ClassVar[BreakerState]
    BREAKER_STATE_TRIPPED: _ClassVar[BreakerState]
    BREAKER_STATE_DISABLED: _ClassVar[BreakerState]
BREAKER_KIND_UNSPECIFIED: BreakerKind
BREAKER_KIND_DAILY_LOSS: BreakerKind
BREAKER_KIND_DRAWDOWN: BreakerKind
BREAKER_KIND_REJECTION_RATE: BreakerKind
BREAKER_KIND_SLIPPAGE: BreakerKind
BREAKER_STATE_UNSPECIFIED: BreakerState
BREAKER_STATE_ARMED: BreakerState
BREAKER_STATE_TRIPPED: BreakerState
BREAKER_STATE_DISABLED: BreakerState

class RiskAlert(_message.Message):
    __slots__ = ("sequence", "breaker", "account", "symbol", "mode", "cancel_open_orders", "flatten_positions", "value", "limit", "message", "alert_time")
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    BREAKER_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    SYMBOL_FIELD_NUMBER: _ClassVar[int]
    MODE_FIELD_NUMBER: _ClassVar[int]
    CANCEL_OPEN_ORDERS_FIELD_NUMBER: _ClassVar[int]
    FLATTEN_POSITIONS_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    ALERT_TIME_FIELD_NUMBER: _ClassVar[int]
    sequence: int
    breaker: BreakerKind
    account: str
    symbol: str
    mode: _trading_state_pb2.TradingMode
    cancel_open_orders: bool
    flatten_positions: bool
    value: str
    limit: str
    message: str
    alert_time: _timestamp_pb2.Timestamp
    def __init__(self, sequence: _Optional[int] = ..., breaker: _Optional[_Union[BreakerKind, str]] = ..., account: _Optional[str] = ..., symbol: _Optional[str] = ..., mode: _Optional[_Union[_trading_state_pb2.TradingMode, str]] = ..., cancel_open_orders: _Optional[bool] = ..., flatten_positions: _Optional[bool] = ..., value: _Optional[str] = ..., limit: _Optional[str] = ..., message: _Optional[str] = ..., alert_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class RiskLimit(_message.Message):
    __slots__ = ("name", "subject", "limit", "usage")
    NAME_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    USAGE_FIELD_NUMBER: _ClassVar[int]
    name: str
    subject: str
    limit: str
    usage: str
    def __init__(self, name: _Optional[str] = ..., subject: _Optional[str] = ..., limit: _Optional[str] = ..., usage: _Optional[str] = ...) -> None: ...

class BreakerStatus(_message.Message):
    __slots__ = ("breaker", "state", "limit", "value", "mode", "cancel_open_orders", "flatten_positions", "trip_time", "trip_message")
    BREAKER_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    MODE_FIELD_NUMBER: _ClassVar[int]
    CANCEL_OPEN_ORDERS_FIELD_NUMBER: _ClassVar[int]
    FLATTEN_POSITIONS_FIELD_NUMBER: _ClassVar[int]
    TRIP_TIME_FIELD_NUMBER: _ClassVar[int]
    TRIP_MESSAGE_FIELD_NUMBER: _ClassVar[int]
    breaker: BreakerKind
    state: BreakerState
    limit: str
    value: str
    mode: _trading_state_pb2.TradingMode
    cancel_open_orders: bool
    flatten_positions: bool
    trip_time: _timestamp_pb2.Timestamp
    trip_message: str
    def __init__(self, breaker: _Optional[_Union[BreakerKind, str]] = ..., state: _Optional[_Union[BreakerState, str]] = ..., limit: _Optional[str] = ..., value: _Optional[str] = ..., mode: _Optional[_Union[_trading_state_pb2.TradingMode, str]] = ..., cancel_open_orders: _Optional[bool] = ..., flatten_positions: _Optional[bool] = ..., trip_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., trip_message: _Optional[str] = ...) -> None: ...

class AccountRisk(_message.Message):
    __slots__ = ("account", "equity", "day_start_equity", "day_peak_equity", "limits", "breakers")
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    EQUITY_FIELD_NUMBER: _ClassVar[int]
    DAY_START_EQUITY_FIELD_NUMBER: _ClassVar[int]
    DAY_PEAK_EQUITY_FIELD_NUMBER: _ClassVar[int]
    LIMITS_FIELD_NUMBER: _ClassVar[int]
    BREAKERS_FIELD_NUMBER: _ClassVar[int]
    account: str
    equity: str
    day_start_equity: str
    day_peak_equity: str
    limits: _containers.RepeatedCompositeFieldContainer[RiskLimit]
    breakers: _containers.RepeatedCompositeFieldContainer[BreakerStatus]
    def __init__(self, account: _Optional[str] = ..., equity: _Optional[str] = ..., day_start_equity: _Optional[str] = ..., day_peak_equity: _Optional[str] = ..., limits: _Optional[_Iterable[_Union[RiskLimit, _Mapping]]] = ..., breakers: _Optional[_Iterable[_Union[BreakerStatus, _Mapping]]] = ...) -> None: ...
