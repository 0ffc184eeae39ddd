"""Contingencies across a restart on every venue (issue 13): fillgate stops and is built
again from its journal at the same fake, as after ``kill -9``; the protection is
still there and still correct. What needs the venue to trade while fillgate is
down is skipped for the embedded paper venue (no network, nothing trades).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from conformance_lists_support import (
    ENDED,
    armed,
    at_venue,
    bracket,
    exit_list,
    fill,
    legs,
    oto,
    protected,
    roles,
    working,
)
from conformance_support import ACCOUNT, FAKES, Venue, eventually, started

from fillgate.domain.enums import OrderState

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture(params=list(FAKES))
async def journaled(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> AsyncIterator[Venue]:
    """A venue whose fillgate journals, so it can restart."""
    async with started(request.param, monkeypatch, journal=tmp_path / "journal") as v:
        yield v


async def test_venue_bracket_armed_survives_restart_and_its_take_profit_fill_ends_it(
    journaled: Venue,
) -> None:
    venue = journaled
    list_id, target = await armed(venue, "brst-1")
    before = [(m.order_id, m.state) for m in venue.parts.brackets.get(list_id).members]

    await venue.restart()
    await venue.parts.brackets.settle()

    after = [(m.order_id, m.state) for m in venue.parts.brackets.get(list_id).members]
    assert after == before  # the same members, nothing placed twice
    assert venue.parts.brackets.get(list_id).state == "ACTIVE"
    fill(venue, target, venue.fake.quantity)
    await venue.until(target.order_id, OrderState.FILLED)
    stop = working(venue, list_id, "sl")
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
    list_id, first, second = await exit_list(venue, "oco", "ocorst-1")
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
    _, first, second = await exit_list(venue, "ouo", "ouorst-1")
    vid = venue.venue_id(first)
    price = first.limit_price

    async def trade() -> None:
        venue.fake.fill(vid, half, price)

    await venue.restart(while_down=trade)

    await venue.until(first.order_id, OrderState.PARTIALLY_FILLED)
    await eventually(lambda: venue.order(second.order_id).quantity == quantity - half)
    await venue.parts.brackets.settle()
    cut = await venue.until(second.order_id, OrderState.NEW)
    assert at_venue(venue, cut) == quantity - half
    assert venue.position() == quantity * 2 - half


async def test_venue_oto_partly_filled_then_restarted_grows_its_child_on_the_rest(
    journaled: Venue,
) -> None:
    venue = journaled
    quantity = venue.fake.quantity
    half = quantity / 2
    list_id = await oto(venue, "otorst-1")
    fill(venue, venue.order(list_id), half)
    await eventually(lambda: 2 in legs(venue, list_id))
    child = await venue.until(legs(venue, list_id)[2].order_id, OrderState.NEW)

    await venue.restart()
    fill(venue, venue.order(list_id), quantity - half)

    await venue.until(list_id, OrderState.FILLED)
    await eventually(lambda: venue.order(child.order_id).quantity == quantity)
    await venue.parts.brackets.settle()
    grown = await venue.until(child.order_id, OrderState.NEW)
    assert at_venue(venue, grown) == quantity
    assert [m.order_id for m in venue.parts.brackets.get(list_id).members] == [child.order_id]


async def test_venue_bracket_entry_filled_while_fillgate_down_is_armed_after_restart(
    journaled: Venue,
) -> None:
    venue = journaled
    venue.need_network()
    quantity = venue.fake.quantity
    list_id = await bracket(venue, "barm-1", limit=venue.price_at("0.99"))
    entry = await venue.until(list_id, OrderState.NEW)
    vid = venue.venue_id(entry)
    price = entry.limit_price

    async def trade() -> None:
        venue.fake.fill(vid, quantity, price)

    await venue.restart(while_down=trade)

    await venue.until(list_id, OrderState.FILLED)
    assert await protected(venue, list_id, quantity) == dict.fromkeys(roles(venue), quantity)
    assert venue.position() == quantity
