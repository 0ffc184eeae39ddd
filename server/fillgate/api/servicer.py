"""Thin servicers: convert the request, call the engine, convert the answer."""

from __future__ import annotations

import base64
from collections import OrderedDict
from collections.abc import AsyncIterator
from typing import Any

from fillgate.api import convert
from fillgate.api.errors import translated, translated_stream
from fillgate.book.positions import AccountSnapshot
from fillgate.domain.commands import CancelOrder
from fillgate.domain.enums import OrderState
from fillgate.domain.errors import (
    InvalidArgument,
    OutOfRange,
    ResourceExhausted,
    Unavailable,
    Violations,
)
from fillgate.engine.engine import Engine
from fillgate.engine.history import stream_events_between
from fillgate.engine.kill_switch import KillSwitch
from fillgate.streams.bus import OVERFLOW, BusEvent, SubscriptionClosed
from fillgate.v1 import admin_service_pb2 as admin_pb
from fillgate.v1 import admin_service_pb2_grpc as admin_grpc
from fillgate.v1 import execution_service_pb2 as pb
from fillgate.v1 import execution_service_pb2_grpc as pb_grpc

Context = Any  # grpc.aio.ServicerContext

DEFAULT_PAGE = 100
MAX_PAGE = 1000
DEFAULT_HEARTBEAT_MS = 5000
MIN_HEARTBEAT_MS = 100
SHARED_MESSAGES = 4096


def _page_token(index: int) -> str:
    return base64.urlsafe_b64encode(f"orders:{index}".encode()).decode()


def _page_start(token: str) -> int:
    if not token:
        return 0
    try:
        kind, _, index = base64.urlsafe_b64decode(token.encode()).decode().partition(":")
        if kind == "orders" and index.isdigit():
            return int(index)
    except (ValueError, UnicodeDecodeError):
        pass
    raise InvalidArgument([("page_token", "is not a token this server issued")])


