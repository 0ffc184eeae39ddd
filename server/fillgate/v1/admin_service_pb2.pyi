import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class SetReferencePriceRequest(_message.Message):
    __slots__ = ("symbol", "price")
    SYMBOL_FIELD_NUMBER: _ClassVar[int]
    PRICE_FIELD_NUMBER: _ClassVar[int]
    symbol: str
    price: str
    def __init__(self, symbol: _Optional[str] = ..., price: _Optional[str] = ...) -> None: ...

class SetReferencePriceResponse(_message.Message):
    __slots__ = ("symbol",)
    SYMBOL_FIELD_NUMBER: _ClassVar[int]
    symbol: SymbolInfo
    def __init__(self, symbol: _Optional[_Union[SymbolInfo, _Mapping]] = ...) -> None: ...

class SymbolInfo(_message.Message):
    __slots__ = ("symbol", "reference_price", "price_precision", "quantity_precision", "update_time")
    SYMBOL_FIELD_NUMBER: _ClassVar[int]
    REFERENCE_PRICE_FIELD_NUMBER: _ClassVar[int]
    PRICE_PRECISION_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_PRECISION_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    symbol: str
    reference_price: str
    price_precision: int
    quantity_precision: int
    update_time: _timestamp_pb2.Timestamp
    def __init__(self, symbol: _Optional[str] = ..., reference_price: _Optional[str] = ..., price_precision: _Optional[int] = ..., quantity_precision: _Optional[int] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListSymbolsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListSymbolsResponse(_message.Message):
    __slots__ = ("symbols",)
    SYMBOLS_FIELD_NUMBER: _ClassVar[int]
    symbols: _containers.RepeatedCompositeFieldContainer[SymbolInfo]
    def __init__(self, symbols: _Optional[_Iterable[_Union[SymbolInfo, _Mapping]]] = ...) -> None: ...

class PingRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class PingResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...
