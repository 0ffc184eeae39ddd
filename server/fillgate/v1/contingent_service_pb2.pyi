import datetime

from fillgate.v1 import order_pb2 as _order_pb2
from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Contingency(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CONTINGENCY_UNSPECIFIED: _ClassVar[Contingency]
    CONTINGENCY_OCO: _ClassVar[Contingency]
    CONTINGENCY_OUO: _ClassVar[Contingency]
    CONTINGENCY_BRACKET: _ClassVar[Contingency]
    CONTINGENCY_OTO: _ClassVar[Contingency]

class OrderListState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ORDER_LIST_STATE_UNSPECIFIED: _ClassVar[OrderListState]
    ORDER_LIST_STATE_ACTIVE: _ClassVar[OrderListState]
    ORDER_LIST_STATE_DONE: _ClassVar[OrderListState]
    ORDER_LIST_STATE_CANCELED: _ClassVar[OrderListState]
CONTINGENCY_UNSPECIFIED: Contingency
CONTINGENCY_OCO: Contingency
CONTINGENCY_OUO: Contingency
CONTINGENCY_BRACKET: Contingency
CONTINGENCY_OTO: Contingency
ORDER_LIST_STATE_UNSPECIFIED: OrderListState
ORDER_LIST_STATE_ACTIVE: OrderListState
ORDER_LIST_STATE_DONE: OrderListState
ORDER_LIST_STATE_CANCELED: OrderListState

class ListLeg(_message.Message):
    __slots__ = ("side", "quantity", "type", "limit_price", "stop_price", "time_in_force")
    SIDE_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    LIMIT_PRICE_FIELD_NUMBER: _ClassVar[int]
    STOP_PRICE_FIELD_NUMBER: _ClassVar[int]
    TIME_IN_FORCE_FIELD_NUMBER: _ClassVar[int]
    side: _order_pb2.Side
    quantity: str
    type: _order_pb2.OrderType
    limit_price: str
    stop_price: str
    time_in_force: _order_pb2.TimeInForce
    def __init__(self, side: _Optional[_Union[_order_pb2.Side, str]] = ..., quantity: _Optional[str] = ..., type: _Optional[_Union[_order_pb2.OrderType, str]] = ..., limit_price: _Optional[str] = ..., stop_price: _Optional[str] = ..., time_in_force: _Optional[_Union[_order_pb2.TimeInForce, str]] = ...) -> None: ...

class SubmitOrderListRequest(_message.Message):
    __slots__ = ("account", "symbol", "contingency", "client_order_id", "strategy_id", "legs")
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    SYMBOL_FIELD_NUMBER: _ClassVar[int]
    CONTINGENCY_FIELD_NUMBER: _ClassVar[int]
    CLIENT_ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    STRATEGY_ID_FIELD_NUMBER: _ClassVar[int]
    LEGS_FIELD_NUMBER: _ClassVar[int]
    account: str
    symbol: str
    contingency: Contingency
    client_order_id: str
    strategy_id: str
    legs: _containers.RepeatedCompositeFieldContainer[ListLeg]
    def __init__(self, account: _Optional[str] = ..., symbol: _Optional[str] = ..., contingency: _Optional[_Union[Contingency, str]] = ..., client_order_id: _Optional[str] = ..., strategy_id: _Optional[str] = ..., legs: _Optional[_Iterable[_Union[ListLeg, _Mapping]]] = ...) -> None: ...

class SubmitOrderListResponse(_message.Message):
    __slots__ = ("order_list",)
    ORDER_LIST_FIELD_NUMBER: _ClassVar[int]
    order_list: OrderList
    def __init__(self, order_list: _Optional[_Union[OrderList, _Mapping]] = ...) -> None: ...

class ExitPrice(_message.Message):
    __slots__ = ("price", "offset", "percent", "trail", "trail_percent")
    PRICE_FIELD_NUMBER: _ClassVar[int]
    OFFSET_FIELD_NUMBER: _ClassVar[int]
    PERCENT_FIELD_NUMBER: _ClassVar[int]
    TRAIL_FIELD_NUMBER: _ClassVar[int]
    TRAIL_PERCENT_FIELD_NUMBER: _ClassVar[int]
    price: str
    offset: str
    percent: str
    trail: str
    trail_percent: str
    def __init__(self, price: _Optional[str] = ..., offset: _Optional[str] = ..., percent: _Optional[str] = ..., trail: _Optional[str] = ..., trail_percent: _Optional[str] = ...) -> None: ...

class TakeProfit(_message.Message):
    __slots__ = ("exit", "quantity", "fraction")
    EXIT_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    FRACTION_FIELD_NUMBER: _ClassVar[int]
    exit: ExitPrice
    quantity: str
    fraction: str
    def __init__(self, exit: _Optional[_Union[ExitPrice, _Mapping]] = ..., quantity: _Optional[str] = ..., fraction: _Optional[str] = ...) -> None: ...

class SubmitBracketRequest(_message.Message):
    __slots__ = ("account", "symbol", "side", "quantity", "type", "limit_price", "time_in_force", "client_order_id", "strategy_id", "tags", "stop_loss", "take_profits", "expire_after", "stop_limit_offset", "stop_limit_percent", "trail_activation_price")
    class TagsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    SYMBOL_FIELD_NUMBER: _ClassVar[int]
    SIDE_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    LIMIT_PRICE_FIELD_NUMBER: _ClassVar[int]
    TIME_IN_FORCE_FIELD_NUMBER: _ClassVar[int]
    CLIENT_ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    STRATEGY_ID_FIELD_NUMBER: _ClassVar[int]
    TAGS_FIELD_NUMBER: _ClassVar[int]
    STOP_LOSS_FIELD_NUMBER: _ClassVar[int]
    TAKE_PROFITS_FIELD_NUMBER: _ClassVar[int]
    EXPIRE_AFTER_FIELD_NUMBER: _ClassVar[int]
    STOP_LIMIT_OFFSET_FIELD_NUMBER: _ClassVar[int]
    STOP_LIMIT_PERCENT_FIELD_NUMBER: _ClassVar[int]
    TRAIL_ACTIVATION_PRICE_FIELD_NUMBER: _ClassVar[int]
    account: str
    symbol: str
    side: _order_pb2.Side
    quantity: str
    type: _order_pb2.OrderType
    limit_price: str
    time_in_force: _order_pb2.TimeInForce
    client_order_id: str
    strategy_id: str
    tags: _containers.ScalarMap[str, str]
    stop_loss: ExitPrice
    take_profits: _containers.RepeatedCompositeFieldContainer[TakeProfit]
    expire_after: _duration_pb2.Duration
    stop_limit_offset: str
    stop_limit_percent: str
    trail_activation_price: str
    def __init__(self, account: _Optional[str] = ..., symbol: _Optional[str] = ..., side: _Optional[_Union[_order_pb2.Side, str]] = ..., quantity: _Optional[str] = ..., type: _Optional[_Union[_order_pb2.OrderType, str]] = ..., limit_price: _Optional[str] = ..., time_in_force: _Optional[_Union[_order_pb2.TimeInForce, str]] = ..., client_order_id: _Optional[str] = ..., strategy_id: _Optional[str] = ..., tags: _Optional[_Mapping[str, str]] = ..., stop_loss: _Optional[_Union[ExitPrice, _Mapping]] = ..., take_profits: _Optional[_Iterable[_Union[TakeProfit, _Mapping]]] = ..., expire_after: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., stop_limit_offset: _Optional[str] = ..., stop_limit_percent: _Optional[str] = ..., trail_activation_price: _Optional[str] = ...) -> None: ...

class OrderList(_message.Message):
    __slots__ = ("list_id", "state", "entry", "members", "contingency", "trail_active", "held_stop_price")
    LIST_ID_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    ENTRY_FIELD_NUMBER: _ClassVar[int]
    MEMBERS_FIELD_NUMBER: _ClassVar[int]
    CONTINGENCY_FIELD_NUMBER: _ClassVar[int]
    TRAIL_ACTIVE_FIELD_NUMBER: _ClassVar[int]
    HELD_STOP_PRICE_FIELD_NUMBER: _ClassVar[int]
    list_id: str
    state: OrderListState
    entry: _order_pb2.Order
    members: _containers.RepeatedCompositeFieldContainer[_order_pb2.Order]
    contingency: Contingency
    trail_active: bool
    held_stop_price: str
    def __init__(self, list_id: _Optional[str] = ..., state: _Optional[_Union[OrderListState, str]] = ..., entry: _Optional[_Union[_order_pb2.Order, _Mapping]] = ..., members: _Optional[_Iterable[_Union[_order_pb2.Order, _Mapping]]] = ..., contingency: _Optional[_Union[Contingency, str]] = ..., trail_active: _Optional[bool] = ..., held_stop_price: _Optional[str] = ...) -> None: ...

class SubmitBracketResponse(_message.Message):
    __slots__ = ("order_list",)
    ORDER_LIST_FIELD_NUMBER: _ClassVar[int]
    order_list: OrderList
    def __init__(self, order_list: _Optional[_Union[OrderList, _Mapping]] = ...) -> None: ...

class GetOrderListRequest(_message.Message):
    __slots__ = ("list_id",)
    LIST_ID_FIELD_NUMBER: _ClassVar[int]
    list_id: str
    def __init__(self, list_id: _Optional[str] = ...) -> None: ...

class GetOrderListResponse(_message.Message):
    __slots__ = ("order_list",)
    ORDER_LIST_FIELD_NUMBER: _ClassVar[int]
    order_list: OrderList
    def __init__(self, order_list: _Optional[_Union[OrderList, _Mapping]] = ...) -> None: ...

class CancelOrderListRequest(_message.Message):
    __slots__ = ("list_id", "account")
    LIST_ID_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    list_id: str
    account: str
    def __init__(self, list_id: _Optional[str] = ..., account: _Optional[str] = ...) -> None: ...

class CancelOrderListResponse(_message.Message):
    __slots__ = ("order_list",)
    ORDER_LIST_FIELD_NUMBER: _ClassVar[int]
    order_list: OrderList
    def __init__(self, order_list: _Optional[_Union[OrderList, _Mapping]] = ...) -> None: ...
