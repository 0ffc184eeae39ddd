"""api.edge: the decoder never raises, and registration refuses unwrapped handlers."""

from __future__ import annotations

from typing import Any, ClassVar

import grpc
import pytest
from google.protobuf.descriptor import ServiceDescriptor

from fillgate.api.edge import LogThrottle, add_services, decoder
from fillgate.api.errors import Refused, stateless
from fillgate.v1 import admin_service_pb2 as admin_pb
from fillgate.v1 import execution_service_pb2 as pb


def _decode(body: bytes) -> object:
    return decoder("m", pb.SubmitOrderRequest.DESCRIPTOR, LogThrottle(10))(body)


def test_decoder_body_that_is_not_protobuf_is_refused_as_malformed() -> None:
    refused = _decode(b"\x0a\x05ab")
    assert isinstance(refused, Refused)
    assert refused.error.reason == "MALFORMED_REQUEST"


def test_decoder_request_over_a_limit_is_refused_naming_the_field() -> None:
    refused = _decode(pb.SubmitOrderRequest(account="a" * 65).SerializeToString())
    assert isinstance(refused, Refused)
    assert [f for f, _ in refused.error.violations] == ["account"]


def test_decoder_valid_body_is_the_request() -> None:
    request = pb.SubmitOrderRequest(account="paper", quantity="1")
    assert _decode(request.SerializeToString()) == request


def test_throttle_allows_one_line_per_interval_and_counts_the_rest() -> None:
    now = [0.0]
    throttle = LogThrottle(10, lambda: now[0])
    assert [throttle.allow() for _ in range(3)] == [True, False, False]
    now[0] = 10.0
    assert throttle.allow() and throttle.suppressed == 2


class _Unwrapped:
    service: ClassVar[ServiceDescriptor] = admin_pb.DESCRIPTOR.services_by_name["AdminService"]

    @stateless
    async def SetReferencePrice(self, request: Any, context: Any) -> Any: ...

    @stateless
    async def ListSymbols(self, request: Any, context: Any) -> Any: ...

    async def Ping(self, request: Any, context: Any) -> Any: ...


async def test_add_services_handler_without_error_translation_fails_at_start() -> None:
    server = grpc.aio.server()
    with pytest.raises(TypeError, match="Ping"):
        add_services(server, [_Unwrapped()])
