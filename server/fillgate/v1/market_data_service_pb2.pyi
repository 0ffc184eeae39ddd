from fillgate.v1 import market_data_pb2 as _market_data_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class GetQuotesRequest(_message.Message):
    __slots__ = ("symbols",)
    SYMBOLS_FIELD_NUMBER: _ClassVar[int]
    symbols: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, symbols: _Optional[_Iterable[str]] = ...) -> None: ...

class GetQuotesResponse(_message.Message):
    __slots__ = ("quotes", "max_quote_age_ms")
    QUOTES_FIELD_NUMBER: _ClassVar[int]
    MAX_QUOTE_AGE_MS_FIELD_NUMBER: _ClassVar[int]
    quotes: _containers.RepeatedCompositeFieldContainer[_market_data_pb2.Quote]
    max_quote_age_ms: int
    def __init__(self, quotes: _Optional[_Iterable[_Union[_market_data_pb2.Quote, _Mapping]]] = ..., max_quote_age_ms: _Optional[int] = ...) -> None: ...

class GetAccountsRequest(_message.Message):
    __slots__ = ("accounts",)
    ACCOUNTS_FIELD_NUMBER: _ClassVar[int]
    accounts: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, accounts: _Optional[_Iterable[str]] = ...) -> None: ...

class GetAccountsResponse(_message.Message):
    __slots__ = ("accounts", "equity_drift_pct")
    ACCOUNTS_FIELD_NUMBER: _ClassVar[int]
    EQUITY_DRIFT_PCT_FIELD_NUMBER: _ClassVar[int]
    accounts: _containers.RepeatedCompositeFieldContainer[_market_data_pb2.AccountState]
    equity_drift_pct: str
    def __init__(self, accounts: _Optional[_Iterable[_Union[_market_data_pb2.AccountState, _Mapping]]] = ..., equity_drift_pct: _Optional[str] = ...) -> None: ...
