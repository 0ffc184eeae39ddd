"""Admission control's answers: what a shed order looks like, and what is never shed."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import pytest_asyncio
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from fillgate.app import FillgateServer, create_server
from fillgate.config import config_from_dict
from fillgate.v1 import execution_service_pb2 as pb
from fillgate.v1 import execution_service_pb2_grpc as pb_grpc
from fillgate.v1 import order_pb2
from fillgate_client import AsyncFillgateClient, OrderState, ResourceExhaustedError

CONFIG = {
    "accounts": {"paper": {"starting_cash": "100000000"}},
    "symbols": {
        "BTC-USD": {"reference_price": "50000", "price_precision": 2, "quantity_precision": 6}
    },
    # One order at a time: a second order in flight (waiting for its journal write) is shed;
    # the lag and queue-delay limits are off so that only that rule decides.
    "server": {
        "admission_max_in_flight_orders": 1,
        "admission_max_loop_lag_ms": 0,
        "admission_max_queue_delay_ms": 0,
    },
}
BURST = 40


@pytest_asyncio.fixture
async def server(tmp_path: Path) -> AsyncIterator[FillgateServer]:
    config = config_from_dict({**CONFIG, "journal": {"path": str(tmp_path / "j.log")}})
    running = await create_server(config, listen="127.0.0.1:0")
    try:
        yield running
    finally:
        await running.stop(grace=0.5)


def submit(n: int) -> pb.SubmitOrderRequest:
    return pb.SubmitOrderRequest(
        account="paper",
        symbol="BTC-USD",
        side=order_pb2.SIDE_BUY,
        quantity="0.01",
        type=order_pb2.ORDER_TYPE_MARKET,
        time_in_force=order_pb2.TIME_IN_FORCE_IOC,
        client_order_id=f"burst-{n}",
    )


async def test_submit_order_over_in_flight_limit_is_resource_exhausted_with_retry_hint(
    server: FillgateServer,
) -> None:
    async with grpc.aio.insecure_channel(f"127.0.0.1:{server.port}") as channel:
        stub = pb_grpc.ExecutionServiceStub(channel)
        answers = await asyncio.gather(
            *(stub.SubmitOrder(submit(n)) for n in range(BURST)), return_exceptions=True
        )
    refused = [a for a in answers if isinstance(a, grpc.aio.AioRpcError)]
    assert refused and all(r.code() is grpc.StatusCode.RESOURCE_EXHAUSTED for r in refused)
    status = rpc_status.from_call(refused[0])
    assert status is not None
    info, retry = error_details_pb2.ErrorInfo(), error_details_pb2.RetryInfo()
    assert status.details[0].Unpack(info) and status.details[1].Unpack(retry)
    assert (info.reason, info.domain) == ("SERVER_OVERLOADED", "fillgate")
    assert dict(info.metadata) == {
        "cause": "in_flight_orders",
        "limit": "1",
        "retry_after_ms": "50",
    }
    assert retry.retry_delay.ToMilliseconds() == 50


async def test_cancel_order_while_orders_are_shed_is_answered(server: FillgateServer) -> None:
    async with AsyncFillgateClient(f"127.0.0.1:{server.port}", timeout=10) as client:
        resting = await client.submit_order(
            "paper", "BTC-USD", "buy", "1", type="limit", limit_price="40000"
        )

        async def order(n: int) -> str:
            try:
                await client.submit_order("paper", "BTC-USD", "buy", "0.01")
            except ResourceExhaustedError as exc:
                return exc.reason
            return "OK"

        orders = [asyncio.ensure_future(order(n)) for n in range(BURST)]
        await asyncio.sleep(0)
        canceled = await client.cancel_order(resting.order.order_id)
        outcomes = await asyncio.gather(*orders)
    assert "SERVER_OVERLOADED" in outcomes
    assert canceled.state in (OrderState.CANCELED, OrderState.PENDING_CANCEL)
    assert server.admission.shed["in_flight_orders"] > 0
