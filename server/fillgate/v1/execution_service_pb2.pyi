import datetime

from fillgate.v1 import alert_pb2 as _alert_pb2
from fillgate.v1 import execution_pb2 as _execution_pb2
from fillgate.v1 import order_pb2 as _order_pb2
from fillgate.v1 import position_pb2 as _position_pb2
from fillgate.v1 import risk_pb2 as _risk_pb2
from fillgate.v1 import session_pb2 as _session_pb2
from fillgate.v1 import trading_state_pb2 as _trading_state_pb2
from fillgate.v1 import venue_pb2 as _venue_pb2
from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class StreamEventKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    STREAM_EVENT_KIND_UNSPECIFIED: _ClassVar[StreamEventKind]
    STREAM_EVENT_KIND_EXECUTION_REPORT: _ClassVar[StreamEventKind]
    STREAM_EVENT_KIND_TRADING_STATE: _ClassVar[StreamEventKind]
    STREAM_EVENT_KIND_RISK_ALERT: _ClassVar[StreamEventKind]
    STREAM_EVENT_KIND_VENUE_DRIFT: _ClassVar[StreamEventKind]
    STREAM_EVENT_KIND_SESSION: _ClassVar[StreamEventKind]
    STREAM_EVENT_KIND_ALERT: _ClassVar[StreamEventKind]
    STREAM_EVENT_KIND_DENIAL: _ClassVar[StreamEventKind]
STREAM_EVENT_KIND_UNSPECIFIED: StreamEventKind
STREAM_EVENT_KIND_EXECUTION_REPORT: StreamEventKind
STREAM_EVENT_KIND_TRADING_STATE: StreamEventKind
STREAM_EVENT_KIND_RISK_ALERT: StreamEventKind
STREAM_EVENT_KIND_VENUE_DRIFT: StreamEventKind
STREAM_EVENT_KIND_SESSION: StreamEventKind
STREAM_EVENT_KIND_ALERT: StreamEventKind
STREAM_EVENT_KIND_DENIAL: StreamEventKind

class SubmitOrderRequest(_message.Message):
    __slots__ = ("account", "symbol", "side", "quantity", "type", "limit_price", "stop_price", "time_in_force", "client_order_id", "strategy_id", "tags", "reduce_only", "expire_time", "expire_after", "extended_hours")
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
    STOP_PRICE_FIELD_NUMBER: _ClassVar[int]
    TIME_IN_FORCE_FIELD_NUMBER: _ClassVar[int]
    CLIENT_ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    STRATEGY_ID_FIELD_NUMBER: _ClassVar[int]
    TAGS_FIELD_NUMBER: _ClassVar[int]
    REDUCE_ONLY_FIELD_NUMBER: _ClassVar[int]
    EXPIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    EXPIRE_AFTER_FIELD_NUMBER: _ClassVar[int]
    EXTENDED_HOURS_FIELD_NUMBER: _ClassVar[int]
    account: str
    symbol: str
    side: _order_pb2.Side
    quantity: str
    type: _order_pb2.OrderType
    limit_price: str
    stop_price: str
    time_in_force: _order_pb2.TimeInForce
    client_order_id: str
    strategy_id: str
    tags: _containers.ScalarMap[str, str]
    reduce_only: bool
    expire_time: _timestamp_pb2.Timestamp
    expire_after: _duration_pb2.Duration
    extended_hours: bool
    def __init__(self, account: _Optional[str] = ..., symbol: _Optional[str] = ..., side: _Optional[_Union[_order_pb2.Side, str]] = ..., quantity: _Optional[str] = ..., type: _Optional[_Union[_order_pb2.OrderType, str]] = ..., limit_price: _Optional[str] = ..., stop_price: _Optional[str] = ..., time_in_force: _Optional[_Union[_order_pb2.TimeInForce, str]] = ..., client_order_id: _Optional[str] = ..., strategy_id: _Optional[str] = ..., tags: _Optional[_Mapping[str, str]] = ..., reduce_only: _Optional[bool] = ..., expire_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., expire_after: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., extended_hours: _Optional[bool] = ...) -> None: ...

class SubmitOrderResponse(_message.Message):
    __slots__ = ("order", "duplicate")
    ORDER_FIELD_NUMBER: _ClassVar[int]
    DUPLICATE_FIELD_NUMBER: _ClassVar[int]
    order: _order_pb2.Order
    duplicate: bool
    def __init__(self, order: _Optional[_Union[_order_pb2.Order, _Mapping]] = ..., duplicate: _Optional[bool] = ...) -> None: ...