class ExecutionServicer(pb_grpc.ExecutionServiceServicer):  # type: ignore[misc]
    """fillgate.v1.ExecutionService."""

    def __init__(self, engine: Engine, kill_switch: KillSwitch) -> None:
        self._engine = engine
        self._kill_switch = kill_switch
        # GetPositions answers from immutable snapshots, so a snapshot's proto can be reused.
        self._positions_cache: dict[tuple[str, bool], tuple[AccountSnapshot, Any]] = {}
        # Every live consumer gets the same event: convert it to protobuf once.
        self._messages: OrderedDict[int, pb.StreamFillsResponse] = OrderedDict()

    def _message(self, item: BusEvent) -> pb.StreamFillsResponse:
        message = self._messages.get(item.sequence)
        if message is None:
            message = self._messages[item.sequence] = convert.stream_message(item)
            if len(self._messages) > SHARED_MESSAGES:
                self._messages.popitem(last=False)
        return message

    @translated
    async def SubmitOrder(self, request: Any, context: Context) -> pb.SubmitOrderResponse:
        result = await self._engine.submit(convert.submit_order(request))
        return pb.SubmitOrderResponse(order=convert.order(result.order), duplicate=result.duplicate)

    @translated
    async def CancelOrder(self, request: Any, context: Context) -> pb.CancelOrderResponse:
        order = await self._engine.cancel(CancelOrder(ref=convert.order_ref(request.order)))
        return pb.CancelOrderResponse(order=convert.order(order))

    @translated
    async def ReplaceOrder(self, request: Any, context: Context) -> pb.ReplaceOrderResponse:
        order = await self._engine.replace(convert.replace_order(request))
        return pb.ReplaceOrderResponse(order=convert.order(order))

    @translated
    async def GetOrder(self, request: Any, context: Context) -> pb.GetOrderResponse:
        order = self._engine.resolve(convert.order_ref(request.order))
        return pb.GetOrderResponse(order=convert.order(order))

    @translated
    async def ListOrders(self, request: Any, context: Context) -> pb.ListOrdersResponse:
        v = Violations()
        if request.page_size > MAX_PAGE:
            v.add("page_size", f"must be at most {MAX_PAGE}")
        states = set()
        for s in request.states:
            try:
                states.add(OrderState(s))
            except ValueError:
                v.add("states", f"{s} is not a filterable order state")
        start = _page_start(request.page_token)
        v.raise_if_any()
        size = request.page_size or DEFAULT_PAGE
        out: list[Any] = []
        next_token = ""
        for index, order in self._engine.orders(start):
            if (
                (request.account and order.account != request.account)
                or (request.symbol and order.symbol != request.symbol)
                or (states and order.state not in states)
                or (request.open_only and not order.is_open)
            ):
                continue
            if len(out) == size:
                next_token = _page_token(index)
                break
            out.append(convert.order(order))
        return pb.ListOrdersResponse(orders=out, next_page_token=next_token)

    @translated_stream
    async def StreamFills(
        self, request: Any, context: Context
    ) -> AsyncIterator[pb.StreamFillsResponse]:
        v = Violations()
        config = self._engine.universe
        v.require_known("accounts", request.accounts, config.accounts, "account")
        v.require_known("symbols", request.symbols, config.symbols, "symbol")
        interval_ms = request.heartbeat_interval_ms or DEFAULT_HEARTBEAT_MS
        if interval_ms < MIN_HEARTBEAT_MS:
            v.add("heartbeat_interval_ms", f"must be at least {MIN_HEARTBEAT_MS}")
        v.raise_if_any()
        bus = self._engine.bus
        from_sequence = request.from_sequence if request.HasField("from_sequence") else None
        history: AsyncIterator[BusEvent] | None = None
        journal = self._engine.journal
        try:
            sub = bus.subscribe(request.accounts, request.symbols, from_sequence)
        except OutOfRange as exc:
            if exc.reason != "SEQUENCE_NOT_RETAINED" or journal is None:
                raise
            # Older than memory: go live first, then read the gap from the journal, so
            # nothing can fall between the history and the live queue.
            assert from_sequence is not None
            sub = bus.subscribe(request.accounts, request.symbols)
            history = stream_events_between(
                journal.path, self._engine.state.blank(), from_sequence, bus.head
            )
        try:
            first = bus.head + 1 if from_sequence is None else from_sequence + 1
            yield pb.StreamFillsResponse(
                subscribed=pb.SubscriptionAck(
                    subscription_id=sub.id, head_sequence=bus.head, first_sequence=first
                )
            )
            timeout = interval_ms / 1000
            last = first - 1
            if history is not None:
                async for old in history:
                    if sub.matches(old):
                        last = old.sequence
                        yield convert.stream_message(old)
            while True:
                item = await sub.next(timeout)
                if item is None:
                    yield pb.StreamFillsResponse(
                        heartbeat=pb.Heartbeat(
                            head_sequence=bus.head,
                            server_time=convert.timestamp(self._engine.clock.now_ns()),
                        )
                    )
                    continue
                last = item.sequence
                yield self._message(item)
        except SubscriptionClosed as closed:
            if closed.reason == OVERFLOW:
                raise ResourceExhausted(
                    "SUBSCRIBER_TOO_SLOW",
                    f"the stream fell {bus.queue_size} events behind; "
                    f"resume with from_sequence={last}",
                    {"last_sequence": str(last)},
                ) from None
            raise Unavailable(
                "SERVER_SHUTTING_DOWN",
                f"the server is shutting down; resume with from_sequence={last}",
                {"last_sequence": str(last)},
            ) from None
        finally:
            sub.close()

    @translated
    async def GetPositions(self, request: Any, context: Context) -> pb.GetPositionsResponse:
        book = self._engine.book
        v = Violations()
        v.require_known("accounts", request.accounts, self._engine.universe.accounts, "account")
        v.raise_if_any()
        out = []
        for snap in book.snapshots(request.accounts):
            key = (snap.account, request.include_flat)
            cached = self._positions_cache.get(key)
            if cached is None or cached[0] is not snap:
                cached = (snap, convert.account_positions(snap, request.include_flat))
                self._positions_cache[key] = cached
            out.append(cached[1])
        return pb.GetPositionsResponse(accounts=out)

    @translated
    async def Halt(self, request: Any, context: Context) -> pb.HaltResponse:
        result = await self._kill_switch.halt(convert.halt(request))
        return pb.HaltResponse(
            restriction=convert.restriction(result.restriction),
            canceled_orders=[convert.order(o) for o in result.canceled],
            flatten_orders=[convert.order(o) for o in result.flattened],
        )

    @translated
    async def Resume(self, request: Any, context: Context) -> pb.ResumeResponse:
        left = self._kill_switch.resume(convert.resume(request))
        await self._engine.durable()
        return pb.ResumeResponse(restrictions=[convert.restriction(r) for r in left])

    @translated
    async def GetTradingState(self, request: Any, context: Context) -> pb.GetTradingStateResponse:
        return pb.GetTradingStateResponse(
            restrictions=[convert.restriction(r) for r in self._engine.trading.restrictions()]
        )


class AdminServicer(admin_grpc.AdminServiceServicer):  # type: ignore[misc]
    """fillgate.v1.AdminService."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    @translated
    async def SetReferencePrice(
        self, request: Any, context: Context
    ) -> admin_pb.SetReferencePriceResponse:
        state = self._engine.set_reference_price(convert.set_reference_price(request))
        await self._engine.durable()
        return admin_pb.SetReferencePriceResponse(symbol=convert.symbol_info(state))

    @translated
    async def ListSymbols(self, request: Any, context: Context) -> admin_pb.ListSymbolsResponse:
        return admin_pb.ListSymbolsResponse(
            symbols=[convert.symbol_info(s) for s in self._engine.symbols()]
        )

    async def Ping(self, request: Any, context: Context) -> admin_pb.PingResponse:
        return admin_pb.PingResponse()
