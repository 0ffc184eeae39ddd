"""Brackets and order lists (ContingentService): requests, exits written as text, results.

An exit is written ``KIND:VALUE``: ``price:95``, ``offset:5`` (a price distance
from the entry's fill price) or ``percent:2``; a stop-loss may trail the best
mark since the entry filled: ``trail:5`` or ``trail_percent:2``. A take-profit may add its size
after ``@``: ``@0.5`` or ``@frac:0.5`` (a fraction of the entry's fill),
``@qty:0.3`` (a quantity); without one a single take-profit closes everything.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ._convert import order_from_proto
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


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderList:
    """A bracket: its id (the entry's order id), state, entry and members."""

    list_id: str
    #: "ACTIVE", "DONE" or "CANCELED" ("UNSPECIFIED" from a newer server).
    state: str
    entry: Order
    #: The stop-loss and take-profit orders placed so far (tag ``ct.role`` says which).
    members: tuple[Order, ...]


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
) -> Any:
    """Build a ``SubmitBracketRequest``; a missing client order id is generated."""
    if len(take_profits) > 1 and any("@" not in tp for tp in take_profits):
        raise ValueError("with several take-profits, give each its size (@0.5, @qty:1)")
    return contingent_pb.SubmitBracketRequest(
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
    )


def order_list_from_proto(m: Any) -> OrderList:
    """Convert a ``fillgate.v1.OrderList``."""
    return OrderList(
        list_id=m.list_id,
        state=_STATES.get(m.state, "UNSPECIFIED"),
        entry=order_from_proto(m.entry),
        members=tuple(order_from_proto(o) for o in m.members),
    )
