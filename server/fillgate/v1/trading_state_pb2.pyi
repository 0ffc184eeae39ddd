import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class TradingMode(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TRADING_MODE_UNSPECIFIED: _ClassVar[TradingMode]
    TRADING_MODE_ACTIVE: _ClassVar[TradingMode]
    TRADING_MODE_REDUCING: _ClassVar[TradingMode]
    TRADING_MODE_HALTED: _ClassVar[TradingMode]

class HaltScope(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    HALT_SCOPE_UNSPECIFIED: _ClassVar[HaltScope]
    HALT_SCOPE_ALL: _ClassVar[HaltScope]
    HALT_SCOPE_ACCOUNT: _ClassVar[HaltScope]
    HALT_SCOPE_SYMBOL: _ClassVar[HaltScope]
    HALT_SCOPE_STRATEGY: _ClassVar[HaltScope]
TRADING_MODE_UNSPECIFIED: TradingMode
TRADING_MODE_ACTIVE: TradingMode
TRADING_MODE_REDUCING: TradingMode
TRADING_MODE_HALTED: TradingMode
HALT_SCOPE_UNSPECIFIED: HaltScope
HALT_SCOPE_ALL: HaltScope
HALT_SCOPE_ACCOUNT: HaltScope
HALT_SCOPE_SYMBOL: HaltScope
HALT_SCOPE_STRATEGY: HaltScope

class TradingRestriction(_message.Message):
    __slots__ = ("scope", "target", "mode", "reason", "requested_by", "set_time")
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    TARGET_FIELD_NUMBER: _ClassVar[int]
    MODE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    REQUESTED_BY_FIELD_NUMBER: _ClassVar[int]
    SET_TIME_FIELD_NUMBER: _ClassVar[int]
    scope: HaltScope
    target: str
    mode: TradingMode
    reason: str
    requested_by: str
    set_time: _timestamp_pb2.Timestamp
    def __init__(self, scope: _Optional[_Union[HaltScope, str]] = ..., target: _Optional[str] = ..., mode: _Optional[_Union[TradingMode, str]] = ..., reason: _Optional[str] = ..., requested_by: _Optional[str] = ..., set_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class TradingStateChanged(_message.Message):
    __slots__ = ("sequence", "scope", "target", "mode", "reason", "requested_by", "change_time")
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    TARGET_FIELD_NUMBER: _ClassVar[int]
    MODE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    REQUESTED_BY_FIELD_NUMBER: _ClassVar[int]
    CHANGE_TIME_FIELD_NUMBER: _ClassVar[int]
    sequence: int
    scope: HaltScope
    target: str
    mode: TradingMode
    reason: str
    requested_by: str
    change_time: _timestamp_pb2.Timestamp
    def __init__(self, sequence: _Optional[int] = ..., scope: _Optional[_Union[HaltScope, str]] = ..., target: _Optional[str] = ..., mode: _Optional[_Union[TradingMode, str]] = ..., reason: _Optional[str] = ..., requested_by: _Optional[str] = ..., change_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
