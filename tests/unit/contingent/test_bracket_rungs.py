"""The plan of a take-profit ladder held at the venue as one native OCO per rung
(``contingent/rungs.py``): rung N's take-profit ``tp.N`` paired with a stop ``sl.N`` of its
size; what the rungs leave over rests as a plain stop ``sl``."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal as D
from types import SimpleNamespace

from hypothesis import given, settings
from hypothesis import strategies as st
from plan_orders import order as _order

from fillgate.contingent.bracket import Cancel, Resize, Submit, plan
from fillgate.contingent.spec import (
    BASIS,
    LIST,
    NATIVE,
    PAIR,
    ROLE,
    BracketSpec,
    Exit,
    ExitKind,
    TakeProfit,
)
from fillgate.contingent.trailing import StopTerms
from fillgate.domain.enums import OrderState, OrderType, Side
from fillgate.domain.orders import Order
from fillgate.engine.native_oco import algo_room, native_tags, rung_ocos_fit, stop_emulated

STOP = Exit(ExitKind.OFFSET, D(5))  # 95 under a fill at 100


def _spec(*fractions: str, terms: StopTerms | None = None, stop: Exit = STOP) -> BracketSpec:
    rungs = tuple(
        TakeProfit(Exit(ExitKind.OFFSET, D(5 * n)), fraction=D(f))
        for n, f in enumerate(fractions, 1)
    )
    return BracketSpec(stop, rungs, terms or StopTerms())


HALVES = _spec("0.5", "0.5")


def _member(order_id: str, role: str, quantity: str, filled: str = "0", **kw) -> Order:
    tags = ((LIST, "E"), (ROLE, role), (BASIS, "100"), (NATIVE, "oco"))
    return _order(order_id, Side.SELL, quantity, filled, tags=tags, **kw)


def _stop(order_id: str, role: str, quantity: str, filled: str = "0", **kw) -> Order:
    return _member(order_id, role, quantity, filled, type=OrderType.STOP, stop_price=D(95), **kw)


def _tp(order_id: str, n: int, quantity: str, filled: str = "0", **kw) -> Order:
    return _member(order_id, f"tp.{n}", quantity, filled, limit_price=D(100 + 5 * n), **kw)


def _armed(size: str = "2") -> list[Order]:
    """Both rungs' pairs resting, each for ``size``."""
    return [
        _stop("S1", "sl.1", size),
        _tp("T1", 1, size),
        _stop("S2", "sl.2", size),
        _tp("T2", 2, size),
    ]


def _plan(entry_filled: str, members, spec: BracketSpec = HALVES, quantity: str = "8"):
    entry = _order("E", Side.BUY, quantity, entry_filled, type=OrderType.MARKET)
    return plan(entry, members, spec, price_places=2, quantity_places=0, rung_ocos=True)


def _pair(n: int, quantity: int, kind: OrderType = OrderType.STOP, limit=None) -> list[Submit]:
    return [
        Submit(f"sl.{n}", Side.SELL, kind, D(quantity), D(95), limit),
        Submit(f"tp.{n}", Side.SELL, OrderType.LIMIT, D(quantity), D(100 + 5 * n)),
    ]


def test_rung_ocos_filled_entry_arms_one_stop_and_take_profit_pair_per_rung():
    assert _plan("4", [], quantity="4") == [*_pair(1, 2), *_pair(2, 2)]


def test_rung_ocos_rounding_dust_rests_as_a_lone_stop_of_the_rest():
    assert _plan("3", [], quantity="3") == [
        *_pair(1, 1),
        *_pair(2, 1),
        Submit("sl", Side.SELL, OrderType.STOP, D(1), D(95)),
    ]


def test_rung_ocos_fractions_under_one_leave_their_rest_to_the_lone_stop():
    assert _plan("4", [], _spec("0.5", "0.25"), quantity="4")[-1] == Submit(
        "sl", Side.SELL, OrderType.STOP, D(1), D(95)
    )


def test_rung_ocos_stop_limit_rests_as_each_rungs_stop_limit():
    spec = _spec("0.5", "0.5", terms=StopTerms(limit_offset=D(1)))

    assert _plan("4", [], spec, quantity="4") == [
        *_pair(1, 2, OrderType.STOP_LIMIT, D(94)),
        *_pair(2, 2, OrderType.STOP_LIMIT, D(94)),
    ]


def test_rung_ocos_armed_pairs_matching_the_fills_plan_nothing():
    assert _plan("4", _armed()) == []


def test_rung_ocos_entry_filling_further_cancels_every_pair_to_resize_it():
    assert _plan("6", _armed()) == [Cancel("S1"), Cancel("T1"), Cancel("S2"), Cancel("T2")]


