"""Protocol fuzz: every RPC of every fillgate service, bad bodies and bad values.

The RPCs and their fields come from the service descriptors, so a new RPC or
field is fuzzed without touching this file. A seeded generator (``SEED``)
makes every run send the same requests:

- bodies that are not protobuf: random bytes, truncated valid requests, valid
  requests with random bytes changed, overlong varints and lengths, deeply
  nested groups, non-UTF-8 strings;
- bad values in valid requests, field by field: decimals (Unicode digits,
  exponents, NaN, infinities, signs, whitespace, huge, over-precise, empty),
  enums (unspecified, unknown, negative), timestamps out of range, strings
  and lists over the contract's limits; then random combinations of them.

Every answer must be a code other than UNKNOWN and INTERNAL; every error must
carry an ErrorInfo of domain "fillgate" in trailers under 8 KB; no request to
an RPC that changes state may be answered OK (every value sent is bad); and
the observable state (orders, positions, trading state, reference prices,
stream head) must be what it was before the fuzz.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterator

import grpc
import pytest
import pytest_asyncio
from google.protobuf import message_factory
from google.protobuf.descriptor import Descriptor, FieldDescriptor, MethodDescriptor
from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp
from wire import CHANNEL_OPTIONS, Answer, call, methods

from fillgate.app import FillgateServer
from fillgate.v1 import admin_service_pb2 as admin_pb
from fillgate.v1 import audit_service_pb2 as audit_pb
from fillgate.v1 import contingent_service_pb2 as contingent_pb
from fillgate.v1 import execution_service_pb2 as pb
from fillgate.v1 import order_pb2 as order_pb
from fillgate.v1 import risk_service_pb2 as risk_pb
from fillgate.v1 import trading_state_pb2 as ts_pb

SEED = 20261204
# Per RPC; sized so the whole fuzz runs in about 20 s on one core.
RANDOM_BODIES = 300
TRUNCATIONS = 40
FLIPS = 300
COMBINATIONS = 1100
MAX_TRAILERS = 8192

#: RPCs that change state: every fuzzed request to them must be refused.
MUTATING = {
    *("SubmitOrder", "CancelOrder", "ReplaceOrder", "Halt", "Resume", "SetReferencePrice"),
    *("SubmitBracket", "SubmitOrderList"),
}
DECIMAL_FIELDS = {"quantity", "limit_price", "stop_price", "price"}
#: The resting order the fuzz tries to cancel and replace (by client id: bodies never vary).
REST_REF = pb.OrderRef(account="paper", client_order_id="rest")

BAD_DECIMALS = [
    "\u0661",
    "\uff11",
    "\U0001d7d9",
    "\u0663.\u0665",
    "\u00b2",
    "\u2460",
    "\u09ed",
    "1\u0660",
    "\u00bd",
    "1e5",
    "1E5",
    "1e-5",
    "NaN",
    "nan",
    "sNaN",
    "Infinity",
    "-Infinity",
    "inf",
    "+1",
    "-1",
    "--1",
    "+-1",
    "-0",
    " 1",
    "1 ",
    "\t1",
    "1\n",
    "\u00a01",
    "1\u2003",
    ".5",
    "5.",
    ".",
    "-",
    "1,5",
    "1_000",
    "0x10",
    "1.2.3",
    "0",
    "0.0",
    "1" + "0" * 18,
    "9" * 64,
    "9" * 65,
    "0.0000000000001",
    "0.1234567",
    "1" * 10_000,
]
BAD_ENUMS = [0, 99, -1, 2**31 - 1, -(2**31)]
BAD_TIMESTAMPS = [
    (253_402_300_800, 0),
    (0, -1),
    (0, 1_000_000_000),
    (-62_135_596_801, 0),
    (-(2**63), 0),
    (2**63 - 1, 999_999_999),
]
HUGE_STRINGS = ["x" * 300, "\u00e9" * 300, "y" * 10_000, "\U0001d7d9" * 5_000, "z" * 100_000]
BAD_UINTS = [1, 99, 2**32 - 1]


# -- requests -----------------------------------------------------------------


def _bases() -> dict[str, Message]:
    """A valid request per RPC; each fuzzed request is one of these made bad.

    The bases of state-changing RPCs end with a required field, so a truncated
    body is never a valid shorter request.
    """
    return {
        "SubmitOrder": pb.SubmitOrderRequest(
            account="paper",
            symbol="BTC-USD",
            side=order_pb.SIDE_BUY,
            quantity="0.1",
            type=order_pb.ORDER_TYPE_LIMIT,
            limit_price="40000",
            time_in_force=order_pb.TIME_IN_FORCE_GTC,
            client_order_id="fz-1",
        ),
        "CancelOrder": pb.CancelOrderRequest(order=REST_REF),
        "ReplaceOrder": pb.ReplaceOrderRequest(order=REST_REF, limit_price="39000"),
        "GetOrder": pb.GetOrderRequest(order=pb.OrderRef(account="paper", client_order_id="rest")),
        "ListOrders": pb.ListOrdersRequest(
            account="paper", symbol="BTC-USD", states=[order_pb.ORDER_STATE_NEW], page_size=10
        ),
        "StreamFills": pb.StreamFillsRequest(
            accounts=["paper"], symbols=["BTC-USD"], from_sequence=0, heartbeat_interval_ms=1000
        ),
        "GetPositions": pb.GetPositionsRequest(accounts=["paper"], include_flat=True),
        "Halt": pb.HaltRequest(
            scope=ts_pb.HALT_SCOPE_ACCOUNT,
            target="alpha",
            mode=ts_pb.TRADING_MODE_HALTED,
            reason="fuzz",
        ),
        "Resume": pb.ResumeRequest(scope=ts_pb.HALT_SCOPE_SYMBOL, target="ETH-USD", reason="fz"),
        "SetReferencePrice": admin_pb.SetReferencePriceRequest(symbol="BTC-USD", price="50000"),
        "GetRiskState": risk_pb.GetRiskStateRequest(accounts=["paper"]),
        "SubmitBracket": contingent_pb.SubmitBracketRequest(
            account="paper",
            symbol="BTC-USD",
            side=order_pb.SIDE_BUY,
            quantity="0.1",
            type=order_pb.ORDER_TYPE_LIMIT,
            limit_price="40000",
            time_in_force=order_pb.TIME_IN_FORCE_GTC,
            client_order_id="fz-b",
            stop_loss=contingent_pb.ExitPrice(offset="100"),
        ),
        "SubmitOrderList": contingent_pb.SubmitOrderListRequest(
            account="paper",
            symbol="BTC-USD",
            contingency=contingent_pb.CONTINGENCY_OCO,
            client_order_id="fz-l",
            legs=[
                contingent_pb.ListLeg(
                    side=order_pb.SIDE_BUY,
                    quantity="0.1",
                    type=order_pb.ORDER_TYPE_LIMIT,
                    limit_price="40000",
                    time_in_force=order_pb.TIME_IN_FORCE_GTC,
                ),
                contingent_pb.ListLeg(
                    side=order_pb.SIDE_BUY,
                    quantity="0.1",
                    type=order_pb.ORDER_TYPE_STOP,
                    stop_price="60000",
                    time_in_force=order_pb.TIME_IN_FORCE_GTC,
                ),
            ],
        ),
        "ListExecutions": audit_pb.ListExecutionsRequest(
            account="paper",
            start_time=Timestamp(seconds=0),
            end_time=Timestamp(seconds=4_102_444_800),  # 2100-01-01
            page_size=10,
        ),
    }


def _base(method: MethodDescriptor, bases: dict[str, Message]) -> Message:
    base = bases.get(method.name)
    if base is not None:
        return base
    return message_factory.GetMessageClass(method.input_type)()  # a new RPC: its empty request


Mutation = Callable[[Message], None]


def _leaf(message: Message, path: list[FieldDescriptor]) -> tuple[Message, FieldDescriptor]:
    for field in path[:-1]:
        message = getattr(message, field.name)
    return message, path[-1]


def _fields(
    descriptor: Descriptor, prefix: list[FieldDescriptor]
) -> Iterator[list[FieldDescriptor]]:
    for field in descriptor.fields:
        path = [*prefix, field]
        kind = field.message_type
        nested = kind is not None and not kind.GetOptions().map_entry and not field.is_repeated
        if nested and kind.full_name != Timestamp.DESCRIPTOR.full_name:
            yield from _fields(kind, path)  # OrderRef and the like: fuzz its fields
        else:
            yield path


def _bad_values(path: list[FieldDescriptor], base: Message) -> Iterator[tuple[str, Mutation]]:
    """Yield (label, mutation) for every bad value that fits the field at ``path``."""
    field = path[-1]
    name = ".".join(f.name for f in path)
    kind = field.message_type

    def setter(value: object) -> Mutation:
        def mutate(message: Message) -> None:
            owner, leaf = _leaf(message, path)
            if leaf.is_repeated and kind is not None and kind.GetOptions().map_entry:
                target = getattr(owner, leaf.name)
                target.clear()
                target.update(value)
            elif leaf.is_repeated and kind is not None:  # repeated messages: add empty ones
                target = getattr(owner, leaf.name)
                del target[:]
                for _ in range(value):  # type: ignore[call-overload]
                    target.add()
            elif leaf.is_repeated:
                target = getattr(owner, leaf.name)
                del target[:]
                target.extend(value)  # type: ignore[arg-type]
            elif kind is not None:  # a Timestamp
                seconds, nanos = value  # type: ignore[misc]
                getattr(owner, leaf.name).seconds = seconds
                getattr(owner, leaf.name).nanos = nanos
            else:
                setattr(owner, leaf.name, value)

        return mutate

    owner, _ = _leaf(base, path)
    if kind is not None and kind.GetOptions().map_entry:
        for label, value in [
            ("17 entries", {f"k{i}": "v" for i in range(17)}),
            ("1000 entries", {f"k{i}": "v" for i in range(1000)}),
            ("huge key", {"k" * 300: "v"}),
            ("huge value", {"k": "v" * 300}),
            ("empty key", {"": "v"}),
        ]:
            yield f"{name}: {label}", setter(value)
    elif kind is not None and field.is_repeated:
        for count in (1, 17, 1000):
            yield f"{name}: {count} empty items", setter(count)
    elif kind is not None:
        for value in BAD_TIMESTAMPS:
            yield f"{name}: timestamp {value}", setter(value)
    elif field.is_repeated and field.type == FieldDescriptor.TYPE_ENUM:
        for value in [[99], [0], [-1], [2] * 17]:
            yield f"{name}: {value[:2]}", setter(value)
    elif field.is_repeated:
        for label, value in [
            ("101 items", [f"a{i}" for i in range(101)]),
            ("1000 items", [f"a{i}" for i in range(1000)]),
            ("a huge item", ["q" * 300]),
            ("a 10 KB item", ["q" * 10_000]),
        ]:
            yield f"{name}: {label}", setter(value)
    elif field.type == FieldDescriptor.TYPE_STRING and field.name in DECIMAL_FIELDS:
        empty_is_bad = bool(getattr(owner, field.name))  # optional decimals may be empty
        for text in BAD_DECIMALS if empty_is_bad else BAD_DECIMALS[1:]:
            yield f"{name}: {text[:12]!r}", setter(text)
        if empty_is_bad:
            yield f"{name}: empty", setter("")
    elif field.type == FieldDescriptor.TYPE_STRING:
        for text in HUGE_STRINGS:
            yield f"{name}: {len(text)} characters", setter(text)
    elif field.type == FieldDescriptor.TYPE_ENUM:
        for value in BAD_ENUMS:
            yield f"{name}: {value}", setter(value)
    elif field.type == FieldDescriptor.TYPE_UINT32:
        for value in BAD_UINTS:
            yield f"{name}: {value}", setter(value)
    elif field.type == FieldDescriptor.TYPE_UINT64:
        yield f"{name}: 2**64-1", setter(2**64 - 1)


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _decodes(kind: type[Message], body: bytes) -> bool:
    try:
        kind.FromString(body)
    except Exception:  # DecodeError, or whatever else the backend raises
        return False
    return True


def _malformed(base: Message, rng: random.Random) -> Iterator[tuple[str, bytes]]:
    body = base.SerializeToString()
    for i in range(RANDOM_BODIES):
        yield f"random bytes #{i}", rng.randbytes(rng.randint(1, 200))
    if len(body) > 1:
        for cut in sorted(rng.sample(range(1, len(body)), min(TRUNCATIONS, len(body) - 1))):
            yield f"truncated at {cut}/{len(body)}", body[:cut]
    for i in range(FLIPS if body else 0):
        flipped = bytearray(body)
        for _ in range(rng.randint(1, 4)):
            flipped[rng.randrange(len(flipped))] = rng.randrange(256)
        if not _decodes(type(base), bytes(flipped)):  # else it is just another request
            yield f"changed bytes #{i}", bytes(flipped)
    yield "overlong varint", b"\x08" + b"\xff" * 11
    yield "length past the end", b"\x0a\xff\xff\xff\xff\x0f"
    yield "deeply nested groups", b"\x0b" * 10_000
    yield "end group without start", b"\x0c"
    yield "field number zero", b"\x02\x01a"
    for field in base.DESCRIPTOR.fields:
        if field.type == FieldDescriptor.TYPE_STRING:
            bad = b"\xff\xfe\xc3("
            tag = _varint(field.number << 3 | 2)
            yield f"{field.name}: not UTF-8", body + tag + _varint(len(bad)) + bad


def _cases(
    method: MethodDescriptor, bases: dict[str, Message], rng: random.Random
) -> Iterator[tuple[str, bytes]]:
    base = _base(method, bases)
    yield from _malformed(base, rng)
    mutations = [m for path in _fields(base.DESCRIPTOR, []) for m in _bad_values(path, base)]
    for label, mutate in mutations:
        request = type(base)()
        request.CopyFrom(base)
        mutate(request)
        yield label, request.SerializeToString()
    for _ in range(COMBINATIONS if mutations else 0):
        picked = rng.sample(mutations, min(len(mutations), rng.randint(2, 3)))
        request = type(base)()
        request.CopyFrom(base)
        for _, mutate in picked:
            mutate(request)
        yield " + ".join(label for label, _ in picked), request.SerializeToString()


# -- the server's observable state ---------------------------------------------------


async def _unary(channel: grpc.aio.Channel, name: str, request: Message, out: type) -> Message:
    raw = await channel.unary_unary(name)(request.SerializeToString(), timeout=10)
    return out.FromString(raw)  # type: ignore[no-any-return]


async def _state(channel: grpc.aio.Channel) -> tuple[bytes, ...]:
    """What a client can see: orders, positions, trading state, prices, stream head."""
    orders = await _unary(
        channel,
        "/fillgate.v1.ExecutionService/ListOrders",
        pb.ListOrdersRequest(page_size=1000),
        pb.ListOrdersResponse,
    )
    positions = await _unary(
        channel,
        "/fillgate.v1.ExecutionService/GetPositions",
        pb.GetPositionsRequest(include_flat=True),
        pb.GetPositionsResponse,
    )
    trading = await _unary(
        channel,
        "/fillgate.v1.ExecutionService/GetTradingState",
        pb.GetTradingStateRequest(),
        pb.GetTradingStateResponse,
    )
    symbols = await _unary(
        channel,
        "/fillgate.v1.AdminService/ListSymbols",
        admin_pb.ListSymbolsRequest(),
        admin_pb.ListSymbolsResponse,
    )
    stream = channel.unary_stream("/fillgate.v1.ExecutionService/StreamFills")(
        pb.StreamFillsRequest().SerializeToString(), timeout=10
    )
    ack = pb.StreamFillsResponse.FromString(await stream.read())
    stream.cancel()
    return (
        orders.SerializeToString(deterministic=True),
        positions.SerializeToString(deterministic=True),
        trading.SerializeToString(deterministic=True),
        symbols.SerializeToString(deterministic=True),
        str(ack.subscribed.head_sequence).encode(),
    )


@pytest_asyncio.fixture
async def channel(server: FillgateServer) -> AsyncIterator[grpc.aio.Channel]:
    async with grpc.aio.insecure_channel(f"127.0.0.1:{server.port}", options=CHANNEL_OPTIONS) as ch:
        yield ch


async def _seed_state(channel: grpc.aio.Channel) -> None:
    """Some state to keep: a resting order (``REST_REF``), a filled one, a halt."""
    await _unary(
        channel,
        "/fillgate.v1.ExecutionService/SubmitOrder",
        pb.SubmitOrderRequest(
            account="paper",
            symbol="BTC-USD",
            side=order_pb.SIDE_BUY,
            quantity="0.5",
            type=order_pb.ORDER_TYPE_LIMIT,
            limit_price="45000",
            time_in_force=order_pb.TIME_IN_FORCE_GTC,
            client_order_id="rest",
        ),
        pb.SubmitOrderResponse,
    )
    await _unary(
        channel,
        "/fillgate.v1.ExecutionService/SubmitOrder",
        pb.SubmitOrderRequest(
            account="paper",
            symbol="ETH-USD",
            side=order_pb.SIDE_SELL,
            quantity="2",
            type=order_pb.ORDER_TYPE_MARKET,
            time_in_force=order_pb.TIME_IN_FORCE_GTC,
            client_order_id="filled",
        ),
        pb.SubmitOrderResponse,
    )
    await _unary(
        channel,
        "/fillgate.v1.ExecutionService/Halt",
        pb.HaltRequest(
            scope=ts_pb.HALT_SCOPE_STRATEGY,
            target="strat-x",
            mode=ts_pb.TRADING_MODE_REDUCING,
            reason="seed",
        ),
        pb.HaltResponse,
    )


def _problem(method: MethodDescriptor, answer: Answer) -> str | None:
    if answer.code in (grpc.StatusCode.UNKNOWN, grpc.StatusCode.INTERNAL):
        return f"answered {answer.code.name}: {answer.details[:200]}"
    if answer.code is grpc.StatusCode.OK:
        return "a state-changing RPC accepted a bad request" if method.name in MUTATING else None
    info = answer.error_info
    if info is None or info.domain != "fillgate" or not info.reason:
        return f"{answer.code.name} without a fillgate ErrorInfo: {answer.details[:200]}"
    if answer.trailer_bytes >= MAX_TRAILERS:
        return f"trailers of {answer.trailer_bytes} bytes"
    return None


async def test_protocol_fuzz_every_rpc_refuses_bad_input_cleanly_and_keeps_state(
    channel: grpc.aio.Channel, capsys: pytest.CaptureFixture[str]
) -> None:
    rng = random.Random(SEED)
    await _seed_state(channel)
    bases = _bases()
    before = await _state(channel)
    codes: Counter[str] = Counter()
    problems: list[str] = []
    largest = 0
    started = time.monotonic()
    for method in methods():
        for label, body in _cases(method, bases, rng):
            answer = await call(channel, method, body)
            codes[answer.code.name] += 1
            if answer.code is not grpc.StatusCode.OK:
                largest = max(largest, answer.trailer_bytes)
            problem = _problem(method, answer)
            if problem is not None and len(problems) < 20:
                problems.append(f"{method.name} [{label}]: {problem}")
        if await _state(channel) != before:
            problems.append(f"{method.name}: the observable state changed")
            before = await _state(channel)
    with capsys.disabled():
        print(
            f"\nprotocol fuzz: {sum(codes.values())} requests in "
            f"{time.monotonic() - started:.1f} s, by status: "
            + ", ".join(f"{code} {n}" for code, n in codes.most_common())
            + f"; largest error trailers {largest} bytes"
        )
    assert not problems, "\n".join(problems)
    assert codes["INVALID_ARGUMENT"] > 0
