"""A bracket member whose submit went unanswered and that the venue proved never to have
(``UNKNOWN_OUTCOME_NOT_PLACED``, e.g. fillgate was killed while it was on its way) is
placed again, the take-profit too; one the venue refused stays refused."""

from __future__ import annotations

from decimal import Decimal as D

from plan_orders import order as _order

from fillgate.contingent.bracket import Submit, plan
from fillgate.contingent.spec import (
    BASIS,
    LIST,
    NATIVE,
    ROLE,
    BracketSpec,
    Exit,
    ExitKind,
    TakeProfit,
)
from fillgate.domain.enums import OrderState, OrderType, Side
from fillgate.domain.orders import Order

SPEC = BracketSpec(
    Exit(ExitKind.OFFSET, D(5)), (TakeProfit(Exit(ExitKind.OFFSET, D(5)), fraction=D(1)),)
)
NOT_PLACED = "UNKNOWN_OUTCOME_NOT_PLACED: the venue had no such OCO order"


def _member(order_id: str, role: str, native: bool = True, **kw) -> Order:
    tags = ((LIST, "E"), (ROLE, role), (BASIS, "100"), *(((NATIVE, "oco"),) if native else ()))
    return _order(order_id, Side.SELL, "2", "0", tags=tags, **kw)


def _plan(members: list[Order]) -> list[object]:
    entry = _order("E", Side.BUY, "2", "2", type=OrderType.MARKET)
    return plan(entry, members, SPEC, price_places=2, quantity_places=0)


def _pair(state: OrderState, reason: str, native: bool = True) -> list[Order]:
    stop = _member("S", "sl", native, type=OrderType.STOP, stop_price=D(95))
    tp = _member("T", "tp.1", native, limit_price=D(105))
    return [_with(stop, state, reason), _with(tp, state, reason)]


def _with(order: Order, state: OrderState, reason: str) -> Order:
    return _order(
        order.order_id, order.side, "2", "0", tags=order.tags, type=order.type,
        stop_price=order.stop_price, limit_price=order.limit_price, state=state, reason=reason,
    )  # fmt: skip


def test_plan_native_pair_never_placed_after_an_unknown_outcome_places_both_again():
    assert _plan(_pair(OrderState.REJECTED, NOT_PLACED)) == [
        Submit("sl", Side.SELL, OrderType.STOP, D(2), D(95)),
        Submit("tp.1", Side.SELL, OrderType.LIMIT, D(2), D(105)),
    ]


def test_plan_take_profit_never_placed_after_an_unknown_outcome_is_placed_again():
    members = _pair(OrderState.REJECTED, NOT_PLACED, native=False)

    assert Submit("tp.1", Side.SELL, OrderType.LIMIT, D(2), D(105)) in _plan(members)


def test_plan_take_profit_the_venue_refused_is_not_placed_again():
    members = _pair(OrderState.REJECTED, "insufficient qty available for order", native=False)

    assert [a for a in _plan(members) if getattr(a, "role", "") == "tp.1"] == []
