"""Order time limits through the real server and the typed client (system clock)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from decimal import Decimal as D

import grpc
import pytest
from google.protobuf.duration_pb2 import Duration
from wire import CHANNEL_OPTIONS, call, methods

from fillgate.v1 import execution_service_pb2 as pb
from fillgate.v1 import order_pb2 as order_pb
from fillgate_client import InvalidArgumentError, OrderState


async def _until_state(client, order_id: str, state: OrderState, timeout_s: float = 5.0):
    deadline = asyncio.get_running_loop().time() + timeout_s
    while True:
        order = await client.get_order(order_id)
        if order.state is state or asyncio.get_running_loop().time() > deadline:
            return order
        await asyncio.sleep(0.02)


async def test_submit_expire_after_cancels_resting_order_when_time_runs_out(client):
    result = await client.submit_order(
        "paper", "BTC-USD", "buy", D("0.1"), type="limit", limit_price=D(40000),
        expire_after=timedelta(milliseconds=300),
    )  # fmt: skip
    assert result.order.state is OrderState.NEW
    assert result.order.expire_after == timedelta(milliseconds=300)
    assert result.order.expires_at is not None

    order = await _until_state(client, result.order.order_id, OrderState.CANCELED)

    assert order.state is OrderState.CANCELED


async def test_submit_expire_time_is_kept_and_shown_as_expires_at(client):
    at = datetime.now(UTC) + timedelta(hours=1)
    result = await client.submit_order(
        "paper", "BTC-USD", "buy", D("0.1"), type="limit", limit_price=D(40000), expire_time=at
    )

    assert result.order.expire_time == at.replace(microsecond=at.microsecond)
    assert result.order.expires_at == result.order.expire_time
    assert result.order.state is OrderState.NEW


async def test_submit_expire_time_in_the_past_is_invalid_argument_naming_expire_time(client):
    with pytest.raises(InvalidArgumentError) as err:
        await client.submit_order(
            "paper", "BTC-USD", "buy", D("0.1"), type="limit", limit_price=D(40000),
            expire_time=datetime.now(UTC) - timedelta(seconds=1),
        )  # fmt: skip

    assert {f for f, _ in err.value.field_violations} == {"expire_time"}
    assert await client.list_orders(account="paper") == []


async def _raw_submit(server, **fields):
    """Send a SubmitOrderRequest built from the generated class, as any client could."""
    async with grpc.aio.insecure_channel(
        f"127.0.0.1:{server.port}", options=CHANNEL_OPTIONS
    ) as channel:
        request = pb.SubmitOrderRequest(
            account="paper", symbol="BTC-USD", side=order_pb.SIDE_BUY, quantity="0.1",
            type=order_pb.ORDER_TYPE_LIMIT, limit_price="40000",
            time_in_force=order_pb.TIME_IN_FORCE_GTC, client_order_id="raw-1", **fields,
        )  # fmt: skip
        method = next(m for m in methods() if m.full_name.endswith("ExecutionService.SubmitOrder"))
        return await call(channel, method, request.SerializeToString())


@pytest.mark.parametrize(
    "duration",
    [Duration(seconds=-1), Duration(seconds=0, nanos=-5), Duration(seconds=10**9)],
    ids=["negative", "negative-nanos", "too-long"],
)
async def test_submit_bad_expire_after_is_invalid_argument_naming_expire_after(server, duration):
    answer = await _raw_submit(server, expire_after=duration)

    assert answer.code is grpc.StatusCode.INVALID_ARGUMENT, answer.details
    assert {f for f, _ in answer.field_violations} == {"expire_after"}
