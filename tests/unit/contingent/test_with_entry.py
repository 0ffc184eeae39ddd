"""Exits that ride on the entry (``ct.with_entry``): which brackets carry them, the tag's
text, the members' tags, and the plan around a member the venue made with the entry."""

from __future__ import annotations

from decimal import Decimal as D

from plan_orders import order

from fillgate.contingent.bracket import Cancel, Submit, plan
from fillgate.contingent.spec import (
    BASIS,
    LIST,
    NATIVE,
    ROLE,
    WITH_ENTRY_NATIVE,
    BracketSpec,
    Exit,
    ExitKind,
    TakeProfit,
)
from fillgate.domain.commands import SubmitOrder
from fillgate.domain.enums import OrderState, OrderType, Side, TimeInForce
from fillgate.domain.orders import Order
from fillgate.engine.native_oco import entry_still_filling, native_tags, with_entry
from fillgate.venues.driver import ClientIdRule
from fillgate.venues.runtime.with_entry import WITH_ENTRY, decode, encode, protection_of
from fillgate.venues.types import EntryProtection

TP = TakeProfit(Exit(ExitKind.PRICE, D("110")), fraction=D(1))
FIXED = BracketSpec(Exit(ExitKind.PRICE, D("95")), (TP,))


class Venue:
    """A venue adapter that carries every shape it is asked about (and records them)."""

    native_oco = True
    native_trail = frozenset({"trail"})
    trail_in_oco = True

    def __init__(self, answer: bool = True) -> None:
        self.answer = answer
        self.asked: list[EntryProtection] = []

    def with_entry_fits(
        self, symbol: str, entry: OrderType, tif: TimeInForce, exits: EntryProtection
    ) -> bool:
        self.asked.append(exits)
        return self.answer


def _cmd(quantity: str = "2") -> SubmitOrder:
    return SubmitOrder(
        account="a",
        symbol="XYZ",
        side=Side.BUY,
        quantity=D(quantity),
        type=OrderType.LIMIT,
        time_in_force=TimeInForce.GTC,
        client_order_id="c",
        limit_price=D(100),
    )


def _order(order_id: str, side: Side, quantity: str, filled: str, **kw) -> Order:
    state = OrderState.FILLED if filled == quantity else OrderState.PARTIALLY_FILLED
    return order(order_id, side, quantity, filled, **{"state": state, **kw})


def test_with_entry_encode_decode_round_trip_keeps_the_one_stop() -> None:
    exits = EntryProtection(take_profit_price=D("1.13885"), stop_distance=D("0.005"))

    assert encode(exits) == "take_profit_price=1.13885;stop_distance=0.005"
    assert decode(encode(exits)) == exits


def test_with_entry_decode_two_stops_is_not_a_protection() -> None:
    assert decode("take_profit_price=110;stop_price=95;trail_distance=5") is None


def test_with_entry_protection_of_names_the_first_members_client_ids() -> None:
    rule = ClientIdRule(max_length=64, extra_chars=":.-")
    tags = ((WITH_ENTRY, "take_profit_price=110;stop_price=95"),)
    entry = _order("E-1", Side.BUY, "2", "0", tags=tags, state=OrderState.NEW)

    exits = protection_of(rule, entry)

    assert exits is not None
    assert (exits.stop_client_id, exits.take_profit_client_id) == ("E-1.sl.1", "E-1.tp.1.1")


def test_with_entry_fixed_stop_and_price_target_asks_the_venue_and_tags_entry() -> None:
    venue = Venue()

    tag = with_entry(venue, _cmd(), FIXED)

    assert tag == (WITH_ENTRY, "take_profit_price=110;stop_price=95")
    assert venue.asked == [EntryProtection(take_profit_price=D(110), stop_price=D(95))]


def test_with_entry_offset_stop_is_sent_as_a_distance() -> None:
    spec = BracketSpec(Exit(ExitKind.OFFSET, D("5")), (TP,))

    assert with_entry(Venue(), _cmd(), spec) == (
        WITH_ENTRY,
        "take_profit_price=110;stop_distance=5",
    )


