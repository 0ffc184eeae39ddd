"""ReportService.ExecutionQuality end to end, over gRPC against a real server."""

from __future__ import annotations

from decimal import Decimal as D

import grpc
import pytest

from fillgate.v1 import report_service_pb2 as pb
from fillgate.v1 import report_service_pb2_grpc as pb_grpc


@pytest.fixture
async def stub(server):  # type: ignore[no-untyped-def]
    async with grpc.aio.insecure_channel(f"127.0.0.1:{server.port}") as channel:
        yield pb_grpc.ReportServiceStub(channel)


async def test_execution_quality_by_symbol_counts_orders_and_slippage(client, stub):
    await client.submit_order("paper", "BTC-USD", "buy", D("0.5"))
    await client.submit_order("paper", "ETH-USD", "sell", D("1"))
    resting = await client.submit_order(
        "paper", "BTC-USD", "buy", "0.1", type="limit", limit_price="49000"
    )
    await client.cancel_order(resting.order.order_id)
    await client.set_reference_price("BTC-USD", D(50100))
    await client.submit_order("paper", "BTC-USD", "buy", D("0.5"))

    response = await stub.ExecutionQuality(
        pb.ExecutionQualityRequest(group_by=pb.QUALITY_GROUPING_SYMBOL)
    )

    btc, eth = response.rows
    assert (btc.key, btc.orders, btc.filled_orders, btc.canceled_orders) == ("BTC-USD", 3, 2, 1)
    assert (eth.key, eth.orders, eth.filled_orders) == ("ETH-USD", 1, 1)
    assert btc.fill_rate == "0.6667"
    # Paper fills market orders at the reference price, which was the arrival price.
    assert btc.slippage_arrival_bps.count == 2 and btc.slippage_arrival_bps.p95 == "0"
    assert btc.first_fill_ms.count == 2


async def test_execution_quality_unknown_account_is_invalid_argument(stub):
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await stub.ExecutionQuality(pb.ExecutionQualityRequest(account="nobody"))
    assert err.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert "account" in err.value.details()


async def test_execution_quality_unknown_grouping_is_invalid_argument(stub):
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await stub.ExecutionQuality(pb.ExecutionQualityRequest(group_by=99))  # type: ignore[arg-type]
    assert err.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert "group_by" in err.value.details()
