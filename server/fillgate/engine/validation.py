"""Semantic checks of commands against the configuration. Every failure names its field."""

from __future__ import annotations

from collections.abc import Container, Mapping
from decimal import Decimal

from fillgate.domain.commands import ReplaceOrder, SubmitOrder
from fillgate.domain.enums import OrderType, TimeInForce
from fillgate.domain.errors import Violations
from fillgate.domain.orders import Order
from fillgate.domain.symbols import SymbolConfig
from fillgate.domain.values import decimal_places, fmt

DAY = TimeInForce.DAY
MAX_ID_LENGTH = 64
MAX_TAGS = 16
MAX_TAG_KEY = 64
MAX_TAG_VALUE = 256


def check_id(v: Violations, field: str, value: str, *, required: bool) -> None:
    """Ids are 1-64 printable ASCII characters without spaces."""
    if not value:
        if required:
            v.add(field, "is required")
        return
    if len(value) > MAX_ID_LENGTH:
        v.add(field, f"is longer than {MAX_ID_LENGTH} characters")
    elif not (value.isascii() and value.isprintable()) or " " in value:
        v.add(field, "must be printable ASCII without spaces")


def check_precision(
    v: Violations, field: str, value: Decimal | None, places: int, what: str
) -> None:
    if value is not None and decimal_places(value) > places:
        v.add(field, f"{fmt(value)} has more than the {places} decimal places {what} allows")


def check_submit(
    cmd: SubmitOrder,
    accounts: Container[str],
    symbols: Mapping[str, SymbolConfig],
    now_ns: int = 0,
) -> None:
    """Raise InvalidArgument naming every field of ``cmd`` that is wrong."""
    v = Violations()
    check_time_limits(v, cmd, now_ns)
    if cmd.account not in accounts:
        v.add("account", f"unknown account {cmd.account!r}" if cmd.account else "is required")
    sym = symbols.get(cmd.symbol)
    if sym is None:
        v.add("symbol", f"unknown symbol {cmd.symbol!r}" if cmd.symbol else "is required")
    if cmd.quantity <= 0:
        v.add("quantity", "must be greater than zero")
    check_id(v, "client_order_id", cmd.client_order_id, required=True)
    check_id(v, "strategy_id", cmd.strategy_id, required=False)
    if cmd.type.needs_limit and cmd.limit_price is None:
        v.add("limit_price", f"is required for a {cmd.type.name} order")
    if not cmd.type.needs_limit and cmd.limit_price is not None:
        v.add("limit_price", f"must be empty for a {cmd.type.name} order")
    if cmd.type.needs_stop and cmd.stop_price is None:
        v.add("stop_price", f"is required for a {cmd.type.name} order")
    if not cmd.type.needs_stop and cmd.stop_price is not None:
        v.add("stop_price", f"must be empty for a {cmd.type.name} order")
    if sym is not None:
        check_precision(v, "quantity", cmd.quantity, sym.quantity_precision, sym.name)
        check_precision(v, "limit_price", cmd.limit_price, sym.price_precision, sym.name)
        check_precision(v, "stop_price", cmd.stop_price, sym.price_precision, sym.name)
    if cmd.extended_hours and (cmd.type is not OrderType.LIMIT or cmd.time_in_force is not DAY):
        v.add("extended_hours", "is for LIMIT orders with time in force DAY only")
    if len(cmd.tags) > MAX_TAGS:
        v.add("tags", f"has more than {MAX_TAGS} entries")
    for key, value in cmd.tags:
        if not key or len(key) > MAX_TAG_KEY:
            v.add(f"tags[{key}]", f"keys must be 1-{MAX_TAG_KEY} characters")
        if len(value) > MAX_TAG_VALUE:
            v.add(f"tags[{key}]", f"values must be at most {MAX_TAG_VALUE} characters")
    v.raise_if_any()


def check_time_limits(v: Violations, cmd: SubmitOrder, now_ns: int) -> None:
    """A time limit is for an order that can rest, and must lie ahead."""
    if not (cmd.expire_time_ns or cmd.expire_after_ns):
        return
    if cmd.time_in_force in (TimeInForce.IOC, TimeInForce.FOK):
        field = "expire_time" if cmd.expire_time_ns else "expire_after"
        v.add(field, f"an {cmd.time_in_force.name} order never rests: it takes no time limit")
    if cmd.expire_time_ns and cmd.expire_time_ns <= now_ns:
        v.add("expire_time", "must be in the future")
    if cmd.expire_after_ns < 0:
        v.add("expire_after", "must be a positive duration")


def check_replace(cmd: ReplaceOrder, order: Order, sym: SymbolConfig) -> None:
    """Raise InvalidArgument naming every field of a replace that ``order`` cannot take."""
    v = Violations()
    if cmd.quantity is None and cmd.limit_price is None and cmd.stop_price is None:
        v.add("quantity", "give at least one of quantity, limit_price, stop_price")
    if cmd.limit_price is not None and not order.type.needs_limit:
        v.add("limit_price", f"a {order.type.name} order has no limit price")
    if cmd.stop_price is not None and not order.type.needs_stop:
        v.add("stop_price", f"a {order.type.name} order has no stop price")
    check_precision(v, "quantity", cmd.quantity, sym.quantity_precision, sym.name)
    check_precision(v, "limit_price", cmd.limit_price, sym.price_precision, sym.name)
    check_precision(v, "stop_price", cmd.stop_price, sym.price_precision, sym.name)
    if cmd.quantity is not None and cmd.quantity <= order.filled_quantity:
        v.add("quantity", f"must exceed the filled quantity {order.filled_quantity}")
    v.raise_if_any()


def command_of(order: Order) -> SubmitOrder:
    """Rebuild the submit an order came from, to compare a repeated client order id."""
    return SubmitOrder(
        account=order.account,
        symbol=order.symbol,
        side=order.side,
        quantity=order.quantity,
        type=order.type,
        time_in_force=order.time_in_force,
        client_order_id=order.client_order_id,
        limit_price=order.limit_price,
        stop_price=order.stop_price,
        strategy_id=order.strategy_id,
        tags=order.tags,
        reduce_only=order.reduce_only,
        extended_hours=order.extended_hours,
        expire_time_ns=order.expire_time_ns,
        expire_after_ns=order.expire_after_ns,
    )