def test_rung_ocos_pairs_canceled_for_a_resize_are_placed_again_at_the_new_size():
    gone = [replace(m, state=OrderState.CANCELED) for m in _armed()]
    assert _plan("6", gone) == [*_pair(1, 3), *_pair(2, 3)]


def test_rung_ocos_take_profit_partly_filled_with_its_stop_expired_cancels_its_rest():
    members = [
        _stop("S1", "sl.1", "2", state=OrderState.EXPIRED),
        _tp("T1", 1, "2", "1", state=OrderState.PARTIALLY_FILLED),
        _stop("S2", "sl.2", "2"),
        _tp("T2", 2, "2"),
    ]
    assert _plan("4", members) == [Cancel("T1")]


def test_rung_ocos_partly_filled_take_profit_canceled_is_paired_again_for_its_rest():
    members = [
        _stop("S1", "sl.1", "2", state=OrderState.EXPIRED),
        _tp("T1", 1, "2", "1", state=OrderState.CANCELED),
        _stop("S2", "sl.2", "2"),
        _tp("T2", 2, "2"),
    ]
    assert _plan("4", members) == _pair(1, 1)


def test_rung_ocos_take_profit_filled_leaves_the_other_rung_paired():
    members = [
        _stop("S1", "sl.1", "2", state=OrderState.EXPIRED),
        _tp("T1", 1, "2", "2"),
        _stop("S2", "sl.2", "2"),
        _tp("T2", 2, "2"),
    ]
    assert _plan("4", members) == []


def test_rung_ocos_stop_hit_on_one_rung_places_nothing_while_the_venue_works_the_others():
    members = [
        _stop("S1", "sl.1", "2", "2"),
        _tp("T1", 1, "2", state=OrderState.EXPIRED),
        _stop("S2", "sl.2", "2"),  # its trade is on its way
        _tp("T2", 2, "2"),
    ]
    assert _plan("4", members) == []


def test_rung_ocos_every_stop_filled_cancels_what_still_shows_open():
    members = [
        _stop("S1", "sl.1", "2", "2"),
        _tp("T1", 1, "2", state=OrderState.EXPIRED),
        _stop("S2", "sl.2", "2", "2"),
        _tp("T2", 2, "2"),  # its expiry is on its way
    ]
    assert _plan("4", members) == [Cancel("T2")]


def test_rung_ocos_stop_hit_and_nothing_working_closes_the_rest_at_market():
    members = [
        _stop("S1", "sl.1", "2", "2"),
        _tp("T1", 1, "2", state=OrderState.EXPIRED),
        _stop("S2", "sl.2", "2", "1", state=OrderState.EXPIRED),  # the venue expired it
        _tp("T2", 2, "2", state=OrderState.EXPIRED),
    ]
    assert _plan("4", members) == [Submit("sl", Side.SELL, OrderType.MARKET, D(1), None)]


def test_rung_ocos_open_zero_cancels_every_working_member():
    members = [_stop("S1", "sl.1", "2"), _tp("T1", 1, "2", "2"), _stop("S2", "sl.2", "2")]
    members.append(_tp("T2", 2, "2", "2"))

    assert _plan("4", members) == [Cancel("S1"), Cancel("S2")]


def test_rung_ocos_pair_refused_by_the_venue_leaves_its_rest_to_the_lone_stop():
    members = [
        _stop("S1", "sl.1", "2", state=OrderState.REJECTED),
        _tp("T1", 1, "2", state=OrderState.REJECTED),
        _stop("S2", "sl.2", "2"),
        _tp("T2", 2, "2"),
    ]
    assert _plan("4", members) == [Submit("sl", Side.SELL, OrderType.STOP, D(2), D(95))]


def test_rung_ocos_lone_stop_follows_the_dust_as_the_entry_fills():
    spec = _spec("0.5", "0.25")  # 4 filled: 2 + 1, and 1 over; 8 filled: 4 + 2, and 2 over
    members = [_stop("S1", "sl.1", "2"), _tp("T1", 1, "2"), _stop("S2", "sl.2", "1")]
    members += [_tp("T2", 2, "1"), _stop("S", "sl", "1")]

    assert _plan("8", members, spec) == [
        Cancel("S1"),
        Cancel("T1"),
        Cancel("S2"),
        Cancel("T2"),
        Resize("S", D(2)),
    ]


# -- the fit and the tags (engine/native_oco.py) -------------------------------------------

BINANCE = SimpleNamespace(native_oco=True, sells_hold_balance=True, oco_stop_limit=True)


def test_rung_ocos_fit_spot_venue_with_native_oco_and_a_two_rung_ladder():
    assert rung_ocos_fit(BINANCE, HALVES)
    assert not stop_emulated(BINANCE, HALVES)


