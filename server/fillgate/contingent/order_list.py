"""Generic order lists: OCO (one cancels the others), OUO (one fill reduces the others)
and OTO (the first leg's fills activate the others).

Like a bracket (``bracket.py``), a list keeps no state of its own (but for
CancelOrderList's journaled end, see engine/brackets.py). Its first
leg is placed at once and carries the list in its tags: ``ct.kind`` (``oco``
or ``ouo``) and ``ct.leg.N`` (the terms of leg N >= 2); the list's id is the
first leg's order id, and every other leg is an ordinary order tagged
``ct.list`` and ``ct.role`` = ``leg.N``. :func:`plan_list` derives what to do
from the legs' orders alone:

- OCO: once any leg has a fill or ends without one (canceled, expired, refused),
  every other open leg is canceled (and legs not yet placed never are);
- OUO: each leg's quantity is cut by what the other legs filled (a leg with
  nothing left is canceled; a leg not yet placed is placed with the rest);
- OTO: the other legs wait for the first leg's fills; each is placed, then
  grown, in proportion to what the first leg has filled (a first leg canceled
  before any fill places none).

A leg that never reached the venue (rejected ``UNKNOWN_OUTCOME_NOT_PLACED``: its
submit went unanswered and the venue proved not to have it, e.g. fillgate was
killed while it was on its way) counts as not placed: the plan places it again,
under the next client id of its leg (:func:`leg_client_order_id`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

from fillgate.contingent.outcome import never_placed
from fillgate.domain.enums import OrderState, OrderType, Side, TimeInForce
from fillgate.domain.orders import Order
from fillgate.domain.values import ZERO, exact_add, exact_sub, fmt

KIND = "ct.kind"
LEG = "ct.leg."
KINDS = ("oco", "ouo", "oto")
#: Legs per list (the first leg's tags hold the others' terms; 16 tags per order).
MAX_LEGS = 8

_WAITING = (OrderState.PENDING_NEW, OrderState.PENDING_CANCEL, OrderState.PENDING_REPLACE)


@dataclass(frozen=True, slots=True)
class Leg:
    """One leg's terms (account, symbol and strategy are the list's)."""

    side: Side
    type: OrderType
    quantity: Decimal
    time_in_force: TimeInForce
    limit_price: Decimal | None = None
    stop_price: Decimal | None = None

    def text(self) -> str:
        return "|".join(
            [
                self.side.name,
                self.type.name,
                fmt(self.quantity),
                self.time_in_force.name,
                fmt(self.limit_price),
                fmt(self.stop_price),
            ]
        )

    @staticmethod
    def parse(text: str) -> Leg:
        side, kind, quantity, tif, limit, stop = text.split("|")
        return Leg(
            Side[side],
            OrderType[kind],
            Decimal(quantity),
            TimeInForce[tif],
            Decimal(limit) if limit else None,
            Decimal(stop) if stop else None,
        )


def leg_client_order_id(list_id: str, number: int, version: int = 1) -> str:
    """The client order id of leg ``number``'s ``version``-th order (1 = the first; a leg is
    placed again only when an earlier order of it never reached the venue)."""
    base = f"{list_id}.leg.{number}"
    return base if version == 1 else f"{base}.{version}"


def list_tags(kind: str, legs: Sequence[Leg]) -> tuple[tuple[str, str], ...]:
    """The first leg's tags that carry a list of ``kind`` whose other legs are ``legs``."""
    return ((KIND, kind), *((f"{LEG}{n}", leg.text()) for n, leg in enumerate(legs, 2)))


def kind_of(tags: Sequence[tuple[str, str]] | Mapping[str, str]) -> tuple[str, dict[int, Leg]]:
    """(kind, legs by number) of a list's first leg; ("", {}) for any other order."""
    found = dict(tags)
    kind = found.get(KIND, "")
    if kind not in KINDS:
        return "", {}
    legs = {}
    for n in range(2, MAX_LEGS + 1):
        text = found.get(f"{LEG}{n}")
        if text is None:
            break
        legs[n] = Leg.parse(text)
    return kind, legs


@dataclass(frozen=True, slots=True)
class PlaceLeg:
    number: int
    leg: Leg
    quantity: Decimal


@dataclass(frozen=True, slots=True)
class CutLeg:
    """Change a placed leg's quantity (cut it, or grow an OTO child as its parent fills)."""

    order_id: str
    quantity: Decimal


@dataclass(frozen=True, slots=True)
class CancelLeg:
    order_id: str


ListAction = PlaceLeg | CutLeg | CancelLeg


def plan_list(
    kind: str,
    legs: Mapping[int, Order],
    original: Mapping[int, Decimal],
    terms: Mapping[int, Leg],
    quantity_places: int = 8,
) -> list[ListAction]:
    """What to do now. ``legs``: the placed legs by number (1 is the first);
    ``original``: each placed leg's quantity as accepted; ``terms``: legs 2.. as planned."""
    if any(o.state in _WAITING for o in legs.values()):
        return []  # an answer is on its way: plan again once it is in
    legs = {n: o for n, o in legs.items() if n == 1 or not never_placed(o)}
    filled = {n: o.filled_quantity for n, o in legs.items()}
    if kind == "oto":
        return _activate(legs, original, terms, quantity_places)
    if kind == "oco":
        ended = any(not o.is_open for o in legs.values())  # filled, canceled, expired, refused
        if not ended and not any(filled.values()):
            return [PlaceLeg(n, leg, leg.quantity) for n, leg in terms.items() if n not in legs]
        return [CancelLeg(o.order_id) for n, o in legs.items() if o.is_open and not filled[n]]
    total = ZERO
    for q in filled.values():
        total = exact_add(total, q)
    actions: list[ListAction] = []
    for n, order in legs.items():
        want = exact_sub(original[n], exact_sub(total, filled[n]))
        if not order.is_open:
            continue
        if want <= order.filled_quantity:
            actions.append(CancelLeg(order.order_id))
        elif want < order.quantity:
            actions.append(CutLeg(order.order_id, want))
    for n, leg in terms.items():
        if n not in legs:
            rest = exact_sub(leg.quantity, total)
            if rest > 0:
                actions.append(PlaceLeg(n, leg, rest))
    return actions


def _activate(
    legs: Mapping[int, Order],
    original: Mapping[int, Decimal],
    terms: Mapping[int, Leg],
    quantity_places: int,
) -> list[ListAction]:
    """OTO: size each child to its share of what the parent (leg 1) has filled."""
    done = legs[1].filled_quantity
    if not done:
        return []
    step = Decimal(1).scaleb(-quantity_places)
    actions: list[ListAction] = []
    for n, leg in terms.items():
        target = (leg.quantity * done / original[1]).quantize(step, rounding=ROUND_DOWN)
        child = legs.get(n)
        if child is None:
            if target > 0:
                actions.append(PlaceLeg(n, leg, target))
        elif child.is_open and child.quantity < target:
            actions.append(CutLeg(child.order_id, target))
    return actions
