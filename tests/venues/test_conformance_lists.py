"""Every contingency type on every venue (issue 13): OCO, OUO and OTO lists and brackets
at paper, ccxt (Binance), OANDA and Alpaca, native or emulated, the same outcome.

Legs and members are ordinary orders at the venue; a fill is the fake venue's
(``fake.fill``), arriving the venue's way. List legs are limit orders that rest
(sells above the market, buys below). Exit lists sell from a long position as
big as all their legs together: on a spot venue (Binance) each resting sell
locks the coins it sells, so that is what lets every leg rest at once there.
The restart scenarios stop fillgate and build it again from its journal at the
same fake, as after ``kill -9``; what needs the venue to trade while fillgate
is down is skipped for the embedded paper venue.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path

import pytest
from conformance_support import ACCOUNT, FAKES, Venue, eventually, started

from fillgate.contingent.bracket import BracketSpec, Exit, ExitKind, TakeProfit, role_of
from fillgate.contingent.order_list import Leg
from fillgate.domain.commands import CancelOrder, OrderRef, ReplaceOrder, SubmitOrder
from fillgate.domain.enums import OrderState, OrderType, Side, TimeInForce
from fillgate.domain.orders import Order

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

OPEN = (OrderState.NEW, OrderState.PARTIALLY_FILLED)
#: How the venue ends a leg it no longer works (Binance expires a native OCO's other leg).
ENDED = (OrderState.CANCELED, OrderState.EXPIRED)


@pytest.fixture(params=list(FAKES))
async def venue(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Venue]:
    async with started(request.param, monkeypatch) as v:
        yield v


@pytest.fixture(params=list(FAKES))
async def journaled(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> AsyncIterator[Venue]:
    """A venue whose fillgate journals, so it can restart."""
    async with started(request.param, monkeypatch, journal=tmp_path / "journal") as v:
        yield v


# -- helpers -------------------------------------------------------------------------


def _leg(venue: Venue, side: Side, factor: str, quantity: Decimal | None = None) -> Leg:
    """A GTC limit leg at the start price times ``factor``."""
    return Leg(
        side,
        OrderType.LIMIT,
        quantity or venue.fake.quantity,
        TimeInForce.GTC,
        limit_price=venue.price_at(factor),
    )


async def _list(venue: Venue, kind: str, client_order_id: str, first: Leg, *others: Leg) -> str:
    command = SubmitOrder(
        account=ACCOUNT,
        symbol=venue.fake.symbol,
        side=first.side,
        quantity=first.quantity,
        type=first.type,
        time_in_force=first.time_in_force,
        client_order_id=client_order_id,
        limit_price=first.limit_price,
    )
    return (await venue.parts.brackets.submit_list(kind, command, list(others))).list_id


def _legs(venue: Venue, list_id: str) -> dict[int, Order]:
    found = venue.parts.brackets.get(list_id)
    return {1: found.entry} | {int(role_of(m)[1][4:]): m for m in found.members}


async def _long(venue: Venue, client_order_id: str, quantity: Decimal) -> None:
    order = await venue.submit(client_order_id, quantity=quantity)
    await venue.until(order.order_id, OrderState.FILLED)


async def _exit_list(venue: Venue, kind: str, client_order_id: str) -> tuple[str, Order, Order]:
    """A list of two resting sells of the venue's quantity, from a long position of both."""
    quantity = venue.fake.quantity
    await _long(venue, f"{client_order_id}-pos", quantity * 2)
    list_id = await _list(
        venue,
        kind,
        client_order_id,
        _leg(venue, Side.SELL, "1.05"),
        _leg(venue, Side.SELL, "1.06"),
    )
    await eventually(lambda: 2 in _legs(venue, list_id))
    first, second = (_legs(venue, list_id)[n] for n in (1, 2))
    return (
        list_id,
        await venue.until(first.order_id, OrderState.NEW),
        await venue.until(second.order_id, OrderState.NEW),
    )


def _fill(venue: Venue, order: Order, quantity: Decimal) -> None:
    """The venue trades ``quantity`` of ``order`` (as fillgate knows it now) at its limit."""
    current = venue.order(order.order_id)
    assert current.limit_price is not None
    venue.fake.fill(venue.venue_id(current), quantity, current.limit_price)


def _at_venue(venue: Venue, order: Order) -> Decimal:
    """The quantity the venue holds for ``order`` as fillgate knows it now."""
    vid = venue.venue_id(venue.order(order.order_id))
    (found,) = [o for o in venue.fake.orders() if o.client_id == vid]
    return found.quantity