def test_rung_ocos_fit_trailing_stop_beside_a_ladder_stays_held_by_fillgate():
    spec = _spec("0.5", "0.5", stop=Exit(ExitKind.TRAIL, D(5)))

    assert not rung_ocos_fit(BINANCE, spec)
    assert stop_emulated(BINANCE, spec)


def test_rung_ocos_fit_ladder_longer_than_the_venues_stop_count_stays_held():
    spec = _spec("0.2", "0.2", "0.2", "0.2", "0.2")

    assert not rung_ocos_fit(BINANCE, spec)
    assert stop_emulated(BINANCE, spec)


def test_rung_ocos_fit_ladder_whose_stops_exceed_the_symbols_algo_room_stays_held():
    spec = _spec("0.25", "0.25", "0.5")  # three rung stops and the plain stop: four

    assert not rung_ocos_fit(BINANCE, spec, algo_room=3)
    assert stop_emulated(BINANCE, spec, algo_room=3)


def test_rung_ocos_fit_ladder_within_the_symbols_algo_room_fits():
    spec = _spec("0.25", "0.25", "0.5")

    assert rung_ocos_fit(BINANCE, spec, algo_room=4)
    assert not stop_emulated(BINANCE, spec, algo_room=4)


def test_rung_ocos_fit_rungs_already_resting_keep_fitting_when_the_room_shrinks():
    first = _stop("S1", "sl.1", "1")
    resting = replace(first, tags=(*first.tags, (PAIR, "1")))

    assert rung_ocos_fit(BINANCE, HALVES, [resting], algo_room=0)
    assert native_tags(
        BINANCE,
        HALVES,
        Submit("sl.2", Side.SELL, OrderType.STOP, D(1), D(95)),
        [resting],
        algo_room=0,
    ) == ((NATIVE, "oco"), (PAIR, "2"))


def test_rung_ocos_fit_ladder_armed_with_held_stop_before_keeps_it_held():
    old = _order("T", Side.SELL, "2", "0", tags=((LIST, "E"), (ROLE, "tp.1")))

    assert not rung_ocos_fit(BINANCE, HALVES, [old])
    assert stop_emulated(BINANCE, HALVES, [old])


def test_rung_ocos_fit_venue_without_balance_locking_does_not_fit():
    assert not rung_ocos_fit(SimpleNamespace(native_oco=True), HALVES)


def test_native_tags_rung_members_are_paired_by_their_rung():
    stop = Submit("sl.2", Side.SELL, OrderType.STOP, D(2), D(95))
    target = Submit("tp.2", Side.SELL, OrderType.LIMIT, D(2), D(110))
    lone = Submit("sl", Side.SELL, OrderType.STOP, D(1), D(95))

    assert native_tags(BINANCE, HALVES, stop) == ((NATIVE, "oco"), (PAIR, "2"))
    assert native_tags(BINANCE, HALVES, target) == ((NATIVE, "oco"), (PAIR, "2"))
    assert native_tags(BINANCE, HALVES, lone) == ()


# -- a property: over random entry and take-profit fills, the stops cover what is open ----

_OPS = st.lists(
    st.one_of(
        st.tuples(st.just("entry"), st.integers(1, 5)),
        st.tuples(st.sampled_from(["tp.1", "tp.2", "tp.3"]), st.integers(1, 3)),
    ),
    max_size=12,
)
_BY_QUANTITY = BracketSpec(
    STOP, tuple(TakeProfit(Exit(ExitKind.OFFSET, D(5 * n)), quantity=D(4)) for n in (1, 2))
)
_LADDERS = st.sampled_from(
    [_spec("0.5", "0.5"), _spec("0.3", "0.3", "0.3"), _spec("0.5", "0.25"), _BY_QUANTITY]
)


def _free(members: list[Order], position: D) -> D:
    """The coins no working member locks: a rung's list locks once, a lone order alone."""
    locked = D(0)
    for m in members:
        if not m.is_open:
            continue
        role = role_of_(m)
        if role.startswith("tp."):
            paired = any(o.is_open and role_of_(o) == "sl." + role[3:] for o in members)
            if paired:
                continue
        locked += m.quantity - m.filled_quantity
    return position - locked


