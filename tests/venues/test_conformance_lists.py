"""Every contingency type on every venue (issue 13): OCO, OUO and OTO lists and brackets
at paper, ccxt (Binance), OANDA and Alpaca, native or emulated, the same outcome.

Legs and members are ordinary orders at the venue; a fill is the fake venue's
(``fake.fill``), arriving the venue's way. The steps are in
``conformance_lists_support.py``; the restart scenarios, as a real ``kill -9``
of a ``fillgate serve`` process, in ``test_conformance_crash.py``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from conformance_lists_support import (
    OPEN,
    armed,
    at_venue,
    bracket,
    exit_list,
    fill,
    legs,
    oto,
    protected,
    protection,
    roles,
    working,
)
from conformance_support import FAKES, Venue, eventually, started

from fillgate.domain.commands import CancelOrder, OrderRef, ReplaceOrder
from fillgate.domain.enums import OrderState

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture(params=list(FAKES))
async def venue(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Venue]:
    async with started(request.param, monkeypatch) as v:
        yield v


# -- OCO: a fill of one leg cancels the others ----------------------------------------


async def test_venue_oco_full_fill_of_one_leg_cancels_the_other(venue: Venue) -> None:
    quantity = venue.fake.quantity
    list_id, first, second = await exit_list(venue, "oco", "oco-1")

    fill(venue, second, quantity)

    await venue.until(second.order_id, OrderState.FILLED)
    await venue.until(first.order_id, OrderState.CANCELED)
    await venue.parts.brackets.settle()
    assert venue.parts.brackets.get(list_id).state == "DONE"
    assert venue.order(first.order_id).filled_quantity == 0
    assert venue.position() == quantity  # one leg's worth sold, not two


async def test_venue_oco_partial_fill_of_one_leg_cancels_the_other(venue: Venue) -> None:
    half = venue.fake.quantity / 2
    list_id, first, second = await exit_list(venue, "oco", "oco-2")

    fill(venue, first, half)

    await venue.until(first.order_id, OrderState.PARTIALLY_FILLED)
    await venue.until(second.order_id, OrderState.CANCELED)
    await venue.parts.brackets.settle()
    assert venue.order(first.order_id).state is OrderState.PARTIALLY_FILLED  # works on
    assert venue.parts.brackets.get(list_id).state == "ACTIVE"


# -- OUO: a fill of one leg reduces the others -------------------------------------------


async def test_venue_ouo_partial_fill_reduces_the_other_leg_by_what_filled(venue: Venue) -> None:
    quantity = venue.fake.quantity
    half = quantity / 2
    _, first, second = await exit_list(venue, "ouo", "ouo-1")

    fill(venue, first, half)

    await venue.until(first.order_id, OrderState.PARTIALLY_FILLED)
    await eventually(lambda: venue.order(second.order_id).quantity == quantity - half)
    await venue.parts.brackets.settle()
    cut = await venue.until(second.order_id, OrderState.NEW)
    assert (cut.quantity, cut.filled_quantity) == (quantity - half, 0)
    assert at_venue(venue, cut) == quantity - half


# -- OTO: the first leg's fills place and grow the others -----------------------------------


async def test_venue_oto_children_sized_to_partial_fill_then_grown_on_the_rest(
    venue: Venue,
) -> None:
    quantity = venue.fake.quantity
    half = quantity / 2
    list_id = await oto(venue, "oto-1")
    assert venue.parts.brackets.get(list_id).members == ()

    fill(venue, venue.order(list_id), half)
    await eventually(lambda: 2 in legs(venue, list_id))
    child = await venue.until(legs(venue, list_id)[2].order_id, OrderState.NEW)
    fill(venue, venue.order(list_id), quantity - half)
    await venue.until(list_id, OrderState.FILLED)
    await eventually(lambda: venue.order(child.order_id).quantity == quantity)
    await venue.parts.brackets.settle()

    grown = await venue.until(child.order_id, OrderState.NEW)
    assert child.quantity == half
    assert at_venue(venue, grown) == quantity
    assert len(venue.parts.brackets.get(list_id).members) == 1


async def test_venue_oto_first_leg_canceled_before_a_fill_places_nothing(venue: Venue) -> None:
    list_id = await oto(venue, "oto-2")

    await venue.engine.cancel(CancelOrder(ref=OrderRef(order_id=list_id)))
    await venue.until(list_id, OrderState.CANCELED)
    await venue.parts.brackets.settle()

    assert venue.parts.brackets.get(list_id).state == "CANCELED"
    assert venue.parts.brackets.get(list_id).members == ()
    assert venue.position() == 0


# -- brackets: partial entry fills, replacing a member -----------------------------------------


async def test_venue_bracket_partial_entry_fill_sizes_protection_then_grows_it(
    venue: Venue,
) -> None:
    quantity = venue.fake.quantity
    half = quantity / 2
    list_id = await bracket(venue, "bpart-1", limit=venue.price_at("0.99"))
    await venue.until(list_id, OrderState.NEW)

    fill(venue, venue.order(list_id), half)
    partial = await protected(venue, list_id, half)
    fill(venue, venue.order(list_id), quantity - half)
    full = await protected(venue, list_id, quantity)

    assert partial == dict.fromkeys(roles(venue), half)
    assert full == dict.fromkeys(roles(venue), quantity)
    target = working(venue, list_id, "tp.1")
    assert target is not None
    assert at_venue(venue, target) == quantity


async def test_venue_bracket_take_profit_replaced_to_a_new_price_keeps_it(venue: Venue) -> None:
    list_id, target = await armed(venue, "brep-1")
    assert target.limit_price is not None
    price = target.limit_price + venue.tick * 10
    want = dict.fromkeys(roles(venue), venue.fake.quantity)

    def kept() -> bool:
        found = working(venue, list_id, "tp.1")
        protected = protection(venue, list_id) == want
        return (
            protected and found is not None and found.state in OPEN and found.limit_price == price
        )

    await venue.engine.replace(
        ReplaceOrder(ref=OrderRef(order_id=target.order_id), limit_price=price)
    )
    await eventually(kept)
    await venue.parts.brackets.settle()

    assert kept()  # settled: nothing puts the plan's price back
    found = working(venue, list_id, "tp.1")
    assert found is not None
    assert at_venue(venue, found) == venue.fake.quantity


async def test_venue_bracket_take_profit_replaced_to_another_quantity_is_set_back(
    venue: Venue,
) -> None:
    quantity = venue.fake.quantity
    list_id, target = await armed(venue, "brep-2")

    await venue.engine.replace(
        ReplaceOrder(ref=OrderRef(order_id=target.order_id), quantity=quantity / 2)
    )
    await eventually(lambda: venue.order(target.order_id).version >= 1)
    await protected(venue, list_id, quantity)

    restored = working(venue, list_id, "tp.1")
    assert restored is not None
    assert at_venue(venue, restored) == quantity
    assert venue.position() == quantity
