import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class SessionPhase(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SESSION_PHASE_UNSPECIFIED: _ClassVar[SessionPhase]
    SESSION_PHASE_CLOSED: _ClassVar[SessionPhase]
    SESSION_PHASE_PRE_MARKET: _ClassVar[SessionPhase]
    SESSION_PHASE_REGULAR: _ClassVar[SessionPhase]
    SESSION_PHASE_POST_MARKET: _ClassVar[SessionPhase]
SESSION_PHASE_UNSPECIFIED: SessionPhase
SESSION_PHASE_CLOSED: SessionPhase
SESSION_PHASE_PRE_MARKET: SessionPhase
SESSION_PHASE_REGULAR: SessionPhase
SESSION_PHASE_POST_MARKET: SessionPhase

class SessionEvent(_message.Message):
    __slots__ = ("sequence", "symbol", "calendar", "phase", "next_open", "next_close", "event_time")
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    SYMBOL_FIELD_NUMBER: _ClassVar[int]
    CALENDAR_FIELD_NUMBER: _ClassVar[int]
    PHASE_FIELD_NUMBER: _ClassVar[int]
    NEXT_OPEN_FIELD_NUMBER: _ClassVar[int]
    NEXT_CLOSE_FIELD_NUMBER: _ClassVar[int]
    EVENT_TIME_FIELD_NUMBER: _ClassVar[int]
    sequence: int
    symbol: str
    calendar: str
    phase: SessionPhase
    next_open: _timestamp_pb2.Timestamp
    next_close: _timestamp_pb2.Timestamp
    event_time: _timestamp_pb2.Timestamp
    def __init__(self, sequence: _Optional[int] = ..., symbol: _Optional[str] = ..., calendar: _Optional[str] = ..., phase: _Optional[_Union[SessionPhase, str]] = ..., next_open: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., next_close: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., event_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class MarketStatus(_message.Message):
    __slots__ = ("symbol", "calendar", "timezone", "phase", "is_open", "next_open", "next_close", "next_open_local", "next_close_local", "extended_hours", "closed_policy")
    SYMBOL_FIELD_NUMBER: _ClassVar[int]
    CALENDAR_FIELD_NUMBER: _ClassVar[int]
    TIMEZONE_FIELD_NUMBER: _ClassVar[int]
    PHASE_FIELD_NUMBER: _ClassVar[int]
    IS_OPEN_FIELD_NUMBER: _ClassVar[int]
    NEXT_OPEN_FIELD_NUMBER: _ClassVar[int]
    NEXT_CLOSE_FIELD_NUMBER: _ClassVar[int]
    NEXT_OPEN_LOCAL_FIELD_NUMBER: _ClassVar[int]
    NEXT_CLOSE_LOCAL_FIELD_NUMBER: _ClassVar[int]
    EXTENDED_HOURS_FIELD_NUMBER: _ClassVar[int]
    CLOSED_POLICY_FIELD_NUMBER: _ClassVar[int]
    symbol: str
    calendar: str
    timezone: str
    phase: SessionPhase
    is_open: bool
    next_open: _timestamp_pb2.Timestamp
    next_close: _timestamp_pb2.Timestamp
    next_open_local: str
    next_close_local: str
    extended_hours: bool
    closed_policy: str
    def __init__(self, symbol: _Optional[str] = ..., calendar: _Optional[str] = ..., timezone: _Optional[str] = ..., phase: _Optional[_Union[SessionPhase, str]] = ..., is_open: _Optional[bool] = ..., next_open: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., next_close: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., next_open_local: _Optional[str] = ..., next_close_local: _Optional[str] = ..., extended_hours: _Optional[bool] = ..., closed_policy: _Optional[str] = ...) -> None: ...
