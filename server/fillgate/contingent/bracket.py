"""Brackets: an entry order protected by a stop-loss and one or more take-profits.

A bracket is an order list of ordinary orders linked by tags (``contingent/spec.py``:
the entry carries the exits, each member its list and role).

There is no separate list state to keep in step: :func:`plan` derives what
the members should be from the entry's fills and the members' fills, and the
runner (``engine/brackets.py``) converges on it by submitting, resizing and
canceling members through the engine. That makes it restart-proof: after a
replay the same orders give the same plan, and whatever a crash interrupted
is simply done then.


The plan, with ``open`` = entry filled - members filled (the bracket's own
position, never the account's):

- stop-loss: one reduce-only STOP for ``open`` at the price fixed when the
  entry first filled (the average fill price then, moved by the offset or
  percent); resized as the entry fills and as take-profits fill;
- take-profits: reduce-only LIMITs, each sized to its quantity or fraction
  of what the entry has filled so far (a partial entry fill arms a partial
  ladder), at prices fixed from the same entry price;
- once ``open`` is zero (the stop or the ladder closed it): cancel what is
  left; when ``open`` turns negative (an OCO race filled both sides at a
  venue without reduce-only at fill time): close the excess with a
  reduce-only market order (role ``fix``) and report it in the log.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from fillgate.contingent.actions import (
    Action,
    Cancel,
    HoldStop,
    Resize,
    Submit,
    Trail,
    exit_side,
    rung_size,
)
from fillgate.contingent.actions import member_price as _member_price
from fillgate.contingent.outcome import (
    closes_exhausted,
    never_placed,
    refused_in_oco,
    refused_stop,
)
from fillgate.contingent.rungs import rung_plan
from fillgate.contingent.spec import (
    BASIS,
    FIX_ROLE,
    NATIVE,
    ON_TRADE,
    STOP_ROLE,
    TRAIL,
    WITH_ENTRY_NATIVE,
    BracketSpec,
    role_of,
)
from fillgate.contingent.trailing import limit_price, trailed
from fillgate.domain.enums import OrderState, OrderType, Side
from fillgate.domain.orders import Order
from fillgate.domain.values import ZERO, exact_add, exact_sub

__all__ = [
    "Action",
    "Cancel",
    "HoldStop",
    "Resize",
    "Submit",
    "Trail",
    "basis_of",
    "exit_side",
    "plan",
    "triggered",
]

_WAITING = (OrderState.PENDING_NEW, OrderState.PENDING_CANCEL, OrderState.PENDING_REPLACE)


def plan(
    entry: Order,
    members: Sequence[Order],
    spec: BracketSpec,
    *,
    price_places: int,
    quantity_places: int,
    mark: Decimal | None = None,
    emulate_stop: bool = False,
    held_stop: Decimal | None = None,
    rung_ocos: bool = False,
) -> list[Action]:
    """What to do now so the members match the entry's fills (empty when they do).

    ``mark`` is the symbol's current mark: a trailing stop follows it, and an
    emulated stop triggers on it. ``emulate_stop`` keeps the stop in fillgate
    instead of resting it at the venue: for venues where every resting sell
    holds the balance it sells (spot), so a stop and a take-profit cannot
    both rest. When the mark reaches the stop, the take-profits are canceled
    and a reduce-only market order closes what is open. ``held_stop`` is where
    such a stop has trailed to (None: at its first price). ``rung_ocos`` rests a
    take-profit ladder and its stop at such a venue as one native OCO per rung instead
    (``contingent/rungs.py``).
    """
    filled = entry.filled_quantity
    if not filled:
        return []
    exited = ZERO
    for m in members:
        exited = exact_add(exited, m.filled_quantity)
    open_qty = exact_sub(filled, exited)
    if any(m.state in _WAITING for m in members):
        return []  # an answer is on its way: plan again once it is in
    live = [m for m in members if m.is_open]
    if open_qty < 0:
        if closes_exhausted(members, FIX_ROLE):
            return []  # the venue keeps refusing it (logged by the runner)
        return [Submit(FIX_ROLE, entry.side, OrderType.MARKET, -open_qty, None)]
    if open_qty == 0:
        return [Cancel(m.order_id) for m in live]
    basis = basis_of(entry, members)
    places = price_places
    if rung_ocos:
        return rung_plan(entry, members, spec, open_qty, basis, places, quantity_places)
    if emulate_stop:
        first = spec.stop_loss.price(basis, up=entry.side is not Side.BUY, places=places)
        held = first if held_stop is None else held_stop
        closing = _emulated_stop(entry, members, live, spec, open_qty, held, places, mark)
        if closing is not None:
            return closing
        actions: list[Action] = _held_trail(entry, spec, held, first, places, mark)
    else:
        actions = _resting_stop(entry, members, live, spec, open_qty, basis, places, mark)
    actions += _ladder(entry, members, spec, basis, places, quantity_places)
    return _whole_oco(actions, live, members)


#: The roles a native OCO pairs: the stop and the one take-profit.
_PAIRED = frozenset({STOP_ROLE, "tp.1"})


def _native(member: Order) -> bool:
    """Held by the venue as a whole: one OCO pair, or a stop alone on a trade (OANDA)."""
    return dict(member.tags).get(NATIVE) in ("oco", ON_TRADE, WITH_ENTRY_NATIVE)


def _whole_oco(actions: list[Action], live: list[Order], members: Sequence[Order]) -> list[Action]:
    """Resizing a member of a native OCO resizes the OCO as a whole: both are canceled,
    then the next plan places the pair again at the new size (stop at its kept price,
    take-profit for what its rung has not filled yet).

    Likewise when one half ended alone while the other lives (Binance expires the
    stop once the take-profit partly fills): a new half placed alone would not
    pair, so the live half is canceled and the next plan places both again."""
    natives = {m.order_id for m in live if _native(m)}
    # A first member of an entry that carried its exits binds to the venue's order, which
    # is paired with the one already bound (a restart came between the two): not a new half.
    carried = all(dict(m.tags).get(NATIVE) == WITH_ENTRY_NATIVE for m in live if _native(m))
    seen = {role_of(m)[1] for m in members}
    if natives and any(
        (isinstance(a, Resize) and a.order_id in natives)
        or (isinstance(a, Submit) and a.role in _PAIRED and not (carried and a.role not in seen))
        for a in actions
    ):
        return [Cancel(order_id) for order_id in sorted(natives)]
    return actions


def _resting_stop(
    entry: Order,
    members: Sequence[Order],
    live: list[Order],
    spec: BracketSpec,
    open_qty: Decimal,
    basis: Decimal,
    places: int,
    mark: Decimal | None,
) -> list[Action]:
    """The stop as a reduce-only STOP at the venue: place it, size it, trail it."""
    long = entry.side is Side.BUY
    stops = [m for m in live if role_of(m)[1] == STOP_ROLE]
    first = spec.stop_loss.price(basis, up=not long, places=places)
    terms = spec.terms
    if not stops:
        price = _member_price(members, STOP_ROLE) or first
        limit = limit_price(price, terms, long, places)
        kind = OrderType.STOP if limit is None else OrderType.STOP_LIMIT
        return [Submit(STOP_ROLE, exit_side(entry), kind, open_qty, price, limit)]
    stop = stops[0]
    want = exact_add(stop.filled_quantity, open_qty)
    if stop.quantity != want:
        return [Resize(stop.order_id, want)]
    venue_trails = TRAIL in dict(stop.tags)
    if (
        spec.stop_loss.kind.trailing
        and mark is not None
        and not stop.triggered
        and not venue_trails
    ):
        # The stop's own price is the trail's memory: it only ever moves toward the mark.
        behind = spec.stop_loss.price(mark, up=not long, places=places)
        assert stop.stop_price is not None
        moved = trailed(stop.stop_price, behind, first, terms, mark, long)
        if moved is not None:
            return [Trail(stop.order_id, moved, limit_price(moved, terms, long, places))]
    return []


def _held_trail(
    entry: Order,
    spec: BracketSpec,
    held: Decimal,
    first: Decimal,
    places: int,
    mark: Decimal | None,
) -> list[Action]:
    """A trailing stop kept in fillgate follows the mark (never back): move it."""
    if not spec.stop_loss.kind.trailing or mark is None:
        return []
    long = entry.side is Side.BUY
    behind = spec.stop_loss.price(mark, up=not long, places=places)
    moved = trailed(held, behind, first, spec.terms, mark, long)
    return [] if moved is None else [HoldStop(moved)]


def _emulated_stop(
    entry: Order,
    members: Sequence[Order],
    live: list[Order],
    spec: BracketSpec,
    open_qty: Decimal,
    stop_price: Decimal,
    places: int,
    mark: Decimal | None,
) -> list[Action] | None:
    """The stop kept in fillgate, at ``stop_price``; None until the mark reaches it, then
    the closing steps: a market order, or for a stop-limit a limit order at its limit."""
    long = entry.side is Side.BUY
    reached = mark is not None and (mark <= stop_price if long else mark >= stop_price)
    if not reached and not triggered(members):
        return None
    targets = [m for m in live if role_of(m)[1] != STOP_ROLE]
    if targets:
        return [Cancel(m.order_id) for m in targets]  # they hold the balance the stop sells
    if any(role_of(m)[1] == STOP_ROLE for m in live) or closes_exhausted(members, STOP_ROLE):
        return []
    limit = limit_price(stop_price, spec.terms, long, places)
    if limit is None:
        return [Submit(STOP_ROLE, exit_side(entry), OrderType.MARKET, open_qty, None)]
    return [Submit(STOP_ROLE, exit_side(entry), OrderType.LIMIT, open_qty, limit)]


def triggered(members: Sequence[Order]) -> bool:
    """True once a stop fillgate holds has triggered: its closing order is a member (a
    resting stop the venue refused before fillgate held it is not one)."""
    return any(
        role_of(m)[1] == STOP_ROLE and not refused_stop(m) and not refused_in_oco(m)
        for m in members
    )


def _ladder(
    entry: Order,
    members: Sequence[Order],
    spec: BracketSpec,
    basis: Decimal,
    places: int,
    quantity_places: int,
) -> list[Action]:
    """The take-profits: each sized to its share of what the entry has filled so far."""
    filled = entry.filled_quantity
    long = entry.side is Side.BUY
    actions: list[Action] = []
    for i, rung in enumerate(spec.take_profits, 1):
        role = f"tp.{i}"
        target = rung_size(rung, filled, quantity_places)
        mine = [m for m in members if role_of(m)[1] == role]
        if not mine:
            if target > 0:
                price = rung.exit.price(basis, up=long, places=places)
                actions.append(Submit(role, exit_side(entry), OrderType.LIMIT, target, price))
            continue
        current = mine[-1]
        native_ended = current.state is OrderState.CANCELED and _native(current)
        if native_ended or never_placed(current) or refused_in_oco(current):
            done = ZERO
            for m in mine:
                done = exact_add(done, m.filled_quantity)
            # Canceled to resize its native OCO, never at the venue, or refused as half of
            # one (placed alone now, once): place the rest again.
            if target > done:
                price = _member_price(mine, role) or rung.exit.price(basis, up=long, places=places)
                rest = exact_sub(target, done)
                actions.append(Submit(role, exit_side(entry), OrderType.LIMIT, rest, price))
            continue
        # A take-profit placed again for a native OCO's rest counts what its
        # predecessors filled: it is sized to the part of the rung still open.
        want = target
        for m in mine[:-1]:
            want = exact_sub(want, m.filled_quantity)
        if current.is_open and current.quantity < want:
            actions.append(Resize(current.order_id, want))
    return actions


def basis_of(entry: Order, members: Sequence[Order]) -> Decimal:
    """The entry price exits are measured from: the average fill price when first armed."""
    for m in members:
        text = dict(m.tags).get(BASIS)
        if text:
            return Decimal(text)
    average = entry.average_fill_price
    assert average is not None
    return average
