import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Quote(_message.Message):
    __slots__ = ("symbol", "bid", "ask", "last", "mark", "source", "quote_time", "age_ms", "stale", "price_precision")
    SYMBOL_FIELD_NUMBER: _ClassVar[int]
    BID_FIELD_NUMBER: _ClassVar[int]
    ASK_FIELD_NUMBER: _ClassVar[int]
    LAST_FIELD_NUMBER: _ClassVar[int]
    MARK_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    QUOTE_TIME_FIELD_NUMBER: _ClassVar[int]
    AGE_MS_FIELD_NUMBER: _ClassVar[int]
    STALE_FIELD_NUMBER: _ClassVar[int]
    PRICE_PRECISION_FIELD_NUMBER: _ClassVar[int]
    symbol: str
    bid: str
    ask: str
    last: str
    mark: str
    source: str
    quote_time: _timestamp_pb2.Timestamp
    age_ms: int
    stale: bool
    price_precision: int
    def __init__(self, symbol: _Optional[str] = ..., bid: _Optional[str] = ..., ask: _Optional[str] = ..., last: _Optional[str] = ..., mark: _Optional[str] = ..., source: _Optional[str] = ..., quote_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., age_ms: _Optional[int] = ..., stale: _Optional[bool] = ..., price_precision: _Optional[int] = ...) -> None: ...

class AccountState(_message.Message):
    __slots__ = ("account", "venue", "currency", "venue_cash", "venue_equity", "venue_buying_power", "venue_margin_used", "venue_margin_available", "fillgate_cash", "fillgate_equity", "equity_difference", "drift", "read_time")
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    VENUE_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    VENUE_CASH_FIELD_NUMBER: _ClassVar[int]
    VENUE_EQUITY_FIELD_NUMBER: _ClassVar[int]
    VENUE_BUYING_POWER_FIELD_NUMBER: _ClassVar[int]
    VENUE_MARGIN_USED_FIELD_NUMBER: _ClassVar[int]
    VENUE_MARGIN_AVAILABLE_FIELD_NUMBER: _ClassVar[int]
    FILLGATE_CASH_FIELD_NUMBER: _ClassVar[int]
    FILLGATE_EQUITY_FIELD_NUMBER: _ClassVar[int]
    EQUITY_DIFFERENCE_FIELD_NUMBER: _ClassVar[int]
    DRIFT_FIELD_NUMBER: _ClassVar[int]
    READ_TIME_FIELD_NUMBER: _ClassVar[int]
    account: str
    venue: str
    currency: str
    venue_cash: str
    venue_equity: str
    venue_buying_power: str
    venue_margin_used: str
    venue_margin_available: str
    fillgate_cash: str
    fillgate_equity: str
    equity_difference: str
    drift: bool
    read_time: _timestamp_pb2.Timestamp
    def __init__(self, account: _Optional[str] = ..., venue: _Optional[str] = ..., currency: _Optional[str] = ..., venue_cash: _Optional[str] = ..., venue_equity: _Optional[str] = ..., venue_buying_power: _Optional[str] = ..., venue_margin_used: _Optional[str] = ..., venue_margin_available: _Optional[str] = ..., fillgate_cash: _Optional[str] = ..., fillgate_equity: _Optional[str] = ..., equity_difference: _Optional[str] = ..., drift: _Optional[bool] = ..., read_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
