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


async def test_list_denials_returns_refused_orders_with_reason(client, stub):
    await client.halt("account", "alpha", reason="drill")
    with pytest.raises(Exception):  # noqa: B017 - the client's error type is not the subject
        await client.submit_order("alpha", "BTC-USD", "sell", D("0.25"), client_order_id="d-1")
    await client.submit_order("paper", "BTC-USD", "buy", D("0.1"))

    response = await stub.ListDenials(pb.ListDenialsRequest())
    only_paper = await stub.ListDenials(pb.ListDenialsRequest(account="paper"))

    (denial,) = response.denials
    assert (denial.account, denial.symbol, denial.quantity) == ("alpha", "BTC-USD", "0.25")
    assert (denial.reason, denial.client_order_id) == ("TRADING_HALTED", "d-1")
    assert not response.truncated
    assert list(only_paper.denials) == []


async def test_list_denials_limit_keeps_newest_and_says_truncated(client, stub):
    await client.halt("account", "alpha", reason="drill")
    for i in range(3):
        with pytest.raises(Exception):  # noqa: B017
            await client.submit_order("alpha", "BTC-USD", "buy", D(1), client_order_id=f"d-{i}")
    response = await stub.ListDenials(pb.ListDenialsRequest(limit=2))
    assert [d.client_order_id for d in response.denials] == ["d-1", "d-2"]
    assert response.truncated


async def test_list_denials_limit_over_maximum_is_invalid_argument(stub):
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await stub.ListDenials(pb.ListDenialsRequest(limit=10_001))
    assert err.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert "limit" in err.value.details()


async def test_daily_report_realized_pnl_averages_and_drawdown(client, stub):
    bought = await client.submit_order("paper", "BTC-USD", "buy", D("0.5"))
    await client.set_reference_price("BTC-USD", D(49000))  # P&L -500: the day's trough
    await client.set_reference_price("BTC-USD", D(51000))
    sold = await client.submit_order("paper", "BTC-USD", "sell", D("0.5"))

    response = await stub.DailyReport(pb.DailyReportRequest())

    (row,) = response.rows
    assert (row.account, row.symbol, row.trades) == ("paper", "BTC-USD", 2)
    assert (row.bought, row.sold, row.volume, row.notional) == ("0.5", "0.5", "1", "50500")
    assert (row.average_buy_price, row.average_sell_price) == ("50000", "51000")
    assert row.realized_pnl == "500"
    assert row.max_drawdown == "500"
    assert D(row.fees) == bought.order.fees + sold.order.fees


async def test_daily_report_other_day_is_empty_and_bad_date_is_invalid(client, stub):
    await client.submit_order("paper", "BTC-USD", "buy", D("0.5"))
    empty = await stub.DailyReport(pb.DailyReportRequest(date="2001-01-01"))
    assert (empty.date, list(empty.rows)) == ("2001-01-01", [])
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await stub.DailyReport(pb.DailyReportRequest(date="01/02/2001"))
    assert err.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert "date" in err.value.details()


async def test_async_client_reports_convert_rows_to_decimals(client):
    await client.submit_order("paper", "BTC-USD", "buy", D("0.5"))
    await client.halt("account", "alpha", reason="drill")
    with pytest.raises(Exception):  # noqa: B017 - the client's error type is not the subject
        await client.submit_order("alpha", "ETH-USD", "buy", D(1))

    (quality,) = await client.execution_quality(by="account", account="paper")
    day, (daily,) = await client.daily_report(account="paper")
    (denial,) = await client.list_denials()

    assert (quality.key, quality.fill_rate, quality.slippage_arrival_bps.p50) == ("paper", 1, 0)
    assert (daily.bought, daily.average_buy_price, daily.max_drawdown) == (D("0.5"), 50000, 0)
    assert len(day) == 10
    assert (denial.account, denial.quantity, denial.reason) == ("alpha", D(1), "TRADING_HALTED")
