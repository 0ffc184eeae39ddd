"""fillgate.v1.ContingentService: brackets (entry + stop-loss + take-profits) and order lists."""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar

from google.protobuf.descriptor import ServiceDescriptor

from fillgate.api import commands, convert
from fillgate.api.authorization import current, who
from fillgate.api.errors import Context, translated
from fillgate.contingent.order_list import MAX_LEGS, Leg, kind_of
from fillgate.contingent.spec import BracketSpec, Exit, ExitKind, TakeProfit
from fillgate.contingent.trailing import StopTerms
from fillgate.domain.commands import SubmitOrder
from fillgate.domain.errors import InvalidArgument, NotFound, Violations
from fillgate.domain.values import DecimalFormatError, fmt, parse_decimal
from fillgate.engine.brackets import Brackets
from fillgate.engine.engine import Engine
from fillgate.engine.list_view import OrderList
from fillgate.v1 import contingent_service_pb2 as pb
from fillgate.v1 import contingent_service_pb2_grpc as pb_grpc
from fillgate.v1 import execution_service_pb2 as exec_pb

_STATES = {
    "ACTIVE": pb.ORDER_LIST_STATE_ACTIVE,
    "DONE": pb.ORDER_LIST_STATE_DONE,
    "CANCELED": pb.ORDER_LIST_STATE_CANCELED,
}


class ContingentServicer(pb_grpc.ContingentServiceServicer):  # type: ignore[misc]
    """fillgate.v1.ContingentService."""

    service: ClassVar[ServiceDescriptor] = pb.DESCRIPTOR.services_by_name["ContingentService"]

    def __init__(self, engine: Engine, brackets: Brackets) -> None:
        self._engine = engine  # ``translated`` waits on its durability
        self._brackets = brackets

    @translated
    async def SubmitBracket(
        self, request: pb.SubmitBracketRequest, context: Context
    ) -> pb.SubmitBracketResponse:
        entry, spec = bracket(request)
        placed = await self._brackets.submit(entry, spec)
        return pb.SubmitBracketResponse(order_list=order_list(placed))

    @translated
    async def SubmitOrderList(
        self, request: pb.SubmitOrderListRequest, context: Context
    ) -> pb.SubmitOrderListResponse:
        kind, first, legs = order_list_request(request)
        placed = await self._brackets.submit_list(kind, first, legs)
        return pb.SubmitOrderListResponse(order_list=order_list(placed))

    @translated
    async def GetOrderList(
        self, request: pb.GetOrderListRequest, context: Context
    ) -> pb.GetOrderListResponse:
        if not request.list_id:
            v = Violations()
            v.add("list_id", "is required")
            v.raise_if_any()
        found = self._brackets.get(request.list_id)
        if not current().can_read(found.entry.account):  # as if it did not exist
            raise NotFound(
                "ORDER_LIST_NOT_FOUND",
                f"no order list {request.list_id}",
                {"list_id": request.list_id},
            )
        return pb.GetOrderListResponse(order_list=order_list(found))

    @translated
    async def CancelOrderList(
        self, request: pb.CancelOrderListRequest, context: Context
    ) -> pb.CancelOrderListResponse:
        """End a list: journaled, its working members canceled, never re-armed (the guard
        checked trade:<the list's account>)."""
        list_id = _list_id(request.list_id)
        found = self._brackets.get(list_id)  # NotFound for an unknown id
        if request.account and request.account != found.entry.account:
            raise NotFound("ORDER_LIST_NOT_FOUND", f"no order list {list_id}", {"list_id": list_id})
        ended = await self._brackets.cancel_list(list_id, who())
        return pb.CancelOrderListResponse(order_list=order_list(ended))


#: The longest list id a request may carry (ids are the entries' order ids).
MAX_LIST_ID = 64


def _list_id(text: str) -> str:
    v = Violations()
    if not text:
        v.add("list_id", "is required")
    elif len(text) > MAX_LIST_ID:
        v.add("list_id", f"at most {MAX_LIST_ID} characters")
    v.raise_if_any()
    return text


_KINDS = {pb.CONTINGENCY_OCO: "oco", pb.CONTINGENCY_OUO: "ouo", pb.CONTINGENCY_OTO: "oto"}