# -- OCO: a fill of one leg cancels the others ----------------------------------------


async def test_venue_oco_full_fill_of_one_leg_cancels_the_other(venue: Venue) -> None:
    quantity = venue.fake.quantity
    list_id, first, second = await _exit_list(venue, "oco", "oco-1")

    _fill(venue, second, quantity)

    await venue.until(second.order_id, OrderState.FILLED)
    await venue.until(first.order_id, OrderState.CANCELED)
    await venue.parts.brackets.settle()
    assert venue.parts.brackets.get(list_id).state == "DONE"
    assert venue.order(first.order_id).filled_quantity == 0
    assert venue.position() == quantity  # one leg's worth sold, not two


async def test_venue_oco_partial_fill_of_one_leg_cancels_the_other(venue: Venue) -> None:
    half = venue.fake.quantity / 2
    list_id, first, second = await _exit_list(venue, "oco", "oco-2")

    _fill(venue, first, half)

    await venue.until(first.order_id, OrderState.PARTIALLY_FILLED)
    await venue.until(second.order_id, OrderState.CANCELED)
    await venue.parts.brackets.settle()
    assert venue.order(first.order_id).state is OrderState.PARTIALLY_FILLED  # works on
    assert venue.parts.brackets.get(list_id).state == "ACTIVE"


# -- OUO: a fill of one leg reduces the others -------------------------------------------


async def test_venue_ouo_partial_fill_reduces_the_other_leg_by_what_filled(venue: Venue) -> None:
    quantity = venue.fake.quantity
    half = quantity / 2
    _, first, second = await _exit_list(venue, "ouo", "ouo-1")

    _fill(venue, first, half)

    await venue.until(first.order_id, OrderState.PARTIALLY_FILLED)
    await eventually(lambda: venue.order(second.order_id).quantity == quantity - half)
    await venue.parts.brackets.settle()
    cut = await venue.until(second.order_id, OrderState.NEW)
    assert (cut.quantity, cut.filled_quantity) == (quantity - half, 0)
    assert _at_venue(venue, cut) == quantity - half


# -- OTO: the first leg's fills place and grow the others -----------------------------------


async def _oto(venue: Venue, client_order_id: str) -> str:
    """Buy the venue's quantity below the market, then sell what filled above it."""
    list_id = await _list(
        venue,
        "oto",
        client_order_id,
        _leg(venue, Side.BUY, "0.9"),
        _leg(venue, Side.SELL, "1.05"),
    )
    await venue.until(list_id, OrderState.NEW)
    return list_id


async def test_venue_oto_children_sized_to_partial_fill_then_grown_on_the_rest(
    venue: Venue,
) -> None:
    quantity = venue.fake.quantity
    half = quantity / 2
    list_id = await _oto(venue, "oto-1")
    assert venue.parts.brackets.get(list_id).members == ()

    _fill(venue, venue.order(list_id), half)
    await eventually(lambda: 2 in _legs(venue, list_id))
    child = await venue.until(_legs(venue, list_id)[2].order_id, OrderState.NEW)
    _fill(venue, venue.order(list_id), quantity - half)
    await venue.until(list_id, OrderState.FILLED)
    await eventually(lambda: venue.order(child.order_id).quantity == quantity)
    await venue.parts.brackets.settle()

    grown = await venue.until(child.order_id, OrderState.NEW)
    assert child.quantity == half
    assert _at_venue(venue, grown) == quantity
    assert len(venue.parts.brackets.get(list_id).members) == 1


async def test_venue_oto_first_leg_canceled_before_a_fill_places_nothing(venue: Venue) -> None:
    list_id = await _oto(venue, "oto-2")

    await venue.engine.cancel(CancelOrder(ref=OrderRef(order_id=list_id)))
    await venue.until(list_id, OrderState.CANCELED)
    await venue.parts.brackets.settle()

    assert venue.parts.brackets.get(list_id).state == "CANCELED"
    assert venue.parts.brackets.get(list_id).members == ()
    assert venue.position() == 0


# -- brackets: partial entry fills, replacing a member -----------------------------------------


SPEC = BracketSpec(
    Exit(ExitKind.PERCENT, Decimal(5)),
    (TakeProfit(Exit(ExitKind.PERCENT, Decimal(5)), fraction=Decimal(1)),),
)


