"""The bracket plan for a pair held as one native OCO order (``ct.native = oco``)."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal as D
from types import SimpleNamespace

from plan_orders import order as _order

from fillgate.contingent.bracket import Cancel, Resize, Submit, plan
from fillgate.contingent.spec import (
    BASIS,
    LIST,
    NATIVE,
    ROLE,
    TRAIL,
    BracketSpec,
    Exit,
    ExitKind,
    TakeProfit,
)
from fillgate.domain.enums import OrderState, OrderType, Side
from fillgate.domain.orders import Order
from fillgate.engine.native_oco import oco_fits, stop_emulated

SPEC = BracketSpec(
    Exit(ExitKind.OFFSET, D(5)), (TakeProfit(Exit(ExitKind.OFFSET, D(5)), fraction=D(1)),)
)


def _member(order_id: str, role: str, quantity: str, filled: str = "0", native=True, **kw):
    tags = ((LIST, "E"), (ROLE, role), (BASIS, "100"), *(((NATIVE, "oco"),) if native else ()))
    return _order(order_id, Side.SELL, quantity, filled, tags=tags, **kw)


def _plan(entry_filled: str, members):
    entry = _order("E", Side.BUY, "2", entry_filled, type=OrderType.MARKET)
    return plan(entry, members, SPEC, price_places=2, quantity_places=0)


def _stop(quantity: str, **kw) -> Order:
    return _member("S", "sl", quantity, type=OrderType.STOP, stop_price=D(95), **kw)


def test_native_oco_entry_growing_cancels_both_members_instead_of_resizing():
    tp = _member("T", "tp.1", "1", limit_price=D(105))

    assert _plan("2", [_stop("1"), tp]) == [Cancel("S"), Cancel("T")]


def test_emulated_pair_entry_growing_resizes_each_member():
    tp = _member("T", "tp.1", "1", native=False, limit_price=D(105))
    stop = _member("S", "sl", "1", native=False, type=OrderType.STOP, stop_price=D(95))

    assert _plan("2", [stop, tp]) == [Resize("S", D(2)), Resize("T", D(2))]


def test_native_oco_canceled_for_a_resize_is_placed_again_for_the_rest():
    stop = _stop("2", state=OrderState.CANCELED)
    tp = _member("T", "tp.1", "2", "1", state=OrderState.CANCELED, limit_price=D(105))

    assert _plan("2", [stop, tp]) == [
        Submit("sl", Side.SELL, OrderType.STOP, D(1), D(95)),
        Submit("tp.1", Side.SELL, OrderType.LIMIT, D(1), D(105)),
    ]


def test_native_oco_stop_expired_by_a_partial_take_profit_fill_cancels_the_take_profit_too():
    stop = _stop("2", state=OrderState.EXPIRED)  # Binance expires the other leg on any fill
    tp = _member("T", "tp.1", "2", "1", state=OrderState.PARTIALLY_FILLED, limit_price=D(105))

    assert _plan("2", [stop, tp]) == [Cancel("T")]


def test_native_oco_placed_again_for_the_rest_of_a_partly_filled_take_profit_is_kept():
    old_stop = _stop("2", state=OrderState.CANCELED)
    old_tp = _member("T", "tp.1", "2", "1", state=OrderState.CANCELED, limit_price=D(105))
    stop = _member("S2", "sl", "1", type=OrderType.STOP, stop_price=D(95))
    tp = _member("T2", "tp.1", "1", limit_price=D(105))

    assert _plan("2", [old_stop, old_tp, stop, tp]) == []


def test_native_oco_take_profit_replaced_to_a_new_price_is_placed_again_at_that_price():
    stop = _stop("2", state=OrderState.CANCELED)  # the pair ended with the replace
    tp = _member("T", "tp.1", "2", state=OrderState.CANCELED, limit_price=D("105.5"))

    assert _plan("2", [stop, tp]) == [
        Submit("sl", Side.SELL, OrderType.STOP, D(2), D(95)),
        Submit("tp.1", Side.SELL, OrderType.LIMIT, D(2), D("105.5")),
    ]


def test_native_oco_stop_placed_again_takes_its_newest_predecessors_price():
    old = _stop("2", state=OrderState.CANCELED)
    newer = _member(
        "S2", "sl", "2", type=OrderType.STOP, stop_price=D(96), state=OrderState.CANCELED
    )
    tp = _member("T", "tp.1", "2", state=OrderState.CANCELED, limit_price=D(105))

    assert _plan("2", [old, newer, tp])[0] == Submit("sl", Side.SELL, OrderType.STOP, D(2), D(96))


def _refused(member: Order) -> Order:
    return replace(member, state=OrderState.REJECTED, reason="VENUE_REJECTED -1013: refused")


def test_native_oco_refused_by_the_venue_places_stop_and_take_profit_again_alone():
    stop = _refused(_stop("2"))
    tp = _refused(_member("T", "tp.1", "2", limit_price=D(105)))

    assert _plan("2", [stop, tp]) == [
        Submit("sl", Side.SELL, OrderType.STOP, D(2), D(95)),
        Submit("tp.1", Side.SELL, OrderType.LIMIT, D(2), D(105)),
    ]


def test_native_oco_refused_take_profit_refused_again_alone_is_not_placed_a_third_time():
    stop = _member("S2", "sl", "2", native=False, type=OrderType.STOP, stop_price=D(95))
    first = _refused(_member("T", "tp.1", "2", limit_price=D(105)))
    alone = _refused(_member("T2", "tp.1", "2", native=False, limit_price=D(105)))

    assert _plan("2", [_refused(_stop("2")), first, stop, alone]) == []


def test_held_stop_after_a_refused_native_oco_is_not_triggered_by_the_refused_stop():
    stop = _refused(_stop("2"))
    tp = _refused(_member("T", "tp.1", "2", limit_price=D(105)))
    entry = _order("E", Side.BUY, "2", "2", type=OrderType.MARKET)

    actions = plan(entry, [stop, tp], SPEC, price_places=2, quantity_places=0, emulate_stop=True)

    assert actions == [Submit("tp.1", Side.SELL, OrderType.LIMIT, D(2), D(105))]


def test_native_oco_refused_is_never_paired_again():
    stop = _refused(_stop("2"))
    tp = _refused(_member("T", "tp.1", "2", limit_price=D(105)))
    venue = SimpleNamespace(native_oco=True, sells_hold_balance=True)

    assert not oco_fits(venue, SPEC, [stop, tp])
    assert stop_emulated(venue, SPEC, [stop, tp])


def _plain_stop(**kw) -> Order:
    return _member("S", "sl", "2", native=False, type=OrderType.STOP, stop_price=D(95), **kw)


def test_stop_emulated_once_the_venue_refused_the_resting_stop_on_any_venue():
    alone = BracketSpec(Exit(ExitKind.OFFSET, D(5)))

    assert stop_emulated(SimpleNamespace(), alone, [_refused(_plain_stop())])
    assert not stop_emulated(SimpleNamespace(), alone, [_plain_stop()])


def test_stop_emulated_refused_venue_trailed_stop_tries_a_plain_stop_first():
    alone = BracketSpec(Exit(ExitKind.TRAIL, D(5)))
    stop = _plain_stop()
    trailed = _refused(replace(stop, tags=(*stop.tags, (TRAIL, "trail:5"))))

    assert not stop_emulated(SimpleNamespace(), alone, [trailed])


def test_held_stop_after_a_refused_resting_stop_closes_at_market_with_the_mark_through_it():
    alone = BracketSpec(Exit(ExitKind.OFFSET, D(5)))
    entry = _order("E", Side.BUY, "2", "2", type=OrderType.MARKET)
    members = [_refused(_plain_stop())]

    actions = plan(
        entry, members, alone, price_places=2, quantity_places=0, mark=D(90), emulate_stop=True
    )

    assert actions == [Submit("sl", Side.SELL, OrderType.MARKET, D(2), None)]


def _close(order_id: str, role: str = "sl") -> Order:
    """A closing market order (a held stop's close, or an overfill's fix) the venue refused."""
    return _refused(_member(order_id, role, "2", native=False, type=OrderType.MARKET))


def _held_plan(members: list[Order]):
    alone = BracketSpec(Exit(ExitKind.OFFSET, D(5)))
    entry = _order("E", Side.BUY, "2", "2", type=OrderType.MARKET)
    return plan(
        entry, members, alone, price_places=2, quantity_places=0, mark=D(90), emulate_stop=True
    )


def test_held_stop_close_refused_twice_is_sent_a_third_time():
    assert _held_plan([_close("C1"), _close("C2")]) == [
        Submit("sl", Side.SELL, OrderType.MARKET, D(2), None)
    ]


def test_held_stop_close_refused_three_times_is_not_sent_again():
    assert _held_plan([_close("C1"), _close("C2"), _close("C3")]) == []


def test_overfill_fix_refused_three_times_is_not_sent_again():
    entry = _order("E", Side.BUY, "2", "2", type=OrderType.MARKET)
    sold = _member("T", "tp.1", "3", "3", native=False, limit_price=D(105))  # one too many
    fixes = [_close(f"F{n}", role="fix") for n in (1, 2, 3)]

    assert plan(entry, [sold, *fixes[:2]], SPEC, price_places=2, quantity_places=0) == [
        Submit("fix", Side.BUY, OrderType.MARKET, D(1), None)
    ]
    assert plan(entry, [sold, *fixes], SPEC, price_places=2, quantity_places=0) == []
