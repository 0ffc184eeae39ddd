"""The orders the bracket runner (``brackets.py``) places, and the checks on what it is
asked to run: pure functions of the list, its orders and the universe.

- :func:`leg_order`: the submit of a list's leg N (its ``version``-th order: a leg is
  placed again only when an earlier order of it never reached the venue);
- :func:`member_order`: the submit of a bracket's member (stop-loss, take-profit, or
  the reduce-only ``fix`` that closes an overfill);
- :func:`check_list` / :func:`check_bracket`: every field of a list or bracket the plan
  cannot work with, named, before anything is placed.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from fillgate.contingent.bracket import Submit, basis_of
from fillgate.contingent.checks import check_spec
from fillgate.contingent.order_list import KINDS, MAX_LEGS, Leg, PlaceLeg, leg_client_order_id
from fillgate.contingent.spec import (
    BASIS,
    LIST,
    NATIVE,
    ROLE,
    BracketSpec,
    member_client_order_id,
    role_of,
)
from fillgate.domain.commands import SubmitOrder
from fillgate.domain.enums import OrderType, TimeInForce
from fillgate.domain.errors import InvalidArgument, Violations
from fillgate.domain.orders import Order
from fillgate.domain.symbols import SymbolConfig
from fillgate.domain.universe import Universe
from fillgate.domain.values import fmt
from fillgate.engine.native_oco import OCO
from fillgate.engine.validation import check_submit

log = logging.getLogger("fillgate.brackets")

Tags = tuple[tuple[str, str], ...]


def leg_order(
    list_id: str, action: PlaceLeg, first: Order | SubmitOrder, version: int = 1
) -> SubmitOrder:
    """Leg ``action.number`` of the list whose first leg is ``first``."""
    leg = action.leg
    return SubmitOrder(
        account=first.account,
        symbol=first.symbol,
        side=leg.side,
        quantity=action.quantity,
        type=leg.type,
        time_in_force=leg.time_in_force,
        client_order_id=leg_client_order_id(list_id, action.number, version),
        limit_price=leg.limit_price,
        stop_price=leg.stop_price,
        strategy_id=first.strategy_id,
        tags=(
            (LIST, list_id),
            (ROLE, f"leg.{action.number}"),
            *(((NATIVE, OCO),) if dict(first.tags).get(NATIVE) == OCO else ()),
        ),
    )


def leg_version(members: Sequence[Order], number: int) -> int:
    """The version the next order of leg ``number`` gets (1 + the orders it had)."""
    role = f"leg.{number}"
    return 1 + sum(1 for m in members if role_of(m)[1] == role)


def member_order(
    list_id: str, action: Submit, entry: Order, members: Sequence[Order], native: Tags
) -> SubmitOrder:
    """The bracket member ``action`` places (``native``: its venue tags)."""
    n = 1 + sum(1 for m in members if role_of(m)[1] == action.role)
    if action.role == "fix":
        log.warning(
            "event=bracket_overfill list_id=%s excess=%s closing=reduce_only_market",
            list_id,
            fmt(action.quantity),
        )
    return SubmitOrder(
        account=entry.account,
        symbol=entry.symbol,
        side=action.side,
        quantity=action.quantity,
        type=action.type,
        time_in_force=TimeInForce.IOC if action.type is OrderType.MARKET else TimeInForce.GTC,
        client_order_id=member_client_order_id(list_id, action.role, n),
        limit_price=action.price if action.type is OrderType.LIMIT else action.limit,
        stop_price=action.price if action.type.needs_stop else None,
        strategy_id=entry.strategy_id,
        tags=(
            (LIST, list_id),
            (ROLE, action.role),
            (BASIS, fmt(basis_of(entry, members))),
            *native,
        ),
        reduce_only=True,
    )


def check_list(
    kind: str,
    first: SubmitOrder,
    legs: list[Leg],
    extra_tags: int,
    universe: Universe,
) -> None:
    """Name every field of a list the plan cannot work with (``extra_tags``: the venue's)."""
    v = Violations()
    if kind not in KINDS:
        v.add("contingency", "is required: OCO or OUO")
    if not 1 <= len(legs) < MAX_LEGS:
        v.add("legs", f"a list has 2 to {MAX_LEGS} legs")
    if len(first.tags) + 1 + len(legs) + extra_tags > 16:
        v.add("tags", "too many tags: a list needs one per leg")
    if any(k.startswith("ct.") for k, _ in first.tags):
        v.add("tags", "keys starting with 'ct.' are fillgate's")
    v.raise_if_any()
    for n, leg in enumerate(legs, 2):
        try:  # each leg must pass the checks its own submit would, before anything is placed
            order = leg_order("L", PlaceLeg(n, leg, leg.quantity), first)
            check_submit(order, universe.accounts, universe.symbols)
        except InvalidArgument as exc:
            raise InvalidArgument(
                [(f"legs[{n - 1}].{f}", t) for f, t in exc.violations], exc.reason
            ) from None


def check_bracket(cmd: SubmitOrder, spec: BracketSpec, symbol: SymbolConfig | None) -> None:
    """Name every field of a bracket the plan cannot work with."""
    v = Violations()
    if cmd.reduce_only:
        v.add("entry.reduce_only", "a bracket's entry opens a position: not reduce-only")
    if cmd.type is not OrderType.MARKET and cmd.type is not OrderType.LIMIT:
        v.add("entry.type", "a bracket's entry is a market or limit order")
    if len(cmd.tags) + len(spec.tags()) > 16:
        v.add("entry.tags", "too many tags: a bracket needs one per exit")
    if any(k.startswith("ct.") for k, _ in cmd.tags):
        v.add("entry.tags", "keys starting with 'ct.' are fillgate's")
    check_spec(v, spec, cmd.quantity, symbol)
    v.raise_if_any()
