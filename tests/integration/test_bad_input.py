"""Bad input at the edge: every refusal is INVALID_ARGUMENT with a short, precise error.

Requests are built from the generated classes (not the typed client, which
would clean them up) and sent as bytes, so each test sends exactly what a
hostile or broken client could.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import grpc
import pytest
import pytest_asyncio
from google.protobuf.message import Message
from wire import CHANNEL_OPTIONS, Answer, call, methods

from fillgate.app import FillgateServer
from fillgate.v1 import admin_service_pb2 as admin_pb
from fillgate.v1 import audit_service_pb2 as audit_pb
from fillgate.v1 import execution_service_pb2 as pb
from fillgate.v1 import order_pb2 as order_pb

INVALID = grpc.StatusCode.INVALID_ARGUMENT
BY_NAME = {m.full_name: m for m in methods()}


@pytest_asyncio.fixture
async def channel(server: FillgateServer) -> AsyncIterator[grpc.aio.Channel]:
    async with grpc.aio.insecure_channel(f"127.0.0.1:{server.port}", options=CHANNEL_OPTIONS) as ch:
        yield ch


async def send(channel: grpc.aio.Channel, rpc: str, request: Message | bytes) -> Answer:
    body = request if isinstance(request, bytes) else request.SerializeToString()
    return await call(channel, BY_NAME[f"fillgate.v1.{rpc}"], body)


def submit(**fields: object) -> pb.SubmitOrderRequest:
    base: dict[str, object] = {
        "account": "paper",
        "symbol": "BTC-USD",
        "side": order_pb.SIDE_BUY,
        "quantity": "0.1",
        "type": order_pb.ORDER_TYPE_LIMIT,
        "limit_price": "40000",
        "time_in_force": order_pb.TIME_IN_FORCE_GTC,
        "client_order_id": "bad-1",
    }
    return pb.SubmitOrderRequest(**{**base, **fields})


def assert_refused(answer: Answer, field: str) -> None:
    assert answer.code is INVALID, (answer.code, answer.details)
    info = answer.error_info
    assert info is not None and info.domain == "fillgate"
    assert field in {f for f, _ in answer.field_violations}, answer.field_violations


async def order_count(channel: grpc.aio.Channel) -> int:
    method = BY_NAME["fillgate.v1.ExecutionService.ListOrders"]
    raw = await channel.unary_unary(f"/{method.containing_service.full_name}/{method.name}")(
        pb.ListOrdersRequest().SerializeToString()
    )
    return len(pb.ListOrdersResponse.FromString(raw).orders)


@pytest.mark.parametrize("text", ["\u0661", "\uff11", "\U0001d7d9", "\u0663.\u0665"])
async def test_submit_order_unicode_digit_quantity_is_invalid_and_places_nothing(
    channel: grpc.aio.Channel, text: str
) -> None:
    answer = await send(channel, "ExecutionService.SubmitOrder", submit(quantity=text))
    assert_refused(answer, "quantity")
    assert await order_count(channel) == 0


async def test_set_reference_price_full_width_digit_is_invalid_argument(
    channel: grpc.aio.Channel,
) -> None:
    request = admin_pb.SetReferencePriceRequest(symbol="BTC-USD", price="\uff11")
    assert_refused(await send(channel, "AdminService.SetReferencePrice", request), "price")


async def test_replace_order_mathematical_digit_is_invalid_and_keeps_the_order(
    channel: grpc.aio.Channel,
) -> None:
    placed = await send(channel, "ExecutionService.SubmitOrder", submit(client_order_id="r-1"))
    assert placed.code is grpc.StatusCode.OK
    ref = pb.OrderRef(account="paper", client_order_id="r-1")
    answer = await send(
        channel,
        "ExecutionService.ReplaceOrder",
        pb.ReplaceOrderRequest(order=ref, quantity="\U0001d7d9"),
    )
    assert_refused(answer, "quantity")


@pytest.mark.parametrize("text", ["\u00b2", "\u2460"])
@pytest.mark.parametrize(
    ("rpc", "request_of", "field"),
    [
        ("ExecutionService.SubmitOrder", lambda t: submit(quantity=t), "quantity"),
        ("ExecutionService.SubmitOrder", lambda t: submit(limit_price=t), "limit_price"),
        ("ExecutionService.SubmitOrder", lambda t: submit(stop_price=t), "stop_price"),
        (
            "ExecutionService.ReplaceOrder",
            lambda t: pb.ReplaceOrderRequest(order=pb.OrderRef(order_id="O-1"), limit_price=t),
            "limit_price",
        ),
        (
            "AdminService.SetReferencePrice",
            lambda t: admin_pb.SetReferencePriceRequest(symbol="BTC-USD", price=t),
            "price",
        ),
    ],
)
async def test_decimal_field_digit_like_symbol_is_invalid_argument_naming_the_field(
    channel: grpc.aio.Channel, rpc: str, request_of: object, field: str, text: str
) -> None:
    answer = await send(channel, rpc, request_of(text))  # type: ignore[operator]
    assert_refused(answer, field)


@pytest.mark.parametrize(
    ("field", "seconds", "nanos"),
    [
        ("end_time", 253402300800, 0),
        ("end_time", 0, -1),
        ("start_time", -62135596801, 0),
        ("start_time", 1, 1_000_000_000),
    ],
)
async def test_list_executions_timestamp_out_of_range_is_invalid_naming_the_field(
    channel: grpc.aio.Channel, field: str, seconds: int, nanos: int
) -> None:
    request = audit_pb.ListExecutionsRequest()
    getattr(request, field).seconds = seconds
    getattr(request, field).nanos = nanos
    assert_refused(await send(channel, "AuditService.ListExecutions", request), field)


@pytest.mark.parametrize(
    "token", ["seq:\u00b2", "seq:\u0661\u0662", "seq:12", "b3JkZXJzOsKy", "%%%", "x" * 200]
)
@pytest.mark.parametrize("rpc", ["AuditService.ListExecutions", "ExecutionService.ListOrders"])
async def test_list_forged_page_token_is_invalid_naming_page_token(
    channel: grpc.aio.Channel, rpc: str, token: str
) -> None:
    request_type = audit_pb.ListExecutionsRequest if "Executions" in rpc else pb.ListOrdersRequest
    answer = await send(channel, rpc, request_type(page_token=token))
    assert_refused(answer, "page_token")


async def test_list_orders_and_list_executions_page_with_the_same_token_scheme(
    channel: grpc.aio.Channel,
) -> None:
    for n in range(3):
        await send(channel, "ExecutionService.SubmitOrder", submit(client_order_id=f"p-{n}"))
    orders = await send(channel, "ExecutionService.ListOrders", pb.ListOrdersRequest(page_size=1))
    assert orders.code is grpc.StatusCode.OK
    method = BY_NAME["fillgate.v1.ExecutionService.ListOrders"]
    raw = await channel.unary_unary(f"/{method.containing_service.full_name}/{method.name}")(
        pb.ListOrdersRequest(page_size=1).SerializeToString()
    )
    orders_token = pb.ListOrdersResponse.FromString(raw).next_page_token
    method = BY_NAME["fillgate.v1.AuditService.ListExecutions"]
    raw = await channel.unary_unary(f"/{method.containing_service.full_name}/{method.name}")(
        audit_pb.ListExecutionsRequest(page_size=1).SerializeToString()
    )
    executions_token = audit_pb.ListExecutionsResponse.FromString(raw).next_page_token
    assert orders_token and executions_token
    # A token names the list it pages: one list's token is refused by the other.
    swapped = await send(
        channel,
        "AuditService.ListExecutions",
        audit_pb.ListExecutionsRequest(page_token=orders_token),
    )
    assert_refused(swapped, "page_token")
    swapped = await send(
        channel, "ExecutionService.ListOrders", pb.ListOrdersRequest(page_token=executions_token)
    )
    assert_refused(swapped, "page_token")


@pytest.mark.parametrize("method", methods(), ids=lambda m: m.name)
async def test_every_rpc_body_that_is_not_protobuf_is_invalid_argument(
    channel: grpc.aio.Channel, method: object
) -> None:
    answer = await call(channel, method, b"\x0a\x05ab")  # type: ignore[arg-type]
    assert answer.code is INVALID, (answer.code, answer.details)
    assert answer.error_info is not None and answer.error_info.reason == "MALFORMED_REQUEST"


async def test_string_field_that_is_not_utf8_is_invalid_argument(
    channel: grpc.aio.Channel,
) -> None:
    body = submit().SerializeToString() + b"\x0a\x02\xff\xfe"  # account again, not UTF-8
    answer = await send(channel, "ExecutionService.SubmitOrder", body)
    assert answer.code is INVALID
    assert answer.error_info is not None and answer.error_info.reason == "MALFORMED_REQUEST"
    assert await order_count(channel) == 0


async def test_malformed_bodies_log_one_short_line_not_a_traceback_each(
    channel: grpc.aio.Channel, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    for _ in range(50):
        await send(channel, "ExecutionService.SubmitOrder", b"\xff\xff\xff")
    records = [r for r in caplog.records if "malformed" in r.getMessage()]
    assert 1 <= len(records) <= 2
    assert all(r.exc_info is None and len(r.getMessage()) < 300 for r in records)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_submit_order_10kb_account_is_invalid_with_small_trailers(
    channel: grpc.aio.Channel,
) -> None:
    answer = await send(channel, "ExecutionService.SubmitOrder", submit(account="a" * 10_000))
    assert_refused(answer, "account")
    assert answer.trailer_bytes < 2048


async def test_get_positions_1000_unknown_accounts_is_invalid_with_small_trailers(
    channel: grpc.aio.Channel,
) -> None:
    request = pb.GetPositionsRequest(accounts=[f"nobody-{i:04d}" for i in range(1000)])
    answer = await send(channel, "ExecutionService.GetPositions", request)
    assert_refused(answer, "accounts")
    assert answer.trailer_bytes < 2048
    assert len(answer.field_violations) <= 5
