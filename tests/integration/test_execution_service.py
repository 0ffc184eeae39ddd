"""ExecutionService end to end: a real server on an ephemeral port, the typed client."""

from __future__ import annotations

from decimal import Decimal as D

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from fillgate_client import (
    AlreadyExistsError,
    ExecType,
    FailedPreconditionError,
    HaltScope,
    InvalidArgumentError,
    NotFoundError,
    OrderState,
    OrderType,
    SubscriptionAck,
    TradingMode,
    TradingStateChanged,
)


async def test_submit_market_order_fills_and_fill_arrives_on_stream(client, open_stream):
    reader = await open_stream()
    result = await client.submit_order("paper", "BTC-USD", "buy", D("0.5"))
    assert result.order.state is OrderState.FILLED
    assert result.order.average_fill_price == D(50000)
    await reader.wait_for(lambda r: any(x.exec_type is ExecType.TRADE for x in r.reports))
    await reader.stop()
    kinds = [(x.exec_type, x.order_state) for x in reader.reports]
    assert kinds == [
        (ExecType.PENDING_NEW, OrderState.PENDING_NEW),
        (ExecType.NEW, OrderState.NEW),
        (ExecType.TRADE, OrderState.FILLED),
    ]
    trade = reader.reports[-1]
    assert (trade.last_quantity, trade.last_price, trade.leaves_quantity) == (D("0.5"), 50000, 0)
    assert trade.order_id == result.order.order_id
    assert [x.sequence for x in reader.reports] == [1, 2, 3]
    assert len({x.exec_id for x in reader.reports}) == 3


async def test_submit_same_client_order_id_twice_returns_original_order(client):
    first = await client.submit_order("paper", "BTC-USD", "buy", "0.1", client_order_id="k-1")
    again = await client.submit_order("paper", "BTC-USD", "buy", "0.1", client_order_id="k-1")
    assert again.duplicate and not first.duplicate
    assert again.order.order_id == first.order.order_id
    assert len(await client.list_orders(account="paper")) == 1


async def test_submit_reused_client_order_id_with_other_contents_is_already_exists(client):
    await client.submit_order("paper", "BTC-USD", "buy", "0.1", client_order_id="k-2")
    with pytest.raises(AlreadyExistsError) as err:
        await client.submit_order("paper", "BTC-USD", "buy", "0.2", client_order_id="k-2")
    assert err.value.reason == "CLIENT_ORDER_ID_REUSED"


async def test_submit_invalid_request_names_every_bad_field_and_stores_nothing(client):
    with pytest.raises(InvalidArgumentError) as err:
        await client.submit_order(
            "paper", "BTC-USD", "buy", "0.1234567", type=OrderType.MARKET, limit_price="1"
        )
    fields = {f for f, _ in err.value.field_violations}
    assert fields == {"quantity", "limit_price"}
    assert await client.list_orders() == []


async def test_cancel_resting_limit_order_reports_canceled(client, open_stream):
    reader = await open_stream()
    placed = await client.submit_order(
        "paper", "BTC-USD", "buy", "1", type=OrderType.LIMIT, limit_price="49000"
    )
    assert placed.order.state is OrderState.NEW
    canceled = await client.cancel_order(placed.order.order_id)
    assert canceled.state is OrderState.CANCELED
    await reader.wait_for(lambda r: r.reports and r.reports[-1].exec_type is ExecType.CANCELED)
    await reader.stop()
    assert [x.exec_type for x in reader.reports][-2:] == [
        ExecType.PENDING_CANCEL,
        ExecType.CANCELED,
    ]


async def test_cancel_by_client_order_id_finds_the_order(client):
    await client.submit_order(
        "paper", "BTC-USD", "sell", "1", type="limit", limit_price="60000", client_order_id="c-9"
    )
    canceled = await client.cancel_order(account="paper", client_order_id="c-9")
    assert canceled.state is OrderState.CANCELED


async def test_cancel_unknown_order_is_not_found(client):
    with pytest.raises(NotFoundError):
        await client.cancel_order("O-nope-1")


async def test_replace_resting_limit_then_price_move_fills_at_new_limit(client):
    placed = await client.submit_order(
        "paper", "BTC-USD", "buy", "1", type=OrderType.LIMIT, limit_price="48000"
    )
    replaced = await client.replace_order(placed.order.order_id, quantity="2", limit_price="49500")
    assert (replaced.quantity, replaced.limit_price, replaced.version) == (2, D(49500), 1)
    assert replaced.state is OrderState.NEW
    await client.set_reference_price("BTC-USD", "49400")
    filled = await client.get_order(placed.order.order_id)
    assert filled.state is OrderState.FILLED
    assert filled.average_fill_price == D(49500)


async def test_positions_show_quantity_average_and_pnl_after_fills_and_mark(client):
    await client.submit_order("paper", "BTC-USD", "buy", "1")
    await client.set_reference_price("BTC-USD", "51000")
    await client.submit_order("paper", "BTC-USD", "sell", "0.4")
    await client.set_reference_price("BTC-USD", "52000")
    [account] = await client.get_positions("paper")
    [pos] = account.positions
    assert (pos.quantity, pos.average_price, pos.mark_price) == (D("0.6"), 50000, 52000)
    assert (pos.realized_pnl, pos.unrealized_pnl) == (400, 1200)
    assert account.totals.cash == D(1000000) - 50000 + D("0.4") * 51000
    assert account.totals.equity == account.totals.cash + D("0.6") * 52000