def test_with_entry_percent_stop_or_relative_target_or_ladder_does_not_fit() -> None:
    half = TakeProfit(Exit(ExitKind.PRICE, D("110")), fraction=D("0.5"))
    relative = TakeProfit(Exit(ExitKind.OFFSET, D("10")), fraction=D(1))
    for spec in (
        BracketSpec(Exit(ExitKind.PERCENT, D(2)), (TP,)),
        BracketSpec(Exit(ExitKind.PRICE, D(95)), (relative,)),
        BracketSpec(Exit(ExitKind.PRICE, D(95)), (half, half)),
        BracketSpec(Exit(ExitKind.PERCENT, D(2))),
    ):
        assert with_entry(Venue(), _cmd(), spec) is None, spec


def test_with_entry_stop_without_take_profit_asks_the_venue_for_the_stop_alone() -> None:
    venue = Venue()

    tag = with_entry(venue, _cmd(), BracketSpec(Exit(ExitKind.PRICE, D(95))))

    assert tag == (WITH_ENTRY, "stop_price=95")
    assert venue.asked == [EntryProtection(stop_price=D(95))]


def test_with_entry_decode_stop_alone_has_no_take_profit() -> None:
    assert decode("trail_distance=5") == EntryProtection(trail_distance=D(5))


def test_with_entry_protection_of_stop_alone_names_no_take_profit_client_id() -> None:
    rule = ClientIdRule(max_length=64, extra_chars=":.-")
    entry = _order("E-1", Side.BUY, "2", "0", tags=((WITH_ENTRY, "stop_price=95"),))

    exits = protection_of(rule, entry)

    assert exits is not None
    assert (exits.take_profit_price, exits.stop_client_id) == (None, "E-1.sl.1")
    assert exits.take_profit_client_id == ""


def test_with_entry_trailed_stop_alone_tagged_entry_not_on_trade() -> None:
    spec = BracketSpec(Exit(ExitKind.TRAIL, D(5)))
    stop = Submit("sl", Side.SELL, OrderType.STOP, D(2), D(95))

    tags = native_tags(Venue(), spec, stop, (), ((WITH_ENTRY, "trail_distance=5"),))

    assert [v for k, v in tags if k == NATIVE] == [WITH_ENTRY_NATIVE]
    assert "ct.trail" in dict(tags)


def test_with_entry_venue_says_no_leaves_the_entry_untagged() -> None:
    assert with_entry(Venue(answer=False), _cmd(), FIXED) is None
    assert with_entry(object(), _cmd(), FIXED) is None


def test_with_entry_first_stop_and_take_profit_tagged_entry_later_ones_not() -> None:
    entry_tags = ((WITH_ENTRY, "take_profit_price=110;stop_price=95"),)
    stop = Submit("sl", Side.SELL, OrderType.STOP, D(2), D(95))
    earlier = _order("S1", Side.SELL, "2", "0", tags=((LIST, "E"), (ROLE, "sl")))

    first = native_tags(Venue(), FIXED, stop, (), entry_tags)
    again = native_tags(Venue(), FIXED, stop, (earlier,), entry_tags)

    assert (NATIVE, WITH_ENTRY_NATIVE) in first
    assert (NATIVE, WITH_ENTRY_NATIVE) not in again


def test_with_entry_entry_still_filling_while_open_and_tagged() -> None:
    tags = ((WITH_ENTRY, "take_profit_price=110;stop_price=95"),)

    assert entry_still_filling(_order("E", Side.BUY, "2", "1", tags=tags))
    assert not entry_still_filling(_order("E", Side.BUY, "2", "2", tags=tags))
    assert not entry_still_filling(_order("E", Side.BUY, "2", "1"))


def test_with_entry_plan_bound_stop_alone_binds_the_take_profit_without_canceling() -> None:
    entry = _order("E", Side.BUY, "2", "2", type=OrderType.MARKET)
    tags = ((LIST, "E"), (ROLE, "sl"), (BASIS, "100"), (NATIVE, WITH_ENTRY_NATIVE))
    stop = _order(
        "S", Side.SELL, "2", "0", type=OrderType.STOP, stop_price=D(95), tags=tags,
        state=OrderState.NEW,
    )  # fmt: skip

    actions = plan(entry, [stop], FIXED, price_places=2, quantity_places=0)

    assert actions == [Submit("tp.1", Side.SELL, OrderType.LIMIT, D(2), D(110))]
    assert not any(isinstance(a, Cancel) for a in actions)
