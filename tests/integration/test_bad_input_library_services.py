"""Health and reflection, served by the grpc libraries, refuse malformed bodies precisely too."""

from __future__ import annotations

from collections.abc import AsyncIterator

import grpc
import pytest
import pytest_asyncio
from grpc_health.v1 import health_pb2
from grpc_reflection.v1alpha import reflection_pb2
from wire import CHANNEL_OPTIONS, call

from fillgate.app import FillgateServer

MALFORMED = b"\x0a\x05ab"  # a string field whose length runs past the end
HEALTH = health_pb2.DESCRIPTOR.services_by_name["Health"]
REFLECTION = reflection_pb2.DESCRIPTOR.services_by_name["ServerReflection"]


@pytest_asyncio.fixture
async def channel(server: FillgateServer) -> AsyncIterator[grpc.aio.Channel]:
    async with grpc.aio.insecure_channel(f"127.0.0.1:{server.port}", CHANNEL_OPTIONS) as ch:
        yield ch


@pytest.mark.parametrize("name", ["Check", "Watch"])
async def test_health_body_that_is_not_protobuf_is_invalid_argument(
    channel: grpc.aio.Channel, name: str
) -> None:
    answer = await call(channel, HEALTH.methods_by_name[name], MALFORMED)
    assert answer.code is grpc.StatusCode.INVALID_ARGUMENT, (answer.code, answer.details)
    assert answer.error_info is not None and answer.error_info.reason == "MALFORMED_REQUEST"


async def test_health_check_well_formed_still_answers_serving(channel: grpc.aio.Channel) -> None:
    check = channel.unary_unary(
        "/grpc.health.v1.Health/Check",
        request_serializer=health_pb2.HealthCheckRequest.SerializeToString,
        response_deserializer=health_pb2.HealthCheckResponse.FromString,
    )
    answer = await check(health_pb2.HealthCheckRequest(service=""))
    assert answer.status == health_pb2.HealthCheckResponse.SERVING


async def test_reflection_message_that_is_not_protobuf_is_invalid_argument(
    channel: grpc.aio.Channel,
) -> None:
    method = REFLECTION.methods_by_name["ServerReflectionInfo"]
    stream = channel.stream_stream(f"/{REFLECTION.full_name}/{method.name}")()
    await stream.write(MALFORMED)
    await stream.done_writing()
    with pytest.raises(grpc.aio.AioRpcError) as err:
        async for _ in stream:
            pass
    assert err.value.code() is grpc.StatusCode.INVALID_ARGUMENT, err.value.details()


async def test_reflection_well_formed_still_lists_services(channel: grpc.aio.Channel) -> None:
    info = channel.stream_stream(
        "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
        request_serializer=reflection_pb2.ServerReflectionRequest.SerializeToString,
        response_deserializer=reflection_pb2.ServerReflectionResponse.FromString,
    )
    stream = info()
    await stream.write(reflection_pb2.ServerReflectionRequest(list_services=""))
    await stream.done_writing()
    answers = [a async for a in stream]
    names = {s.name for s in answers[0].list_services_response.service}
    assert "fillgate.v1.ExecutionService" in names