def _apply(members: list[Order], actions, position: D) -> list[Order]:
    """What a Binance-like venue makes of the plan's actions (answers come at once): a
    sell for more than the free coins is refused, a take-profit joining its stop's list
    locks nothing more."""
    for action in actions:
        if isinstance(action, Submit):
            stop = action.type is not OrderType.LIMIT
            role = action.role
            joins = role.startswith("tp.") and any(
                o.is_open and role_of_(o) == "sl." + role[3:] and o.quantity == action.quantity
                for o in members
            )
            free = _free(members, position) + (action.quantity if joins else 0)
            state = OrderState.NEW if action.quantity <= free else OrderState.REJECTED
            tags = ((LIST, "E"), (ROLE, action.role), (BASIS, "100"), (NATIVE, "oco"))
            members.append(
                _order(
                    f"M{len(members)}",
                    Side.SELL,
                    str(action.quantity),
                    "0",
                    type=action.type,
                    stop_price=action.price if stop else None,
                    limit_price=action.limit if stop else action.price,
                    tags=tags,
                    state=state,
                )
            )
        else:
            i = next(i for i, m in enumerate(members) if m.order_id == action.order_id)
            if isinstance(action, Cancel):
                members[i] = replace(members[i], state=OrderState.CANCELED)
            else:
                members[i] = replace(members[i], quantity=action.quantity)
    return members


def _fill_take_profit(members: list[Order], role: str, qty: int) -> None:
    """A live take-profit trades (part of) ``qty``; Binance expires its rung's stop."""
    live = [i for i, m in enumerate(members) if m.is_open and role_of_(m) == role]
    if not live:
        return
    m = members[live[0]]
    take = min(D(qty), m.quantity - m.filled_quantity)
    filled = m.filled_quantity + take
    state = OrderState.FILLED if filled == m.quantity else OrderState.PARTIALLY_FILLED
    members[live[0]] = replace(m, filled_quantity=filled, filled_notional=filled * 105, state=state)
    stop_role = "sl." + role[3:]
    for i, other in enumerate(members):
        if other.is_open and role_of_(other) == stop_role:
            members[i] = replace(other, state=OrderState.EXPIRED)


def role_of_(member: Order) -> str:
    return dict(member.tags)[ROLE]


@settings(max_examples=150, deadline=None)
@given(ops=_OPS, spec=_LADDERS)
def test_rung_ocos_property_every_rung_paired_and_the_stops_cover_exactly_what_is_open(ops, spec):
    members: list[Order] = []
    filled = 0
    for op, amount in ops:
        if op == "entry":
            filled = min(10, filled + amount)
        else:
            _fill_take_profit(members, op, amount)
        entry = _order("E", Side.BUY, "10", str(filled), type=OrderType.MARKET)
        for _ in range(6):  # converge: each pass acts, the next sees the answers
            actions = plan(entry, members, spec, price_places=2, quantity_places=0, rung_ocos=True)
            if not actions:
                break
            exited = sum((m.filled_quantity for m in members), D(0))
            _apply(members, actions, filled - exited)
        else:
            raise AssertionError(f"no convergence: {actions}")
        assert not any(m.state is OrderState.REJECTED for m in members)  # never oversold
        exited = sum((m.filled_quantity for m in members), D(0))
        live = [m for m in members if m.is_open]
        stops = [m for m in live if role_of_(m).startswith("sl")]
        assert sum((m.quantity - m.filled_quantity for m in stops), D(0)) == filled - exited
        for n in "123":  # one list per rung at most, both halves of it working
            halves = sorted(role_of_(m) for m in live if role_of_(m)[-2:] == f".{n}")
            assert halves in ([], [f"sl.{n}", f"tp.{n}"])
        for tp in (m for m in live if role_of_(m).startswith("tp.")):
            pair = [s for s in stops if role_of_(s) == "sl." + role_of_(tp)[3:]]
            assert [s.quantity - s.filled_quantity for s in pair] == [
                tp.quantity - tp.filled_quantity
            ]


def test_rung_ocos_stop_whose_take_profit_never_came_keeps_protecting_its_rung():
    members = [_stop("S1", "sl.1", "2"), _stop("S2", "sl.2", "2"), _tp("T2", 2, "2")]

    assert _plan("4", members) == []


def test_algo_room_is_the_symbols_limit_less_the_stops_open_there_outside_the_bracket():
    venue = SimpleNamespace(algo_order_limit=lambda symbol: 5)
    others = [
        _order("X1", Side.BUY, "1", "0", type=OrderType.STOP, stop_price=D(120)),  # counts
        _order("X2", Side.SELL, "1", "0", limit_price=D(130)),  # a limit: not a stop
        _order("X3", Side.BUY, "1", "0", symbol="ABC", type=OrderType.STOP, stop_price=D(9)),
        _stop("S1", "sl.1", "1"),  # the bracket's own
    ]

    assert algo_room(venue, HALVES, "XYZ", lambda: others, {"E", "S1"}) == 4


def test_algo_room_none_without_a_ladder_or_a_stated_limit():
    one = _spec("1")

    assert algo_room(SimpleNamespace(algo_order_limit=lambda s: 5), one, "XYZ", list, ()) is None
    assert (
        algo_room(SimpleNamespace(algo_order_limit=lambda s: None), HALVES, "XYZ", list, ()) is None
    )
    assert algo_room(SimpleNamespace(), HALVES, "XYZ", list, ()) is None
