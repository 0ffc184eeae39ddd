"""The list planner (``plan_list``) on hand-made legs: a leg that never reached the venue
is placed again; a leg the venue refused or canceled is not."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from plan_orders import order

from fillgate.contingent.order_list import CancelLeg, Leg, PlaceLeg, leg_client_order_id, plan_list
from fillgate.domain.enums import OrderState, OrderType, Side, TimeInForce

NOT_PLACED = "UNKNOWN_OUTCOME_NOT_PLACED: the venue had no order with client id L.leg.2"
LEG2 = Leg(Side.SELL, OrderType.STOP, D(2), TimeInForce.GTC, None, D(95))


def _first(filled: str = "0", side: Side = Side.SELL, **kw) -> object:
    return order("L", side, "2", filled, **kw)


def _second(state: OrderState, reason: str = "") -> object:
    return order("L.leg.2", Side.SELL, "2", "0", state=state, reason=reason, type=OrderType.STOP)


def _plan(kind: str, legs: dict) -> list:
    return plan_list(kind, legs, {1: D(2), 2: D(2)}, {2: LEG2})


@pytest.mark.parametrize("kind", ["oco", "ouo"])
def test_plan_list_leg_never_placed_after_an_unknown_outcome_is_placed_again(kind):
    legs = {1: _first(), 2: _second(OrderState.REJECTED, NOT_PLACED)}

    assert _plan(kind, legs) == [PlaceLeg(2, LEG2, D(2))]


def test_plan_list_oto_child_never_placed_after_an_unknown_outcome_is_placed_again():
    legs = {1: _first("2", side=Side.BUY), 2: _second(OrderState.REJECTED, NOT_PLACED)}

    assert _plan("oto", legs) == [PlaceLeg(2, LEG2, D(2))]


def test_plan_list_leg_the_venue_refused_is_not_placed_again():
    legs = {1: _first(), 2: _second(OrderState.REJECTED, "VENUE_REJECTED: price")}

    assert _plan("ouo", legs) == []


@pytest.mark.parametrize("ended", [OrderState.CANCELED, OrderState.EXPIRED, OrderState.REJECTED])
def test_plan_list_oco_leg_ended_without_a_fill_cancels_the_others(ended):
    legs = {1: _first(state=ended), 2: _second(OrderState.NEW)}

    assert _plan("oco", legs) == [CancelLeg("L.leg.2")]


def test_plan_list_oco_first_leg_refused_places_no_other_leg():
    assert _plan("oco", {1: _first(state=OrderState.REJECTED)}) == []


def test_leg_client_order_id_first_order_keeps_the_plain_id_later_ones_are_numbered():
    ids = [leg_client_order_id("L", 2, v) for v in (1, 2, 3)]

    assert ids == ["L.leg.2", "L.leg.2.2", "L.leg.2.3"]
