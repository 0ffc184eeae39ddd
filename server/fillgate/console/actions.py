"""The operator's controls: halt / reduce-only / resume, cancel one order, cancel an account's.

Each parses a JSON body, checks the principal's scope, acts through the same
engine and kill switch the gRPC API uses, and is recorded with who did it:
halts, resumes and cancel requests carry ``requested_by`` into the journal;
every action is also logged as one structured line. Every answer waits until what it reports
is durable (the engine's calls do).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from fillgate.domain.commands import CancelOrder, Halt, OrderRef, Resume
from fillgate.domain.enums import HaltScope, TradingMode
from fillgate.domain.errors import (
    FailedPrecondition,
    FillgateError,
    InvalidArgument,
    NotFound,
    Violations,
)
from fillgate.engine.engine import Engine
from fillgate.engine.kill_switch import KillSwitch

from . import views
from .auth import Principal, can_change_state, can_read, can_trade

log = logging.getLogger("fillgate.console")

_MODES = {"HALTED": TradingMode.HALTED, "REDUCING": TradingMode.REDUCING}
REASON_LIMIT = 256


class PermissionDenied(FillgateError):
    """The principal lacks the scope an action needs."""


class Unauthenticated(FillgateError):
    """No principal: the caller has not logged in (or the session expired)."""


def recorded_as(who: Principal) -> str:
    """How the journal and the logs name a console user."""
    return f"console:{who.name}"


def _text(v: Violations, body: Mapping[str, Any], name: str, required: bool) -> str:
    value = body.get(name, "")
    if not isinstance(value, str):
        v.add(name, "must be a string")
        return ""
    if required and not value.strip():
        v.add(name, "is required")
    elif len(value) > REASON_LIMIT:
        v.add(name, f"must be at most {REASON_LIMIT} characters")
    return value


def _flag(v: Violations, body: Mapping[str, Any], name: str) -> bool:
    value = body.get(name, False)
    if not isinstance(value, bool):
        v.add(name, "must be true or false")
        return False
    return value


def _scope(v: Violations, body: Mapping[str, Any]) -> HaltScope:
    value = body.get("scope")
    try:
        return HaltScope[value] if isinstance(value, str) else HaltScope(0)
    except (KeyError, ValueError):
        v.add("scope", "must be one of " + ", ".join(s.name for s in HaltScope))
        return HaltScope.ALL


def _deny(who: Principal, what: str) -> PermissionDenied:
    return PermissionDenied(
        "PERMISSION_DENIED", f"{who.name} may not {what}", {"principal": who.name}
    )


async def halt(kill_switch: KillSwitch, who: Principal, body: Mapping[str, Any]) -> dict[str, Any]:
    """Halt or set reduce-only (``mode``) on a scope, with a reason."""
    v = Violations()
    scope = _scope(v, body)
    target = _text(v, body, "target", required=False)
    mode_name = body.get("mode", "HALTED")
    mode = _MODES.get(mode_name) if isinstance(mode_name, str) else None
    if mode is None:
        v.add("mode", "must be HALTED or REDUCING")
    reason = _text(v, body, "reason", required=True)
    cancel = _flag(v, body, "cancel_open_orders")
    v.raise_if_any()
    assert mode is not None
    if not can_change_state(who, scope, target):
        raise _deny(who, f"change trading state of {scope.name.lower()} {target}".rstrip())
    result = await kill_switch.halt(
        Halt(
            scope=scope,
            target=target,
            mode=mode,
            reason=reason,
            requested_by=recorded_as(who),
            cancel_open_orders=cancel,
        )
    )
    log.warning(
        "event=console_action action=halt by=%s scope=%s target=%s mode=%s canceled=%d",
        recorded_as(who),
        scope.name,
        target,
        mode.name,
        len(result.canceled),
    )
    return {
        "restriction": views.restriction(result.restriction),
        "canceled_orders": [o.order_id for o in result.canceled],
    }


async def resume(
    kill_switch: KillSwitch, who: Principal, body: Mapping[str, Any]
) -> dict[str, Any]:
    """Lift the restriction on a scope."""
    v = Violations()
    scope = _scope(v, body)
    target = _text(v, body, "target", required=False)
    reason = _text(v, body, "reason", required=True)
    v.raise_if_any()
    if not can_change_state(who, scope, target):
        raise _deny(who, f"change trading state of {scope.name.lower()} {target}".rstrip())
    left = kill_switch.resume(
        Resume(scope=scope, target=target, reason=reason, requested_by=recorded_as(who))
    )
    await kill_switch.settle()
    log.warning(
        "event=console_action action=resume by=%s scope=%s target=%s",
        recorded_as(who),
        scope.name,
        target,
    )
    return {"restrictions": [views.restriction(r) for r in left]}


async def cancel(engine: Engine, who: Principal, order_id: str) -> dict[str, Any]:
    """Cancel one order by its id."""
    if not order_id or len(order_id) > 128:
        raise InvalidArgument([("order_id", "must be an order id")])
    order = engine.resolve(OrderRef(order_id=order_id))
    if not can_read(who, order.account):  # do not confirm that the order exists
        raise engine_not_found(order_id)
    if not can_trade(who, order.account):
        raise _deny(who, f"cancel orders of account {order.account}")
    done = await engine.cancel(CancelOrder(ref=OrderRef(order_id=order_id), by=recorded_as(who)))
    log.warning(
        "event=console_action action=cancel by=%s account=%s order_id=%s state=%s",
        recorded_as(who),
        done.account,
        done.order_id,
        done.state.name,
    )
    return {"order": views.order(done)}


def engine_not_found(order_id: str) -> FillgateError:
    return NotFound("ORDER_NOT_FOUND", f"no order {order_id!r}", {"order_id": order_id})


async def cancel_all(engine: Engine, who: Principal, account: str) -> dict[str, Any]:
    """Cancel every open order of one account; orders that finish meanwhile are skipped."""
    if account not in engine.universe.accounts:
        raise InvalidArgument([("account", f"unknown account {account!r}")])
    if not can_trade(who, account):
        raise _deny(who, f"cancel orders of account {account}")
    canceled, skipped = [], []
    for order in engine.open_orders_of(account):
        try:
            done = await engine.cancel(
                CancelOrder(ref=OrderRef(order_id=order.order_id), by=recorded_as(who))
            )
        except FailedPrecondition:  # filled or being replaced meanwhile
            skipped.append(order.order_id)
            continue
        canceled.append(done.order_id)
    log.warning(
        "event=console_action action=cancel_all by=%s account=%s canceled=%d skipped=%d",
        recorded_as(who),
        account,
        len(canceled),
        len(skipped),
    )
    return {"canceled": canceled, "skipped": skipped}
