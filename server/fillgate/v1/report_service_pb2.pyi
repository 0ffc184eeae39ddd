import datetime

from fillgate.v1 import alert_pb2 as _alert_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class QualityGrouping(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    QUALITY_GROUPING_UNSPECIFIED: _ClassVar[QualityGrouping]
    QUALITY_GROUPING_VENUE: _ClassVar[QualityGrouping]
    QUALITY_GROUPING_ACCOUNT: _ClassVar[QualityGrouping]
    QUALITY_GROUPING_SYMBOL: _ClassVar[QualityGrouping]
    QUALITY_GROUPING_STRATEGY: _ClassVar[QualityGrouping]
QUALITY_GROUPING_UNSPECIFIED: QualityGrouping
QUALITY_GROUPING_VENUE: QualityGrouping
QUALITY_GROUPING_ACCOUNT: QualityGrouping
QUALITY_GROUPING_SYMBOL: QualityGrouping
QUALITY_GROUPING_STRATEGY: QualityGrouping

class ExecutionQualityRequest(_message.Message):
    __slots__ = ("start_time", "end_time", "group_by", "account")
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    GROUP_BY_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    group_by: QualityGrouping
    account: str
    def __init__(self, start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., group_by: _Optional[_Union[QualityGrouping, str]] = ..., account: _Optional[str] = ...) -> None: ...

class Distribution(_message.Message):
    __slots__ = ("count", "mean", "p50", "p95")
    COUNT_FIELD_NUMBER: _ClassVar[int]
    MEAN_FIELD_NUMBER: _ClassVar[int]
    P50_FIELD_NUMBER: _ClassVar[int]
    P95_FIELD_NUMBER: _ClassVar[int]
    count: int
    mean: str
    p50: str
    p95: str
    def __init__(self, count: _Optional[int] = ..., mean: _Optional[str] = ..., p50: _Optional[str] = ..., p95: _Optional[str] = ...) -> None: ...

class QualityRow(_message.Message):
    __slots__ = ("key", "orders", "filled_orders", "rejected_orders", "canceled_orders", "fills", "fill_rate", "reject_rate", "cancel_rate", "slippage_arrival_bps", "slippage_limit_bps", "slippage_arrival_money", "implementation_shortfall", "ack_ms", "first_fill_ms")
    KEY_FIELD_NUMBER: _ClassVar[int]
    ORDERS_FIELD_NUMBER: _ClassVar[int]
    FILLED_ORDERS_FIELD_NUMBER: _ClassVar[int]
    REJECTED_ORDERS_FIELD_NUMBER: _ClassVar[int]
    CANCELED_ORDERS_FIELD_NUMBER: _ClassVar[int]
    FILLS_FIELD_NUMBER: _ClassVar[int]
    FILL_RATE_FIELD_NUMBER: _ClassVar[int]
    REJECT_RATE_FIELD_NUMBER: _ClassVar[int]
    CANCEL_RATE_FIELD_NUMBER: _ClassVar[int]
    SLIPPAGE_ARRIVAL_BPS_FIELD_NUMBER: _ClassVar[int]
    SLIPPAGE_LIMIT_BPS_FIELD_NUMBER: _ClassVar[int]
    SLIPPAGE_ARRIVAL_MONEY_FIELD_NUMBER: _ClassVar[int]
    IMPLEMENTATION_SHORTFALL_FIELD_NUMBER: _ClassVar[int]
    ACK_MS_FIELD_NUMBER: _ClassVar[int]
    FIRST_FILL_MS_FIELD_NUMBER: _ClassVar[int]
    key: str
    orders: int
    filled_orders: int
    rejected_orders: int
    canceled_orders: int
    fills: int
    fill_rate: str
    reject_rate: str
    cancel_rate: str
    slippage_arrival_bps: Distribution
    slippage_limit_bps: Distribution
    slippage_arrival_money: str
    implementation_shortfall: str
    ack_ms: Distribution
    first_fill_ms: Distribution
    def __init__(self, key: _Optional[str] = ..., orders: _Optional[int] = ..., filled_orders: _Optional[int] = ..., rejected_orders: _Optional[int] = ..., canceled_orders: _Optional[int] = ..., fills: _Optional[int] = ..., fill_rate: _Optional[str] = ..., reject_rate: _Optional[str] = ..., cancel_rate: _Optional[str] = ..., slippage_arrival_bps: _Optional[_Union[Distribution, _Mapping]] = ..., slippage_limit_bps: _Optional[_Union[Distribution, _Mapping]] = ..., slippage_arrival_money: _Optional[str] = ..., implementation_shortfall: _Optional[str] = ..., ack_ms: _Optional[_Union[Distribution, _Mapping]] = ..., first_fill_ms: _Optional[_Union[Distribution, _Mapping]] = ...) -> None: ...

class ExecutionQualityResponse(_message.Message):
    __slots__ = ("rows",)
    ROWS_FIELD_NUMBER: _ClassVar[int]
    rows: _containers.RepeatedCompositeFieldContainer[QualityRow]
    def __init__(self, rows: _Optional[_Iterable[_Union[QualityRow, _Mapping]]] = ...) -> None: ...

class ListDenialsRequest(_message.Message):
    __slots__ = ("account", "start_time", "end_time", "limit")
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    account: str
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    limit: int
    def __init__(self, account: _Optional[str] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., limit: _Optional[int] = ...) -> None: ...

class ListDenialsResponse(_message.Message):
    __slots__ = ("denials", "truncated")
    DENIALS_FIELD_NUMBER: _ClassVar[int]
    TRUNCATED_FIELD_NUMBER: _ClassVar[int]
    denials: _containers.RepeatedCompositeFieldContainer[_alert_pb2.Denial]
    truncated: bool
    def __init__(self, denials: _Optional[_Iterable[_Union[_alert_pb2.Denial, _Mapping]]] = ..., truncated: _Optional[bool] = ...) -> None: ...

class DailyReportRequest(_message.Message):
    __slots__ = ("date", "account")
    DATE_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    date: str
    account: str
    def __init__(self, date: _Optional[str] = ..., account: _Optional[str] = ...) -> None: ...

class DailyRow(_message.Message):
    __slots__ = ("account", "symbol", "trades", "bought", "sold", "volume", "notional", "fees", "realized_pnl", "average_buy_price", "average_sell_price", "max_drawdown")
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    SYMBOL_FIELD_NUMBER: _ClassVar[int]
    TRADES_FIELD_NUMBER: _ClassVar[int]
    BOUGHT_FIELD_NUMBER: _ClassVar[int]
    SOLD_FIELD_NUMBER: _ClassVar[int]
    VOLUME_FIELD_NUMBER: _ClassVar[int]
    NOTIONAL_FIELD_NUMBER: _ClassVar[int]
    FEES_FIELD_NUMBER: _ClassVar[int]
    REALIZED_PNL_FIELD_NUMBER: _ClassVar[int]
    AVERAGE_BUY_PRICE_FIELD_NUMBER: _ClassVar[int]
    AVERAGE_SELL_PRICE_FIELD_NUMBER: _ClassVar[int]
    MAX_DRAWDOWN_FIELD_NUMBER: _ClassVar[int]
    account: str
    symbol: str
    trades: int
    bought: str
    sold: str
    volume: str
    notional: str
    fees: str
    realized_pnl: str
    average_buy_price: str
    average_sell_price: str
    max_drawdown: str
    def __init__(self, account: _Optional[str] = ..., symbol: _Optional[str] = ..., trades: _Optional[int] = ..., bought: _Optional[str] = ..., sold: _Optional[str] = ..., volume: _Optional[str] = ..., notional: _Optional[str] = ..., fees: _Optional[str] = ..., realized_pnl: _Optional[str] = ..., average_buy_price: _Optional[str] = ..., average_sell_price: _Optional[str] = ..., max_drawdown: _Optional[str] = ...) -> None: ...

class DailyReportResponse(_message.Message):
    __slots__ = ("date", "rows")
    DATE_FIELD_NUMBER: _ClassVar[int]
    ROWS_FIELD_NUMBER: _ClassVar[int]
    date: str
    rows: _containers.RepeatedCompositeFieldContainer[DailyRow]
    def __init__(self, date: _Optional[str] = ..., rows: _Optional[_Iterable[_Union[DailyRow, _Mapping]]] = ...) -> None: ...
