import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class AlertKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ALERT_KIND_UNSPECIFIED: _ClassVar[AlertKind]
    ALERT_KIND_SLIPPAGE: _ClassVar[AlertKind]
    ALERT_KIND_RECONCILE_FAILED: _ClassVar[AlertKind]
    ALERT_KIND_BREAKER_TRIPPED: _ClassVar[AlertKind]
    ALERT_KIND_AUTH_FAILURES: _ClassVar[AlertKind]
    ALERT_KIND_JOURNAL_FSYNC_SLOW: _ClassVar[AlertKind]
ALERT_KIND_UNSPECIFIED: AlertKind
ALERT_KIND_SLIPPAGE: AlertKind
ALERT_KIND_RECONCILE_FAILED: AlertKind
ALERT_KIND_BREAKER_TRIPPED: AlertKind
ALERT_KIND_AUTH_FAILURES: AlertKind
ALERT_KIND_JOURNAL_FSYNC_SLOW: AlertKind

class Alert(_message.Message):
    __slots__ = ("sequence", "kind", "account", "symbol", "value", "threshold", "message", "alert_time")
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    SYMBOL_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    ALERT_TIME_FIELD_NUMBER: _ClassVar[int]
    sequence: int
    kind: AlertKind
    account: str
    symbol: str
    value: str
    threshold: str
    message: str
    alert_time: _timestamp_pb2.Timestamp
    def __init__(self, sequence: _Optional[int] = ..., kind: _Optional[_Union[AlertKind, str]] = ..., account: _Optional[str] = ..., symbol: _Optional[str] = ..., value: _Optional[str] = ..., threshold: _Optional[str] = ..., message: _Optional[str] = ..., alert_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