async def _bracket(venue: Venue, client_order_id: str, limit: Decimal | None = None) -> str:
    entry = SubmitOrder(
        account=ACCOUNT,
        symbol=venue.fake.symbol,
        side=Side.BUY,
        quantity=venue.fake.quantity,
        type=OrderType.MARKET if limit is None else OrderType.LIMIT,
        time_in_force=TimeInForce.GTC,
        client_order_id=client_order_id,
        limit_price=limit,
    )
    return (await venue.parts.brackets.submit(entry, SPEC)).list_id


def _working(venue: Venue, list_id: str, role: str) -> Order | None:
    """The bracket's newest member in ``role`` (a resize may place a member again)."""
    members = venue.parts.brackets.get(list_id).members
    return next((m for m in reversed(members) if role_of(m)[1] == role), None)


def _protection(venue: Venue, list_id: str) -> dict[str, Decimal]:
    """Role -> quantity of the bracket's working members."""
    members = venue.parts.brackets.get(list_id).members
    return {role_of(m)[1]: m.quantity for m in members if m.state in OPEN}


def _roles(venue: Venue) -> set[str]:
    """The members a bracket of SPEC rests: no stop where fillgate holds it."""
    held = venue.parts.brackets.stop_emulated(ACCOUNT, SPEC)
    return {"tp.1"} if held else {"sl", "tp.1"}


async def _protected(venue: Venue, list_id: str, quantity: Decimal) -> dict[str, Decimal]:
    """Wait until every member rests for ``quantity``."""
    want = dict.fromkeys(_roles(venue), quantity)
    await eventually(lambda: _protection(venue, list_id) == want)
    await venue.parts.brackets.settle()
    return _protection(venue, list_id)


async def test_venue_bracket_partial_entry_fill_sizes_protection_then_grows_it(
    venue: Venue,
) -> None:
    quantity = venue.fake.quantity
    half = quantity / 2
    list_id = await _bracket(venue, "bpart-1", limit=venue.price_at("0.99"))
    await venue.until(list_id, OrderState.NEW)

    _fill(venue, venue.order(list_id), half)
    partial = await _protected(venue, list_id, half)
    _fill(venue, venue.order(list_id), quantity - half)
    full = await _protected(venue, list_id, quantity)

    assert partial == dict.fromkeys(_roles(venue), half)
    assert full == dict.fromkeys(_roles(venue), quantity)
    target = _working(venue, list_id, "tp.1")
    assert target is not None
    assert _at_venue(venue, target) == quantity


async def _armed(venue: Venue, client_order_id: str) -> tuple[str, Order]:
    list_id = await _bracket(venue, client_order_id)
    await venue.until(list_id, OrderState.FILLED)
    await _protected(venue, list_id, venue.fake.quantity)
    target = _working(venue, list_id, "tp.1")
    assert target is not None
    return list_id, target


async def test_venue_bracket_take_profit_replaced_to_a_new_price_keeps_it(venue: Venue) -> None:
    list_id, target = await _armed(venue, "brep-1")
    assert target.limit_price is not None
    price = target.limit_price + venue.tick * 10
    want = dict.fromkeys(_roles(venue), venue.fake.quantity)

    def kept() -> bool:
        found = _working(venue, list_id, "tp.1")
        protected = _protection(venue, list_id) == want
        return (
            protected and found is not None and found.state in OPEN and found.limit_price == price
        )

    await venue.engine.replace(
        ReplaceOrder(ref=OrderRef(order_id=target.order_id), limit_price=price)
    )
    await eventually(kept)
    await venue.parts.brackets.settle()

    assert kept()  # settled: nothing puts the plan's price back
    found = _working(venue, list_id, "tp.1")
    assert found is not None
    assert _at_venue(venue, found) == venue.fake.quantity


async def test_venue_bracket_take_profit_replaced_to_another_quantity_is_set_back(
    venue: Venue,
) -> None:
    quantity = venue.fake.quantity
    list_id, target = await _armed(venue, "brep-2")

    await venue.engine.replace(
        ReplaceOrder(ref=OrderRef(order_id=target.order_id), quantity=quantity / 2)
    )
    await eventually(lambda: venue.order(target.order_id).version >= 1)
    await _protected(venue, list_id, quantity)

    restored = _working(venue, list_id, "tp.1")
    assert restored is not None
    assert _at_venue(venue, restored) == quantity
    assert venue.position() == quantity


# -- restart: the protection survives fillgate stopping ---------------------------------------


