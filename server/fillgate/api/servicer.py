"""Thin servicers: convert the request, call one engine/streams function, convert the answer."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import replace
from typing import ClassVar

from google.protobuf.descriptor import ServiceDescriptor

from fillgate.api import commands, convert, wire
from fillgate.api.authorization import current, readable_accounts, who
from fillgate.api.errors import (
    Context,
    stateless,
    translated,
    translated_durable_by_engine,
    translated_stream,
)
from fillgate.book.positions import AccountSnapshot
from fillgate.domain.commands import CancelOrder, SubmitOrder
from fillgate.engine.engine import Engine, SubmitResult
from fillgate.engine.history import stream_events_between
from fillgate.engine.kill_switch import KillSwitch
from fillgate.engine.queries import list_orders
from fillgate.streams.bus import BusEvent
from fillgate.streams.subscribe import Batch, Opened, follow
from fillgate.v1 import admin_service_pb2 as admin_pb
from fillgate.v1 import admin_service_pb2_grpc as admin_grpc
from fillgate.v1 import execution_service_pb2 as pb
from fillgate.v1 import execution_service_pb2_grpc as pb_grpc
from fillgate.v1 import position_pb2 as pos_pb

SHARED_MESSAGES = 4096


class ExecutionServicer(pb_grpc.ExecutionServiceServicer):  # type: ignore[misc]
    """fillgate.v1.ExecutionService."""

    service: ClassVar[ServiceDescriptor] = pb.DESCRIPTOR.services_by_name["ExecutionService"]

    def __init__(
        self,
        engine: Engine,
        kill_switch: KillSwitch,
        submit: Callable[[SubmitOrder], Awaitable[SubmitResult]] | None = None,
    ) -> None:
        self._engine = engine
        self._kill_switch = kill_switch
        #: A client's SubmitOrder: under the ``require_stop_loss`` policy when given.
        self._submit = submit or engine.submit
        # GetPositions answers from immutable snapshots, so a snapshot's proto can be reused.
        self._positions_cache: dict[
            tuple[str, bool], tuple[AccountSnapshot, pos_pb.AccountPositions]
        ] = {}
        # Every live consumer gets the same event: serialize it once (api/wire.py).
        self._messages: OrderedDict[int, bytes] = OrderedDict()

    def _message(self, item: BusEvent) -> bytes:
        message = self._messages.get(item.sequence)
        if message is None:
            message = convert.stream_message(item).SerializeToString()
            self._messages[item.sequence] = message
            if len(self._messages) > SHARED_MESSAGES:
                self._messages.popitem(last=False)
        return message

    @translated_durable_by_engine
    async def SubmitOrder(
        self, request: pb.SubmitOrderRequest, context: Context
    ) -> pb.SubmitOrderResponse:
        # A strategy-bound principal stamps its strategy (the guard refused any other).
        command = commands.submit_order(request, who(), current().strategy_id)
        result = await self._submit(command)
        return pb.SubmitOrderResponse(order=convert.order(result.order), duplicate=result.duplicate)

    @translated_durable_by_engine
    async def CancelOrder(
        self, request: pb.CancelOrderRequest, context: Context
    ) -> pb.CancelOrderResponse:
        order = await self._engine.cancel(
            CancelOrder(ref=commands.order_ref(request.order), by=who())
        )
        return pb.CancelOrderResponse(order=convert.order(order))

    @translated_durable_by_engine
    async def ReplaceOrder(
        self, request: pb.ReplaceOrderRequest, context: Context
    ) -> pb.ReplaceOrderResponse:
        order = await self._engine.replace(commands.replace_order(request, who()))
        return pb.ReplaceOrderResponse(order=convert.order(order))

    @translated
    async def GetOrder(self, request: pb.GetOrderRequest, context: Context) -> pb.GetOrderResponse:
        order = self._engine.resolve(commands.order_ref(request.order))
        return pb.GetOrderResponse(order=convert.order(order))

    @translated
    async def ListOrders(
        self, request: pb.ListOrdersRequest, context: Context
    ) -> pb.ListOrdersResponse:
        query, page = commands.list_orders(request)
        if not query.account:
            readable = readable_accounts(current(), (), self._engine.universe.accounts)
            if readable:
                query = replace(query, readable=frozenset(readable))
        found = list_orders(self._engine, query, page)
        return pb.ListOrdersResponse(
            orders=[convert.order(o) for o in found.items],
            next_page_token=convert.next_page_token("orders", found),
        )

    @translated_stream
    async def StreamFills(
        self, request: pb.StreamFillsRequest, context: Context
    ) -> AsyncIterator[pb.StreamFillsResponse | bytes]:
        engine = self._engine
        query = commands.stream_fills(request, engine.universe.accounts, engine.universe.symbols)
        readable = readable_accounts(current(), query.accounts, engine.universe.accounts)
        if readable and not query.accounts:
            query = replace(query, accounts=frozenset(readable))
        journal = engine.journal
        history = None
        if journal is not None:
            path = journal.path

            def history(after: int, up_to: int) -> AsyncIterator[BusEvent]:
                return stream_events_between(path, engine.state.blank(), after, up_to)

        async for item in follow(engine.bus, query, history):
            if type(item) is BusEvent:
                yield self._message(item)
            elif type(item) is Batch:
                yield wire.batch([self._message(e) for e in item.events])
            elif type(item) is Opened:
                yield convert.subscription_ack(item)
            else:
                yield convert.heartbeat(item, engine.clock.now_ns())  # type: ignore[arg-type]

    @translated
    async def GetPositions(
        self, request: pb.GetPositionsRequest, context: Context
    ) -> pb.GetPositionsResponse:
        configured = self._engine.universe.accounts
        accounts = commands.accounts(request.accounts, configured)
        accounts = readable_accounts(current(), accounts, configured) or accounts
        out = []
        for snap in self._engine.book.snapshots(accounts):
            key = (snap.account, request.include_flat)
            cached = self._positions_cache.get(key)
            if cached is None or cached[0] is not snap:
                cached = (snap, convert.account_positions(snap, request.include_flat))
                self._positions_cache[key] = cached
            out.append(cached[1])
        return pb.GetPositionsResponse(accounts=out)

    @translated
    async def Halt(self, request: pb.HaltRequest, context: Context) -> pb.HaltResponse:
        result = await self._kill_switch.halt(
            replace(commands.halt(request), requested_by=who() or request.requested_by)
        )
        return pb.HaltResponse(
            restriction=convert.restriction(result.restriction),
            canceled_orders=[convert.order(o) for o in result.canceled],
            flatten_orders=[convert.order(o) for o in result.flattened],
        )

    @translated
    async def Resume(self, request: pb.ResumeRequest, context: Context) -> pb.ResumeResponse:
        left = self._kill_switch.resume(
            replace(commands.resume(request), requested_by=who() or request.requested_by)
        )
        return pb.ResumeResponse(restrictions=[convert.restriction(r) for r in left])

    @translated
    async def GetTradingState(
        self, request: pb.GetTradingStateRequest, context: Context
    ) -> pb.GetTradingStateResponse:
        return pb.GetTradingStateResponse(
            restrictions=[convert.restriction(r) for r in self._engine.trading.restrictions()]
        )


class AdminServicer(admin_grpc.AdminServiceServicer):  # type: ignore[misc]
    """fillgate.v1.AdminService."""

    service: ClassVar[ServiceDescriptor] = admin_pb.DESCRIPTOR.services_by_name["AdminService"]

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    @translated
    async def SetReferencePrice(
        self, request: admin_pb.SetReferencePriceRequest, context: Context
    ) -> admin_pb.SetReferencePriceResponse:
        state = self._engine.set_reference_price(
            replace(commands.set_reference_price(request), by=who())
        )
        return admin_pb.SetReferencePriceResponse(symbol=convert.symbol_info(state))

    @translated
    async def ListSymbols(
        self, request: admin_pb.ListSymbolsRequest, context: Context
    ) -> admin_pb.ListSymbolsResponse:
        return admin_pb.ListSymbolsResponse(
            symbols=[convert.symbol_info(s) for s in self._engine.symbols()]
        )

    @stateless
    async def Ping(self, request: admin_pb.PingRequest, context: Context) -> admin_pb.PingResponse:
        return admin_pb.PingResponse()
