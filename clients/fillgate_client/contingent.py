"""Brackets and order lists (ContingentService): requests, exits written as text, results.

An exit is written ``KIND:VALUE``: ``price:95``, ``offset:5`` (a price distance
from the entry's fill price) or ``percent:2``; a stop-loss may trail the best
mark since the entry filled: ``trail:5`` or ``trail_percent:2``. A stop-loss may be a
stop-limit (``stop_limit="offset:1"`` or ``"percent:0.5"``: the limit that far beyond the
stop), and a trailing one may wait for ``trail_activation_price``. A take-profit may add its size
after ``@``: ``@0.5`` or ``@frac:0.5`` (a fraction of the entry's fill),
``@qty:0.3`` (a quantity); without one a single take-profit closes everything.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from ._convert import _opt_dec, order_from_proto
from ._pb import _load
from ._requests import (
    DecimalLike,
    decimal_string,
    enum_number,
    new_client_order_id,
    optional_decimal_string,
)
from .types import Order, OrderType, Side, TimeInForce

contingent_pb: Any = _load("contingent_service_pb2")
contingent_grpc: Any = _load("contingent_service_pb2_grpc")

_KINDS = ("price", "offset", "percent", "trail", "trail_percent")
_STATES = {1: "ACTIVE", 2: "DONE", 3: "CANCELED"}
_CONTINGENCIES = {1: "OCO", 2: "OUO", 3: "BRACKET", 4: "OTO"}


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderList:
    """A bracket: its id (the entry's order id), state, entry and members."""

    list_id: str
    #: "ACTIVE", "DONE" or "CANCELED" ("UNSPECIFIED" from a newer server).
    state: str
    entry: Order
    #: The stop-loss and take-profit orders placed so far (tag ``ct.role`` says which),
    #: or a list's legs after the first.
    members: tuple[Order, ...]
    #: "BRACKET", "OCO", "OUO" or "OTO".
    contingency: str = "BRACKET"
    #: True while a trailing stop-loss trails; False while it waits for its activation price.
    trail_active: bool = False
    #: The stop-loss fillgate holds (no order at the venue yet: spot beside take-profits),
    #: at its current price; None when the stop rests at the venue.
    held_stop_price: Decimal | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ListLeg:
    """One leg of an OCO or OUO list (account, symbol and strategy are the list's)."""

    side: Side | str
    quantity: DecimalLike
    type: OrderType | str = OrderType.LIMIT
    limit_price: DecimalLike | None = None
    stop_price: DecimalLike | None = None
    time_in_force: TimeInForce | str = TimeInForce.GTC


def parse_leg(text: str) -> ListLeg:
    """Parse ``SIDE:TYPE:QTY[:PRICE[:STOP]]``: ``sell:limit:2:110``, ``sell:stop:2:95``,
    ``sell:stop-limit:2:94:95`` (limit, then stop)."""
    parts = text.split(":")
    if not 3 <= len(parts) <= 5:
        raise ValueError(f"a leg is SIDE:TYPE:QTY[:PRICE[:STOP]], not {text!r}")
    side, kind, quantity, *prices = parts
    order_type = OrderType.parse(kind)
    padded: list[str | None] = [*prices, None, None]
    limit: str | None = None
    stop: str | None = None
    if order_type is OrderType.STOP:
        stop = padded[0]
    elif order_type is OrderType.STOP_LIMIT:
        limit, stop = padded[0], padded[1]
    else:
        limit = padded[0]
    return ListLeg(
        side=side, quantity=quantity, type=order_type, limit_price=limit, stop_price=stop
    )


def submit_order_list_request(
    account: str,
    symbol: str,
    contingency: str,
    legs: Sequence[ListLeg],
    *,
    client_order_id: str | None = None,
    strategy_id: str | None = None,
) -> Any:
    """Build a ``SubmitOrderListRequest``; ``contingency`` is "oco", "ouo" or "oto"."""
    kinds = {"oco": 1, "ouo": 2, "oto": 4}
    if contingency.lower() not in kinds:
        raise ValueError(f"contingency is oco, ouo or oto, not {contingency!r}")
    return contingent_pb.SubmitOrderListRequest(
        account=account,
        symbol=symbol,
        contingency=kinds[contingency.lower()],
        client_order_id=client_order_id or new_client_order_id(),
        strategy_id=strategy_id or "",
        legs=[
            contingent_pb.ListLeg(
                side=enum_number(Side, leg.side, "side"),
                quantity=decimal_string(leg.quantity, "quantity"),
                type=enum_number(OrderType, leg.type, "type"),
                limit_price=optional_decimal_string(leg.limit_price, "limit_price"),
                stop_price=optional_decimal_string(leg.stop_price, "stop_price"),
                time_in_force=enum_number(TimeInForce, leg.time_in_force, "time_in_force"),
            )
            for leg in legs
        ],
    )


def exit_price(text: str) -> Any:
    """Build an ``ExitPrice`` from ``KIND:VALUE``; ValueError when malformed."""
    kind, sep, value = text.partition(":")
    if not sep or kind not in _KINDS:
        raise ValueError(f"an exit is {', '.join(k + ':X' for k in _KINDS)}; not {text!r}")
    return contingent_pb.ExitPrice(**{kind: decimal_string(value, kind)})


def take_profit(text: str) -> Any:
    """Build a ``TakeProfit`` from ``KIND:VALUE[@SIZE]``."""
    where, _, size = text.partition("@")
    message = contingent_pb.TakeProfit(exit=exit_price(where))
    kind, sep, amount = size.partition(":")
    if not size:
        message.fraction = "1"
    elif not sep:
        message.fraction = decimal_string(size, "fraction")
    elif kind in ("frac", "fraction"):
        message.fraction = decimal_string(amount, "fraction")
    elif kind in ("qty", "quantity"):
        message.quantity = decimal_string(amount, "quantity")
    else:
        raise ValueError(f"a take-profit size is @FRACTION, @frac:X or @qty:X, not {size!r}")
    return message


def submit_bracket_request(
    account: str,
    symbol: str,
    side: Side | str,
    quantity: DecimalLike,
    *,
    stop_loss: str,
    take_profits: Sequence[str] = (),
    type: OrderType | str = OrderType.MARKET,
    limit_price: DecimalLike | None = None,
    time_in_force: TimeInForce | str = TimeInForce.GTC,
    client_order_id: str | None = None,
    strategy_id: str | None = None,
    tags: Mapping[str, str] | None = None,
    expire_after: timedelta | None = None,
    stop_limit: str | None = None,
    trail_activation_price: DecimalLike | None = None,
) -> Any:
    """Build a ``SubmitBracketRequest``; a missing client order id is generated."""
    if len(take_profits) > 1 and any("@" not in tp for tp in take_profits):
        raise ValueError("with several take-profits, give each its size (@0.5, @qty:1)")
    request = contingent_pb.SubmitBracketRequest(
        account=account,
        symbol=symbol,
        side=enum_number(Side, side, "side"),
        quantity=decimal_string(quantity, "quantity"),
        type=enum_number(OrderType, type, "type"),
        limit_price=optional_decimal_string(limit_price, "limit_price"),
        time_in_force=enum_number(TimeInForce, time_in_force, "time_in_force"),
        client_order_id=client_order_id or new_client_order_id(),
        strategy_id=strategy_id or "",
        tags=dict(tags or {}),
        stop_loss=exit_price(stop_loss),
        take_profits=[take_profit(tp) for tp in take_profits],
        trail_activation_price=optional_decimal_string(
            trail_activation_price, "trail_activation_price"
        ),
    )
    if stop_limit is not None:
        kind, _, value = stop_limit.partition(":")
        if kind not in ("offset", "percent") or not value:
            raise ValueError(f"a stop limit is offset:X or percent:X, not {stop_limit!r}")
        setattr(request, f"stop_limit_{kind}", decimal_string(value, "stop_limit"))
    if expire_after is not None:
        if expire_after <= timedelta(0):
            raise ValueError("expire_after must be a positive duration")
        request.expire_after.FromTimedelta(expire_after)
    return request


def order_list_from_proto(m: Any) -> OrderList:
    """Convert a ``fillgate.v1.OrderList``."""
    return OrderList(
        list_id=m.list_id,
        state=_STATES.get(m.state, "UNSPECIFIED"),
        entry=order_from_proto(m.entry),
        members=tuple(order_from_proto(o) for o in m.members),
        contingency=_CONTINGENCIES.get(m.contingency, "UNSPECIFIED"),
        trail_active=m.trail_active,
        held_stop_price=_opt_dec(m.held_stop_price),
    )
