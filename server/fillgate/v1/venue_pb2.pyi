import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class DriftKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DRIFT_KIND_UNSPECIFIED: _ClassVar[DriftKind]
    DRIFT_KIND_POSITION: _ClassVar[DriftKind]
    DRIFT_KIND_UNKNOWN_ORDER: _ClassVar[DriftKind]
    DRIFT_KIND_RECONCILE_FAILED: _ClassVar[DriftKind]
    DRIFT_KIND_RECONCILED: _ClassVar[DriftKind]
    DRIFT_KIND_SESSION: _ClassVar[DriftKind]
DRIFT_KIND_UNSPECIFIED: DriftKind
DRIFT_KIND_POSITION: DriftKind
DRIFT_KIND_UNKNOWN_ORDER: DriftKind
DRIFT_KIND_RECONCILE_FAILED: DriftKind
DRIFT_KIND_RECONCILED: DriftKind
DRIFT_KIND_SESSION: DriftKind

class VenueDrift(_message.Message):
    __slots__ = ("sequence", "account", "symbol", "kind", "ours", "venue", "message", "detected_time")
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    SYMBOL_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    OURS_FIELD_NUMBER: _ClassVar[int]
    VENUE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    DETECTED_TIME_FIELD_NUMBER: _ClassVar[int]
    sequence: int
    account: str
    symbol: str
    kind: DriftKind
    ours: str
    venue: str
    message: str
    detected_time: _timestamp_pb2.Timestamp
    def __init__(self, sequence: _Optional[int] = ..., account: _Optional[str] = ..., symbol: _Optional[str] = ..., kind: _Optional[_Union[DriftKind, str]] = ..., ours: _Optional[str] = ..., venue: _Optional[str] = ..., message: _Optional[str] = ..., detected_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