class OrderRef(_message.Message):
    __slots__ = ("order_id", "account", "client_order_id")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    CLIENT_ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    account: str
    client_order_id: str
    def __init__(self, order_id: _Optional[str] = ..., account: _Optional[str] = ..., client_order_id: _Optional[str] = ...) -> None: ...

class CancelOrderRequest(_message.Message):
    __slots__ = ("order",)
    ORDER_FIELD_NUMBER: _ClassVar[int]
    order: OrderRef
    def __init__(self, order: _Optional[_Union[OrderRef, _Mapping]] = ...) -> None: ...

class CancelOrderResponse(_message.Message):
    __slots__ = ("order",)
    ORDER_FIELD_NUMBER: _ClassVar[int]
    order: _order_pb2.Order
    def __init__(self, order: _Optional[_Union[_order_pb2.Order, _Mapping]] = ...) -> None: ...

class ReplaceOrderRequest(_message.Message):
    __slots__ = ("order", "quantity", "limit_price", "stop_price")
    ORDER_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    LIMIT_PRICE_FIELD_NUMBER: _ClassVar[int]
    STOP_PRICE_FIELD_NUMBER: _ClassVar[int]
    order: OrderRef
    quantity: str
    limit_price: str
    stop_price: str
    def __init__(self, order: _Optional[_Union[OrderRef, _Mapping]] = ..., quantity: _Optional[str] = ..., limit_price: _Optional[str] = ..., stop_price: _Optional[str] = ...) -> None: ...

class ReplaceOrderResponse(_message.Message):
    __slots__ = ("order",)
    ORDER_FIELD_NUMBER: _ClassVar[int]
    order: _order_pb2.Order
    def __init__(self, order: _Optional[_Union[_order_pb2.Order, _Mapping]] = ...) -> None: ...

class GetOrderRequest(_message.Message):
    __slots__ = ("order",)
    ORDER_FIELD_NUMBER: _ClassVar[int]
    order: OrderRef
    def __init__(self, order: _Optional[_Union[OrderRef, _Mapping]] = ...) -> None: ...

class GetOrderResponse(_message.Message):
    __slots__ = ("order",)
    ORDER_FIELD_NUMBER: _ClassVar[int]
    order: _order_pb2.Order
    def __init__(self, order: _Optional[_Union[_order_pb2.Order, _Mapping]] = ...) -> None: ...

