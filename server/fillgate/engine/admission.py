"""Whether a new order may go now, the order it becomes, and what a refusal leaves behind.

Before the guard (``guard.py``): the order's account must be reconciled
(``Engine.blocked``), its venue must not halt the symbol, and its market must
be open, else the order is queued until the open (``held.py``). A refusal of
any of these, or of the guard, is logged and journaled (``OrderDenied``)
before the caller sees it. Like ``held.py``, this is the engine's own code,
kept apart: it reads the engine's public state and emits through it.
"""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from fillgate.contingent.spec import list_of
from fillgate.domain import events as ev
from fillgate.domain.commands import SubmitOrder
from fillgate.domain.errors import FailedPrecondition, ResourceExhausted
from fillgate.domain.orders import Order
from fillgate.engine.guard import guard

if TYPE_CHECKING:
    from fillgate.engine.engine import Engine

log = logging.getLogger("fillgate.engine")


def release_time(engine: Engine, cmd: SubmitOrder) -> int:
    """0 when ``cmd`` may go now; the next open when its market is closed (queue it).

    Raises FailedPrecondition when its account is blocked or its venue halts the symbol.
    """
    blocked = engine.blocked.get(cmd.account)
    if blocked is not None:
        raise FailedPrecondition(
            "VENUE_NOT_RECONCILED",
            f"account {cmd.account} takes no new orders until its venue reconciles: {blocked}",
            {"account": cmd.account},
        )
    trading = getattr(engine.venues[cmd.account], "trading", None)
    if trading is not None and not trading(cmd.symbol):
        raise FailedPrecondition(
            "SYMBOL_NOT_TRADING",
            f"the venue of account {cmd.account} halts {cmd.symbol}: no new orders",
            {"account": cmd.account, "symbol": cmd.symbol},
        )
    if engine.sessions is None:
        return 0
    return engine.sessions.check_order(
        cmd.symbol, cmd.type, cmd.time_in_force, cmd.extended_hours, engine.clock.now_ns()
    )


def guard_new(engine: Engine, cmd: SubmitOrder, bypass_halt: bool) -> None:
    """The halt guard and risk for the new order ``cmd``."""
    guard(
        engine.state,
        engine.risk,
        account=cmd.account,
        symbol=cmd.symbol,
        strategy=cmd.strategy_id,
        side=cmd.side,
        quantity=cmd.quantity,
        reduce_only=cmd.reduce_only,
        limit_price=cmd.limit_price,
        stop_price=cmd.stop_price,
        bypass_halt=bypass_halt,
        list_id=list_of(cmd.tags) if cmd.reduce_only and cmd.tags else "",
    )


def guard_order(
    engine: Engine, order: Order, quantity: Decimal | None = None, **terms: Any
) -> None:
    """The halt guard and risk for ``order`` (with new terms, for a replace)."""
    guard(
        engine.state,
        engine.risk,
        account=order.account,
        symbol=order.symbol,
        strategy=order.strategy_id,
        side=order.side,
        quantity=order.quantity if quantity is None else quantity,
        reduce_only=order.reduce_only,
        limit_price=terms.get("limit_price", order.limit_price),
        stop_price=terms.get("stop_price", order.stop_price),
        exclude=order.order_id,
        # A bracket member is not counted against its own siblings (see guard.py).
        list_id=list_of(order.tags) if order.reduce_only and order.tags else "",
    )


def deny(engine: Engine, cmd: SubmitOrder, exc: FailedPrecondition | ResourceExhausted) -> None:
    """Log and journal the refusal of ``cmd`` (the caller raises it)."""
    log.info(
        "event=order_denied account=%s symbol=%s side=%s quantity=%s "
        "client_order_id=%r strategy=%r reason=%s detail=%r",
        cmd.account,
        cmd.symbol,
        cmd.side.name,
        cmd.quantity,
        cmd.client_order_id,
        cmd.strategy_id,
        exc.reason,
        exc.message,
    )
    engine.emit(
        ev.OrderDenied(
            command=cmd,
            reason=exc.reason,
            message=exc.message,
            metadata=tuple(sorted(exc.metadata.items())),
            ts_ns=engine.clock.now_ns(),
        )
    )


def new_order(engine: Engine, cmd: SubmitOrder, now: int, **extra: Any) -> Order:
    """The order ``cmd`` becomes once accepted (or queued: ``extra`` sets its state)."""
    return Order(
        order_id=engine.ids.order_id(),
        client_order_id=cmd.client_order_id,
        account=cmd.account,
        symbol=cmd.symbol,
        side=cmd.side,
        type=cmd.type,
        time_in_force=cmd.time_in_force,
        quantity=cmd.quantity,
        limit_price=cmd.limit_price,
        stop_price=cmd.stop_price,
        strategy_id=cmd.strategy_id,
        tags=cmd.tags,
        reduce_only=cmd.reduce_only,
        extended_hours=cmd.extended_hours,
        venue=engine.universe.accounts[cmd.account],
        created_ns=now,
        updated_ns=now,
        arrival_price=engine.marks.arrival_price(cmd.symbol),
        expire_time_ns=cmd.expire_time_ns,
        expire_after_ns=cmd.expire_after_ns,
        **extra,
    )
