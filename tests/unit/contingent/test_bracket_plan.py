"""The bracket plan as a pure function: emulated stops, overfills, waiting members."""

from __future__ import annotations

from decimal import Decimal as D

from fillgate.contingent.bracket import Cancel, Submit, plan
from fillgate.contingent.spec import BASIS, LIST, ROLE, BracketSpec, Exit, ExitKind, TakeProfit
from fillgate.contingent.trailing import StopTerms
from fillgate.domain.enums import OrderState, OrderType, Side, TimeInForce
from fillgate.domain.orders import Order

SPEC = BracketSpec(
    Exit(ExitKind.OFFSET, D(5)), (TakeProfit(Exit(ExitKind.OFFSET, D(5)), fraction=D(1)),)
)


def _order(order_id: str, side: Side, quantity: str, filled: str, **kw) -> Order:
    base = {
        "order_id": order_id,
        "client_order_id": order_id,
        "account": "a",
        "symbol": "XYZ",
        "side": side,
        "type": OrderType.MARKET,
        "time_in_force": TimeInForce.GTC,
        "quantity": D(quantity),
        "filled_quantity": D(filled),
        "filled_notional": D(filled) * 100,
        "state": OrderState.FILLED if filled == quantity else OrderState.NEW,
    }
    base.update(kw)
    return Order(**base)


def _member(order_id: str, role: str, quantity: str, filled: str = "0", **kw) -> Order:
    tags = ((LIST, "E"), (ROLE, role), (BASIS, "100"))
    return _order(order_id, Side.SELL, quantity, filled, tags=tags, **kw)


ENTRY = _order("E", Side.BUY, "2", "2")


def _plan(members, mark=None, emulate=True):
    return plan(
        ENTRY, members, SPEC, price_places=2, quantity_places=0, mark=mark, emulate_stop=emulate
    )


def test_plan_emulated_stop_places_only_the_take_profit_above_the_stop():
    actions = _plan([], mark=D(99))

    assert actions == [Submit("tp.1", Side.SELL, OrderType.LIMIT, D(2), D(105))]


def test_plan_emulated_stop_reached_cancels_the_take_profit_first():
    tp = _member("T", "tp.1", "2", type=OrderType.LIMIT, limit_price=D(105))

    assert _plan([tp], mark=D(95)) == [Cancel("T")]


def test_plan_emulated_stop_reached_then_closes_with_a_market_order():
    tp = _member("T", "tp.1", "2", state=OrderState.CANCELED, type=OrderType.LIMIT)

    assert _plan([tp], mark=D(95)) == [Submit("sl", Side.SELL, OrderType.MARKET, D(2), None)]


def test_plan_emulated_stop_limit_reached_closes_with_a_limit_at_its_limit():
    spec = BracketSpec(SPEC.stop_loss, SPEC.take_profits, StopTerms(limit_offset=D(1)))
    tp = _member("T", "tp.1", "2", state=OrderState.CANCELED, type=OrderType.LIMIT)

    actions = plan(
        ENTRY, [tp], spec, price_places=2, quantity_places=0, mark=D(95), emulate_stop=True
    )

    assert actions == [Submit("sl", Side.SELL, OrderType.LIMIT, D(2), D(94))]


def test_plan_emulated_stop_once_triggered_keeps_closing_when_the_mark_bounces():
    tp = _member("T", "tp.1", "2", state=OrderState.CANCELED, type=OrderType.LIMIT)
    first = _member("S", "sl", "2", "1", state=OrderState.EXPIRED)  # an IOC filled half

    assert _plan([tp, first], mark=D(103)) == [
        Submit("sl", Side.SELL, OrderType.MARKET, D(1), None)
    ]


def test_plan_overfill_closes_the_excess_with_an_entry_side_market_order():
    tp = _member("T", "tp.1", "2", "2", type=OrderType.LIMIT)
    stop = _member("S", "sl", "2", "1", type=OrderType.STOP, stop_price=D(95))

    assert _plan([tp, stop], emulate=False) == [
        Submit("fix", Side.BUY, OrderType.MARKET, D(1), None)
    ]


def test_plan_waits_while_a_member_waits_for_the_venue():
    pending = _member("S", "sl", "2", state=OrderState.PENDING_NEW, type=OrderType.STOP)

    assert _plan([pending], mark=D(90), emulate=False) == []
