from fillgate.v1 import risk_pb2 as _risk_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class GetRiskStateRequest(_message.Message):
    __slots__ = ("accounts",)
    ACCOUNTS_FIELD_NUMBER: _ClassVar[int]
    accounts: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, accounts: _Optional[_Iterable[str]] = ...) -> None: ...

class GetRiskStateResponse(_message.Message):
    __slots__ = ("enabled", "accounts", "global_limits")
    ENABLED_FIELD_NUMBER: _ClassVar[int]
    ACCOUNTS_FIELD_NUMBER: _ClassVar[int]
    GLOBAL_LIMITS_FIELD_NUMBER: _ClassVar[int]
    enabled: bool
    accounts: _containers.RepeatedCompositeFieldContainer[_risk_pb2.AccountRisk]
    global_limits: _containers.RepeatedCompositeFieldContainer[_risk_pb2.RiskLimit]
    def __init__(self, enabled: _Optional[bool] = ..., accounts: _Optional[_Iterable[_Union[_risk_pb2.AccountRisk, _Mapping]]] = ..., global_limits: _Optional[_Iterable[_Union[_risk_pb2.RiskLimit, _Mapping]]] = ...) -> None: ...