def order_list_request(request: pb.SubmitOrderListRequest) -> tuple[str, SubmitOrder, list[Leg]]:
    """Convert a request: the kind, the first leg as a SubmitOrder, the other legs' terms."""
    v = Violations()
    kind = _KINDS.get(request.contingency, "")
    if not kind:
        v.add("contingency", "is required: CONTINGENCY_OCO, _OUO or _OTO")
    if not 2 <= len(request.legs) <= MAX_LEGS:
        v.add("legs", f"a list has 2 to {MAX_LEGS} legs")
    commands_: list[SubmitOrder] = []
    for i, leg in enumerate(request.legs[:MAX_LEGS]):
        try:
            commands_.append(
                commands.submit_order(
                    exec_pb.SubmitOrderRequest(
                        account=request.account,
                        symbol=request.symbol,
                        side=leg.side,
                        quantity=leg.quantity,
                        type=leg.type,
                        limit_price=leg.limit_price,
                        stop_price=leg.stop_price,
                        time_in_force=leg.time_in_force,
                        client_order_id=request.client_order_id,
                        strategy_id=request.strategy_id,
                    ),
                    who(),
                    current().strategy_id,
                )
            )
        except InvalidArgument as exc:
            for field, text in exc.violations:
                v.add(field if field in _LIST_FIELDS else f"legs[{i}].{field}", text)
    v.raise_if_any()
    first, *rest = commands_
    legs = [
        Leg(c.side, c.type, c.quantity, c.time_in_force, c.limit_price, c.stop_price) for c in rest
    ]
    return kind, first, legs


#: Fields of a leg's SubmitOrder that come from the list itself.
_LIST_FIELDS = frozenset({"account", "symbol", "client_order_id", "strategy_id"})


def bracket(request: pb.SubmitBracketRequest) -> tuple[SubmitOrder, BracketSpec]:
    """Convert a request: the entry as a SubmitOrder, the exits as a spec; name every bad field."""
    v = Violations()
    stop = _exit(v, "stop_loss", request.stop_loss if request.HasField("stop_loss") else None)
    rungs = []
    for i, tp in enumerate(request.take_profits):
        where = _exit(v, f"take_profits[{i}].exit", tp.exit if tp.HasField("exit") else None)
        quantity = _positive(v, f"take_profits[{i}].quantity", tp.quantity)
        fraction = _positive(v, f"take_profits[{i}].fraction", tp.fraction)
        if bool(tp.quantity) == bool(tp.fraction):
            v.add(f"take_profits[{i}]", "set exactly one of quantity and fraction")
        if where is not None:
            rungs.append(TakeProfit(where, quantity=quantity, fraction=fraction))
    entry = None
    try:
        entry = commands.submit_order(
            exec_pb.SubmitOrderRequest(
                account=request.account,
                symbol=request.symbol,
                side=request.side,
                quantity=request.quantity,
                type=request.type,
                limit_price=request.limit_price,
                time_in_force=request.time_in_force,
                client_order_id=request.client_order_id,
                strategy_id=request.strategy_id,
                tags=request.tags,
                expire_after=request.expire_after,
            ),
            who(),
            current().strategy_id,
        )
    except InvalidArgument as exc:  # the entry's own fields, reported with the exits'
        for field, text in exc.violations:
            v.add(field, text)
    terms = _terms(v, request)
    v.raise_if_any()
    assert entry is not None and stop is not None
    return entry, BracketSpec(stop, tuple(rungs), terms)


def _terms(v: Violations, request: pb.SubmitBracketRequest) -> StopTerms:
    """The stop-loss's limit offset and activation price (their ranges: ``check_terms``)."""
    if request.stop_limit_offset and request.stop_limit_percent:
        v.add("stop_limit_offset", "set at most one of stop_limit_offset and stop_limit_percent")
    percent = bool(request.stop_limit_percent)
    field = "stop_limit_percent" if percent else "stop_limit_offset"
    offset = _decimal(v, field, getattr(request, field), zero=True)
    activation = _positive(v, "trail_activation_price", request.trail_activation_price)
    return StopTerms(offset, percent, activation)


def _positive(v: Violations, field: str, text: str) -> Decimal | None:
    if not text:
        return None
    try:
        return parse_decimal(text)
    except DecimalFormatError as exc:
        v.add(field, str(exc))
        return None


def _decimal(v: Violations, field: str, text: str, *, zero: bool) -> Decimal | None:
    """An optional decimal string; ``zero`` lets it be 0."""
    if not text:
        return None
    try:
        return parse_decimal(text, allow_zero=zero)
    except DecimalFormatError as exc:
        v.add(field, str(exc))
        return None


def _exit(v: Violations, field: str, message: pb.ExitPrice | None) -> Exit | None:
    kind = None if message is None else message.WhichOneof("kind")
    if message is None or kind is None:
        v.add(field, "is required: give price, offset or percent")
        return None
    try:
        value = parse_decimal(getattr(message, kind))
    except DecimalFormatError as exc:
        v.add(f"{field}.{kind}", str(exc))
        return None
    return Exit(ExitKind(kind), value)


def order_list(found: OrderList) -> pb.OrderList:
    kind = kind_of(found.entry.tags)[0]
    return pb.OrderList(
        list_id=found.list_id,
        state=_STATES[found.state],
        contingency={v: k for k, v in _KINDS.items()}.get(kind, pb.CONTINGENCY_BRACKET),
        entry=convert.order(found.entry),
        members=[convert.order(m) for m in found.members],
        trail_active=found.trail_active,
        held_stop_price=fmt(found.held_stop_price),
    )
