import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Position(_message.Message):
    __slots__ = ("account", "symbol", "quantity", "average_price", "cost_basis", "mark_price", "market_value", "realized_pnl", "unrealized_pnl", "fees", "update_time", "open_time")
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    SYMBOL_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    AVERAGE_PRICE_FIELD_NUMBER: _ClassVar[int]
    COST_BASIS_FIELD_NUMBER: _ClassVar[int]
    MARK_PRICE_FIELD_NUMBER: _ClassVar[int]
    MARKET_VALUE_FIELD_NUMBER: _ClassVar[int]
    REALIZED_PNL_FIELD_NUMBER: _ClassVar[int]
    UNREALIZED_PNL_FIELD_NUMBER: _ClassVar[int]
    FEES_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    OPEN_TIME_FIELD_NUMBER: _ClassVar[int]
    account: str
    symbol: str
    quantity: str
    average_price: str
    cost_basis: str
    mark_price: str
    market_value: str
    realized_pnl: str
    unrealized_pnl: str
    fees: str
    update_time: _timestamp_pb2.Timestamp
    open_time: _timestamp_pb2.Timestamp
    def __init__(self, account: _Optional[str] = ..., symbol: _Optional[str] = ..., quantity: _Optional[str] = ..., average_price: _Optional[str] = ..., cost_basis: _Optional[str] = ..., mark_price: _Optional[str] = ..., market_value: _Optional[str] = ..., realized_pnl: _Optional[str] = ..., unrealized_pnl: _Optional[str] = ..., fees: _Optional[str] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., open_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class AccountTotals(_message.Message):
    __slots__ = ("account", "cash", "equity", "realized_pnl", "unrealized_pnl", "fees", "gross_exposure", "net_exposure", "open_positions", "update_time")
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    CASH_FIELD_NUMBER: _ClassVar[int]
    EQUITY_FIELD_NUMBER: _ClassVar[int]
    REALIZED_PNL_FIELD_NUMBER: _ClassVar[int]
    UNREALIZED_PNL_FIELD_NUMBER: _ClassVar[int]
    FEES_FIELD_NUMBER: _ClassVar[int]
    GROSS_EXPOSURE_FIELD_NUMBER: _ClassVar[int]
    NET_EXPOSURE_FIELD_NUMBER: _ClassVar[int]
    OPEN_POSITIONS_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    account: str
    cash: str
    equity: str
    realized_pnl: str
    unrealized_pnl: str
    fees: str
    gross_exposure: str
    net_exposure: str
    open_positions: int
    update_time: _timestamp_pb2.Timestamp
    def __init__(self, account: _Optional[str] = ..., cash: _Optional[str] = ..., equity: _Optional[str] = ..., realized_pnl: _Optional[str] = ..., unrealized_pnl: _Optional[str] = ..., fees: _Optional[str] = ..., gross_exposure: _Optional[str] = ..., net_exposure: _Optional[str] = ..., open_positions: _Optional[int] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class AccountPositions(_message.Message):
    __slots__ = ("totals", "positions")
    TOTALS_FIELD_NUMBER: _ClassVar[int]
    POSITIONS_FIELD_NUMBER: _ClassVar[int]
    totals: AccountTotals
    positions: _containers.RepeatedCompositeFieldContainer[Position]
    def __init__(self, totals: _Optional[_Union[AccountTotals, _Mapping]] = ..., positions: _Optional[_Iterable[_Union[Position, _Mapping]]] = ...) -> None: ...
