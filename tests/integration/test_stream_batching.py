"""StreamFills with max_batch, kinds and exec_types, on a real server."""

from __future__ import annotations

import asyncio
from decimal import Decimal as D

import grpc
import pytest
from google.rpc import error_details_pb2, status_pb2

from fillgate.app import FillgateServer
from fillgate.v1 import execution_service_pb2 as svc_pb
from fillgate.v1 import execution_service_pb2_grpc as svc_grpc
from fillgate_client import AsyncFillgateClient, ExecType, ExecutionReport, TradingStateChanged


async def read_messages(call, until) -> list[svc_pb.StreamFillsResponse]:  # type: ignore[no-untyped-def]
    messages = []
    async with asyncio.timeout(5):
        while not until(messages):
            messages.append(await call.read())
    return messages


def events_of(messages: list[svc_pb.StreamFillsResponse]) -> list[svc_pb.StreamFillsResponse]:
    out = []
    for m in messages:
        out.extend(m.batch.events if m.WhichOneof("event") == "batch" else [m])
    return [m for m in out if m.WhichOneof("event") not in ("subscribed", "heartbeat")]


def sequences(messages: list[svc_pb.StreamFillsResponse]) -> list[int]:
    return [m.execution_report.sequence for m in events_of(messages)]


async def test_stream_fills_max_batch_sends_a_market_orders_events_in_one_message(
    server: FillgateServer, client: AsyncFillgateClient
) -> None:
    async with grpc.aio.insecure_channel(f"127.0.0.1:{server.port}") as channel:
        call = svc_grpc.ExecutionServiceStub(channel).StreamFills(
            svc_pb.StreamFillsRequest(max_batch=50)
        )
        await call.read()  # subscribed
        await client.submit_order("paper", "BTC-USD", "buy", D("0.1"))
        messages = await read_messages(call, lambda m: len(sequences(m)) >= 3)
        call.cancel()
    assert messages[0].WhichOneof("event") == "batch"
    assert sequences(messages) == [1, 2, 3]  # pending-new, new, trade: every event, in order


async def test_stream_fills_batched_stream_resumes_exactly_after_its_last_sequence(
    server: FillgateServer, client: AsyncFillgateClient
) -> None:
    for _ in range(3):
        await client.submit_order("paper", "BTC-USD", "buy", D("0.1"))
    async with grpc.aio.insecure_channel(f"127.0.0.1:{server.port}") as channel:
        call = svc_grpc.ExecutionServiceStub(channel).StreamFills(
            svc_pb.StreamFillsRequest(max_batch=4, from_sequence=2)
        )
        messages = await read_messages(call, lambda m: len(sequences(m)) >= 7)
        call.cancel()
    assert sequences(messages) == list(range(3, 10))
    assert all(len(m.batch.events) <= 4 for m in messages)


async def test_stream_fills_exec_types_trade_carries_only_fills(
    client: AsyncFillgateClient, open_stream
) -> None:  # type: ignore[no-untyped-def]
    reader = await open_stream(exec_types=["trade"])
    await client.submit_order("paper", "BTC-USD", "buy", D("0.1"))
    await client.submit_order("paper", "BTC-USD", "sell", D("0.1"))
    await reader.wait_for(lambda r: len(r.reports) >= 2)
    assert [r.exec_type for r in reader.reports] == [ExecType.TRADE, ExecType.TRADE]


async def test_stream_fills_kinds_trading_state_leaves_out_execution_reports(
    client: AsyncFillgateClient, open_stream
) -> None:  # type: ignore[no-untyped-def]
    reader = await open_stream(kinds=["trading-state"])
    await client.submit_order("paper", "BTC-USD", "buy", D("0.1"))
    await client.halt("account", "paper", reason="test")
    await reader.wait_for(lambda r: any(isinstance(e, TradingStateChanged) for e in r.events))
    assert not [e for e in reader.events if isinstance(e, ExecutionReport)]


@pytest.mark.parametrize(
    ("request_fields", "field"),
    [
        ({"max_batch": 1001}, "max_batch"),
        ({"kinds": [0]}, "kinds[0]"),
        ({"kinds": [99]}, "kinds[0]"),
        ({"exec_types": [1, 0]}, "exec_types[1]"),
    ],
)
async def test_stream_fills_bad_batch_or_filter_is_invalid_argument_naming_the_field(
    server: FillgateServer, request_fields: dict[str, object], field: str
) -> None:
    async with grpc.aio.insecure_channel(f"127.0.0.1:{server.port}") as channel:
        call = svc_grpc.ExecutionServiceStub(channel).StreamFills(
            svc_pb.StreamFillsRequest(**request_fields)  # type: ignore[arg-type]
        )
        with pytest.raises(grpc.aio.AioRpcError) as raised:
            await call.read()
    assert raised.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    status = status_pb2.Status.FromString(
        dict(raised.value.trailing_metadata())["grpc-status-details-bin"]  # type: ignore[arg-type]
    )
    bad = error_details_pb2.BadRequest()
    assert any(d.Unpack(bad) for d in status.details)
    assert [v.field for v in bad.field_violations] == [field]


def test_stream_event_kind_covers_every_event_of_the_stream_response() -> None:
    # A new event in StreamFillsResponse needs a StreamEventKind, or consumers cannot ask for it.
    oneof = svc_pb.StreamFillsResponse.DESCRIPTOR.oneofs_by_name["event"]
    events = {f.name for f in oneof.fields} - {"subscribed", "heartbeat", "batch"}
    kinds = {v.name for v in svc_pb.StreamEventKind.DESCRIPTOR.values if v.number}
    assert len(kinds) == len(events), (sorted(events), sorted(kinds))