async def test_halt_with_cancel_and_flatten_then_submit_fails_until_resume(client, open_stream):
    reader = await open_stream(accounts=["paper"])
    await client.submit_order("paper", "BTC-USD", "buy", "1")
    resting = await client.submit_order(
        "paper", "ETH-USD", "buy", "2", type="limit", limit_price="2500"
    )
    result = await client.halt(
        HaltScope.ACCOUNT,
        "paper",
        cancel_open_orders=True,
        flatten_positions=True,
        reason="risk breach",
        requested_by="test",
    )
    assert [o.order_id for o in result.canceled_orders] == [resting.order.order_id]
    assert [(o.side.name, o.quantity, o.state) for o in result.flatten_orders] == [
        ("SELL", 1, OrderState.FILLED)
    ]
    [account] = await client.get_positions("paper")
    assert account.positions == ()
    with pytest.raises(FailedPreconditionError) as err:
        await client.submit_order("paper", "BTC-USD", "buy", "1")
    assert err.value.reason == "TRADING_HALTED"
    assert "risk breach" in err.value.message
    await client.resume(HaltScope.ACCOUNT, "paper", reason="cleared")
    assert (await client.submit_order("paper", "BTC-USD", "buy", "1")).order.state is (
        OrderState.FILLED
    )
    await reader.wait_for(lambda r: sum(isinstance(e, TradingStateChanged) for e in r.events) == 2)
    await reader.stop()
    modes = [e.mode for e in reader.events if isinstance(e, TradingStateChanged)]
    assert modes == [TradingMode.HALTED, TradingMode.ACTIVE]


async def test_halt_reducing_allows_only_reducing_orders(client):
    await client.submit_order("paper", "BTC-USD", "buy", "1")
    await client.halt(HaltScope.SYMBOL, "BTC-USD", mode=TradingMode.REDUCING, reason="vol")
    with pytest.raises(FailedPreconditionError) as err:
        await client.submit_order("paper", "BTC-USD", "buy", "0.1")
    assert err.value.reason == "TRADING_REDUCING"
    assert (await client.submit_order("paper", "BTC-USD", "sell", "0.5")).order.state is (
        OrderState.FILLED
    )
    [state] = await client.trading_state()
    assert (state.scope, state.target, state.mode) == (
        HaltScope.SYMBOL,
        "BTC-USD",
        TradingMode.REDUCING,
    )


async def test_two_stream_consumers_receive_the_same_sequence(client, open_stream):
    one = await open_stream()
    two = await open_stream()
    for _ in range(5):
        await client.submit_order("paper", "ETH-USD", "buy", "0.1")
    for reader in (one, two):
        await reader.wait_for(lambda r: len(r.reports) == 15)
        await reader.stop()
    assert [(x.sequence, x.exec_id) for x in one.reports] == [
        (x.sequence, x.exec_id) for x in two.reports
    ]
    assert [x.sequence for x in one.reports] == list(range(1, 16))


async def test_stream_resume_from_sequence_continues_without_gap_or_duplicate(client, open_stream):
    for _ in range(3):
        await client.submit_order("paper", "ETH-USD", "buy", "0.1")
    first = await open_stream(from_sequence=0)
    await first.wait_for(lambda r: len(r.reports) == 9)
    await first.stop()
    last = first.reports[4].sequence  # pretend the consumer stopped after five
    for _ in range(2):
        await client.submit_order("paper", "ETH-USD", "sell", "0.1")
    second = await open_stream(from_sequence=last)
    await second.wait_for(lambda r: len(r.reports) == 10)
    await second.stop()
    seen = [x.sequence for x in first.reports[:5]] + [x.sequence for x in second.reports]
    assert seen == list(range(1, 16))
    ack = second.events[0]
    assert isinstance(ack, SubscriptionAck) and ack.first_sequence == last + 1


async def test_stream_filter_by_account_delivers_only_that_account(client, open_stream):
    reader = await open_stream(accounts=["alpha"])
    await client.submit_order("paper", "ETH-USD", "buy", "0.1")
    await client.submit_order("alpha", "ETH-USD", "buy", "0.1")
    await reader.wait_for(lambda r: len(r.reports) == 3)
    await reader.stop()
    assert {x.account for x in reader.reports} == {"alpha"}


async def test_stream_heartbeat_arrives_when_idle(client, open_stream):
    from fillgate_client import Heartbeat

    reader = await open_stream(heartbeat_interval_ms=100)
    await reader.wait_for(lambda r: any(isinstance(e, Heartbeat) for e in r.events))
    await reader.stop()


async def test_list_orders_pages_through_all_orders_in_creation_order(client, server):
    ids = [
        (await client.submit_order("paper", "ETH-USD", "buy", "0.1")).order.order_id
        for _ in range(5)
    ]
    assert [o.order_id for o in await client.list_orders(page_size=2)] == ids
    assert [o.order_id for o in await client.list_orders(states=[OrderState.FILLED])] == ids
    assert await client.list_orders(open_only=True) == []


async def test_health_check_reports_serving(server):
    async with grpc.aio.insecure_channel(f"127.0.0.1:{server.port}") as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        reply = await stub.Check(
            health_pb2.HealthCheckRequest(service="fillgate.v1.ExecutionService")
        )
    assert reply.status == health_pb2.HealthCheckResponse.SERVING
