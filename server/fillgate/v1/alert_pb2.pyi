import datetime

from fillgate.v1 import order_pb2 as _order_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
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
    ALERT_KIND_VENUE_DISCONNECTED: _ClassVar[AlertKind]
    ALERT_KIND_DATA_STALE: _ClassVar[AlertKind]
    ALERT_KIND_DATA_RESUMED: _ClassVar[AlertKind]
    ALERT_KIND_PROTECTION_FAILED: _ClassVar[AlertKind]
ALERT_KIND_UNSPECIFIED: AlertKind
ALERT_KIND_SLIPPAGE: AlertKind
ALERT_KIND_RECONCILE_FAILED: AlertKind
ALERT_KIND_BREAKER_TRIPPED: AlertKind
ALERT_KIND_AUTH_FAILURES: AlertKind
ALERT_KIND_JOURNAL_FSYNC_SLOW: AlertKind
ALERT_KIND_VENUE_DISCONNECTED: AlertKind
ALERT_KIND_DATA_STALE: AlertKind
ALERT_KIND_DATA_RESUMED: AlertKind
ALERT_KIND_PROTECTION_FAILED: AlertKind

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

class Denial(_message.Message):
    __slots__ = ("time", "account", "symbol", "side", "quantity", "type", "limit_price", "stop_price", "client_order_id", "strategy_id", "reason", "message", "metadata", "sequence")
    class MetadataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    TIME_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    SYMBOL_FIELD_NUMBER: _ClassVar[int]
    SIDE_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    LIMIT_PRICE_FIELD_NUMBER: _ClassVar[int]
    STOP_PRICE_FIELD_NUMBER: _ClassVar[int]
    CLIENT_ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    STRATEGY_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    time: _timestamp_pb2.Timestamp
    account: str
    symbol: str
    side: _order_pb2.Side
    quantity: str
    type: _order_pb2.OrderType
    limit_price: str
    stop_price: str
    client_order_id: str
    strategy_id: str
    reason: str
    message: str
    metadata: _containers.ScalarMap[str, str]
    sequence: int
    def __init__(self, time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., account: _Optional[str] = ..., symbol: _Optional[str] = ..., side: _Optional[_Union[_order_pb2.Side, str]] = ..., quantity: _Optional[str] = ..., type: _Optional[_Union[_order_pb2.OrderType, str]] = ..., limit_price: _Optional[str] = ..., stop_price: _Optional[str] = ..., client_order_id: _Optional[str] = ..., strategy_id: _Optional[str] = ..., reason: _Optional[str] = ..., message: _Optional[str] = ..., metadata: _Optional[_Mapping[str, str]] = ..., sequence: _Optional[int] = ...) -> None: ...