class ListOrdersRequest(_message.Message):
    __slots__ = ("account", "symbol", "states", "open_only", "page_size", "page_token")
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    SYMBOL_FIELD_NUMBER: _ClassVar[int]
    STATES_FIELD_NUMBER: _ClassVar[int]
    OPEN_ONLY_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    account: str
    symbol: str
    states: _containers.RepeatedScalarFieldContainer[_order_pb2.OrderState]
    open_only: bool
    page_size: int
    page_token: str
    def __init__(self, account: _Optional[str] = ..., symbol: _Optional[str] = ..., states: _Optional[_Iterable[_Union[_order_pb2.OrderState, str]]] = ..., open_only: _Optional[bool] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListOrdersResponse(_message.Message):
    __slots__ = ("orders", "next_page_token")
    ORDERS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    orders: _containers.RepeatedCompositeFieldContainer[_order_pb2.Order]
    next_page_token: str
    def __init__(self, orders: _Optional[_Iterable[_Union[_order_pb2.Order, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class StreamFillsRequest(_message.Message):
    __slots__ = ("accounts", "symbols", "from_sequence", "heartbeat_interval_ms", "max_batch", "kinds", "exec_types")
    ACCOUNTS_FIELD_NUMBER: _ClassVar[int]
    SYMBOLS_FIELD_NUMBER: _ClassVar[int]
    FROM_SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    HEARTBEAT_INTERVAL_MS_FIELD_NUMBER: _ClassVar[int]
    MAX_BATCH_FIELD_NUMBER: _ClassVar[int]
    KINDS_FIELD_NUMBER: _ClassVar[int]
    EXEC_TYPES_FIELD_NUMBER: _ClassVar[int]
    accounts: _containers.RepeatedScalarFieldContainer[str]
    symbols: _containers.RepeatedScalarFieldContainer[str]
    from_sequence: int
    heartbeat_interval_ms: int
    max_batch: int
    kinds: _containers.RepeatedScalarFieldContainer[StreamEventKind]
    exec_types: _containers.RepeatedScalarFieldContainer[_execution_pb2.ExecType]
    def __init__(self, accounts: _Optional[_Iterable[str]] = ..., symbols: _Optional[_Iterable[str]] = ..., from_sequence: _Optional[int] = ..., heartbeat_interval_ms: _Optional[int] = ..., max_batch: _Optional[int] = ..., kinds: _Optional[_Iterable[_Union[StreamEventKind, str]]] = ..., exec_types: _Optional[_Iterable[_Union[_execution_pb2.ExecType, str]]] = ...) -> None: ...

class StreamFillsResponse(_message.Message):
    __slots__ = ("subscribed", "execution_report", "trading_state_changed", "heartbeat", "risk_alert", "venue_drift", "session", "alert", "batch", "denial")
    SUBSCRIBED_FIELD_NUMBER: _ClassVar[int]
    EXECUTION_REPORT_FIELD_NUMBER: _ClassVar[int]
    TRADING_STATE_CHANGED_FIELD_NUMBER: _ClassVar[int]
    HEARTBEAT_FIELD_NUMBER: _ClassVar[int]
    RISK_ALERT_FIELD_NUMBER: _ClassVar[int]
    VENUE_DRIFT_FIELD_NUMBER: _ClassVar[int]
    SESSION_FIELD_NUMBER: _ClassVar[int]
    ALERT_FIELD_NUMBER: _ClassVar[int]
    BATCH_FIELD_NUMBER: _ClassVar[int]
    DENIAL_FIELD_NUMBER: _ClassVar[int]
    subscribed: SubscriptionAck
    execution_report: _execution_pb2.ExecutionReport
    trading_state_changed: _trading_state_pb2.TradingStateChanged
    heartbeat: Heartbeat
    risk_alert: _risk_pb2.RiskAlert
    venue_drift: _venue_pb2.VenueDrift
    session: _session_pb2.SessionEvent
    alert: _alert_pb2.Alert
    batch: EventBatch
    denial: _alert_pb2.Denial
    def __init__(self, subscribed: _Optional[_Union[SubscriptionAck, _Mapping]] = ..., execution_report: _Optional[_Union[_execution_pb2.ExecutionReport, _Mapping]] = ..., trading_state_changed: _Optional[_Union[_trading_state_pb2.TradingStateChanged, _Mapping]] = ..., heartbeat: _Optional[_Union[Heartbeat, _Mapping]] = ..., risk_alert: _Optional[_Union[_risk_pb2.RiskAlert, _Mapping]] = ..., venue_drift: _Optional[_Union[_venue_pb2.VenueDrift, _Mapping]] = ..., session: _Optional[_Union[_session_pb2.SessionEvent, _Mapping]] = ..., alert: _Optional[_Union[_alert_pb2.Alert, _Mapping]] = ..., batch: _Optional[_Union[EventBatch, _Mapping]] = ..., denial: _Optional[_Union[_alert_pb2.Denial, _Mapping]] = ...) -> None: ...

class EventBatch(_message.Message):
    __slots__ = ("events",)
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    events: _containers.RepeatedCompositeFieldContainer[StreamFillsResponse]
    def __init__(self, events: _Optional[_Iterable[_Union[StreamFillsResponse, _Mapping]]] = ...) -> None: ...

class SubscriptionAck(_message.Message):
    __slots__ = ("subscription_id", "head_sequence", "first_sequence")
    SUBSCRIPTION_ID_FIELD_NUMBER: _ClassVar[int]
    HEAD_SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    FIRST_SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    subscription_id: str
    head_sequence: int
    first_sequence: int
    def __init__(self, subscription_id: _Optional[str] = ..., head_sequence: _Optional[int] = ..., first_sequence: _Optional[int] = ...) -> None: ...

class Heartbeat(_message.Message):
    __slots__ = ("head_sequence", "server_time")
    HEAD_SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    SERVER_TIME_FIELD_NUMBER: _ClassVar[int]
    head_sequence: int
    server_time: _timestamp_pb2.Timestamp
    def __init__(self, head_sequence: _Optional[int] = ..., server_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class GetPositionsRequest(_message.Message):
    __slots__ = ("accounts", "include_flat")
    ACCOUNTS_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_FLAT_FIELD_NUMBER: _ClassVar[int]
    accounts: _containers.RepeatedScalarFieldContainer[str]
    include_flat: bool
    def __init__(self, accounts: _Optional[_Iterable[str]] = ..., include_flat: _Optional[bool] = ...) -> None: ...

class GetPositionsResponse(_message.Message):
    __slots__ = ("accounts",)
    ACCOUNTS_FIELD_NUMBER: _ClassVar[int]
    accounts: _containers.RepeatedCompositeFieldContainer[_position_pb2.AccountPositions]
    def __init__(self, accounts: _Optional[_Iterable[_Union[_position_pb2.AccountPositions, _Mapping]]] = ...) -> None: ...

class HaltRequest(_message.Message):
    __slots__ = ("scope", "target", "mode", "cancel_open_orders", "flatten_positions", "reason", "requested_by")
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    TARGET_FIELD_NUMBER: _ClassVar[int]
    MODE_FIELD_NUMBER: _ClassVar[int]
    CANCEL_OPEN_ORDERS_FIELD_NUMBER: _ClassVar[int]
    FLATTEN_POSITIONS_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    REQUESTED_BY_FIELD_NUMBER: _ClassVar[int]
    scope: _trading_state_pb2.HaltScope
    target: str
    mode: _trading_state_pb2.TradingMode
    cancel_open_orders: bool
    flatten_positions: bool
    reason: str
    requested_by: str
    def __init__(self, scope: _Optional[_Union[_trading_state_pb2.HaltScope, str]] = ..., target: _Optional[str] = ..., mode: _Optional[_Union[_trading_state_pb2.TradingMode, str]] = ..., cancel_open_orders: _Optional[bool] = ..., flatten_positions: _Optional[bool] = ..., reason: _Optional[str] = ..., requested_by: _Optional[str] = ...) -> None: ...

class HaltResponse(_message.Message):
    __slots__ = ("restriction", "canceled_orders", "flatten_orders")
    RESTRICTION_FIELD_NUMBER: _ClassVar[int]
    CANCELED_ORDERS_FIELD_NUMBER: _ClassVar[int]
    FLATTEN_ORDERS_FIELD_NUMBER: _ClassVar[int]
    restriction: _trading_state_pb2.TradingRestriction
    canceled_orders: _containers.RepeatedCompositeFieldContainer[_order_pb2.Order]
    flatten_orders: _containers.RepeatedCompositeFieldContainer[_order_pb2.Order]
    def __init__(self, restriction: _Optional[_Union[_trading_state_pb2.TradingRestriction, _Mapping]] = ..., canceled_orders: _Optional[_Iterable[_Union[_order_pb2.Order, _Mapping]]] = ..., flatten_orders: _Optional[_Iterable[_Union[_order_pb2.Order, _Mapping]]] = ...) -> None: ...

class ResumeRequest(_message.Message):
    __slots__ = ("scope", "target", "reason", "requested_by")
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    TARGET_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    REQUESTED_BY_FIELD_NUMBER: _ClassVar[int]
    scope: _trading_state_pb2.HaltScope
    target: str
    reason: str
    requested_by: str
    def __init__(self, scope: _Optional[_Union[_trading_state_pb2.HaltScope, str]] = ..., target: _Optional[str] = ..., reason: _Optional[str] = ..., requested_by: _Optional[str] = ...) -> None: ...

class ResumeResponse(_message.Message):
    __slots__ = ("restrictions",)
    RESTRICTIONS_FIELD_NUMBER: _ClassVar[int]
    restrictions: _containers.RepeatedCompositeFieldContainer[_trading_state_pb2.TradingRestriction]
    def __init__(self, restrictions: _Optional[_Iterable[_Union[_trading_state_pb2.TradingRestriction, _Mapping]]] = ...) -> None: ...

class GetTradingStateRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetTradingStateResponse(_message.Message):
    __slots__ = ("restrictions",)
    RESTRICTIONS_FIELD_NUMBER: _ClassVar[int]
    restrictions: _containers.RepeatedCompositeFieldContainer[_trading_state_pb2.TradingRestriction]
    def __init__(self, restrictions: _Optional[_Iterable[_Union[_trading_state_pb2.TradingRestriction, _Mapping]]] = ...) -> None: ...