async def test_venue_bracket_armed_survives_restart_and_its_take_profit_fill_ends_it(
    journaled: Venue,
) -> None:
    venue = journaled
    list_id, target = await _armed(venue, "brst-1")
    before = [(m.order_id, m.state) for m in venue.parts.brackets.get(list_id).members]

    await venue.restart()
    await venue.parts.brackets.settle()

    after = [(m.order_id, m.state) for m in venue.parts.brackets.get(list_id).members]
    assert after == before  # the same members, nothing placed twice
    assert venue.parts.brackets.get(list_id).state == "ACTIVE"
    _fill(venue, target, venue.fake.quantity)
    await venue.until(target.order_id, OrderState.FILLED)
    stop = _working(venue, list_id, "sl")
    if stop is not None:
        await venue.until(stop.order_id, *ENDED)
    await venue.parts.brackets.settle()
    assert venue.parts.brackets.get(list_id).state == "DONE"
    assert venue.position() == 0


async def test_venue_oco_leg_filled_while_fillgate_down_other_canceled_after_restart(
    journaled: Venue,
) -> None:
    venue = journaled
    venue.need_network()
    quantity = venue.fake.quantity
    list_id, first, second = await _exit_list(venue, "oco", "ocorst-1")
    vid = venue.venue_id(first)
    assert first.limit_price is not None
    price = first.limit_price

    async def trade() -> None:
        venue.fake.fill(vid, quantity, price)

    await venue.restart(while_down=trade)

    await venue.until(first.order_id, OrderState.FILLED)
    await venue.until(second.order_id, OrderState.CANCELED)
    await venue.parts.brackets.settle()
    assert venue.parts.brackets.get(list_id).state == "DONE"
    assert venue.order(second.order_id).filled_quantity == 0
    assert venue.position() == quantity  # no overfill: one leg sold
    assert await venue.parts.reconciler.reconcile(ACCOUNT) == []


async def test_venue_ouo_leg_partly_filled_while_fillgate_down_other_cut_after_restart(
    journaled: Venue,
) -> None:
    venue = journaled
    venue.need_network()
    quantity = venue.fake.quantity
    half = quantity / 2
    _, first, second = await _exit_list(venue, "ouo", "ouorst-1")
    vid = venue.venue_id(first)
    price = first.limit_price

    async def trade() -> None:
        venue.fake.fill(vid, half, price)

    await venue.restart(while_down=trade)

    await venue.until(first.order_id, OrderState.PARTIALLY_FILLED)
    await eventually(lambda: venue.order(second.order_id).quantity == quantity - half)
    await venue.parts.brackets.settle()
    cut = await venue.until(second.order_id, OrderState.NEW)
    assert _at_venue(venue, cut) == quantity - half
    assert venue.position() == quantity * 2 - half


async def test_venue_oto_partly_filled_then_restarted_grows_its_child_on_the_rest(
    journaled: Venue,
) -> None:
    venue = journaled
    quantity = venue.fake.quantity
    half = quantity / 2
    list_id = await _oto(venue, "otorst-1")
    _fill(venue, venue.order(list_id), half)
    await eventually(lambda: 2 in _legs(venue, list_id))
    child = await venue.until(_legs(venue, list_id)[2].order_id, OrderState.NEW)

    await venue.restart()
    _fill(venue, venue.order(list_id), quantity - half)

    await venue.until(list_id, OrderState.FILLED)
    await eventually(lambda: venue.order(child.order_id).quantity == quantity)
    await venue.parts.brackets.settle()
    grown = await venue.until(child.order_id, OrderState.NEW)
    assert _at_venue(venue, grown) == quantity
    assert [m.order_id for m in venue.parts.brackets.get(list_id).members] == [child.order_id]


async def test_venue_bracket_entry_filled_while_fillgate_down_is_armed_after_restart(
    journaled: Venue,
) -> None:
    venue = journaled
    venue.need_network()
    quantity = venue.fake.quantity
    list_id = await _bracket(venue, "barm-1", limit=venue.price_at("0.99"))
    entry = await venue.until(list_id, OrderState.NEW)
    vid = venue.venue_id(entry)
    price = entry.limit_price

    async def trade() -> None:
        venue.fake.fill(vid, quantity, price)

    await venue.restart(while_down=trade)

    await venue.until(list_id, OrderState.FILLED)
    assert await _protected(venue, list_id, quantity) == dict.fromkeys(_roles(venue), quantity)
    assert venue.position() == quantity
