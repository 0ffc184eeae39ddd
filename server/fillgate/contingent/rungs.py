"""A take-profit ladder held at the venue: one native OCO order list per rung (Binance spot).

Where every resting sell locks the coins it sells (spot), a ladder's stop cannot rest
beside its take-profits as separate orders. It can as one OCO per rung: rung N's
take-profit ``tp.N`` (its size, its price) paired with a stop ``sl.N`` of the same size
at the bracket's stop price (the runner tags both ``ct.native = oco``, ``ct.pair = N``;
``venues/runtime/oco.py`` places them as one list). Each list locks its rung once, so
the lists together lock what is open, and the venue protects the position while
fillgate is down:

- a rung's take-profit trades: the venue expires that rung's stop, the other rungs
  keep protecting what is left. Partly traded, the rest of the take-profit is
  canceled and the rung's pair placed again for the rest;
- the stop price is reached: every rung's stop sells and the venue expires each
  take-profit. Nothing is placed again; should something stay open once nothing
  works any more (a stop the venue expired unfilled), it closes like a stop fillgate
  holds: at market, or for a stop-limit with a limit at its limit;
- the entry fills further: each rung's pair is resized by cancel + place again;
- what the rungs do not cover (quantity rounding, fractions summing to less than
  one, a rung whose pair the venue refused) rests as one plain stop ``sl`` of that rest.

Only fixed stops (price, offset, percent), as a stop-limit where the venue's OCO takes
one; the fit is ``rung_ocos_fit`` in ``engine/native_oco.py``.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from fillgate.contingent.actions import (
    Action,
    Cancel,
    Resize,
    Submit,
    exit_side,
    member_price,
    rung_size,
)
from fillgate.contingent.outcome import closes_exhausted, never_placed
from fillgate.contingent.spec import RUNG_STOP, STOP_ROLE, BracketSpec, TakeProfit, role_of
from fillgate.contingent.trailing import limit_price
from fillgate.domain.enums import OrderState, OrderType, Side
from fillgate.domain.orders import Order
from fillgate.domain.values import ZERO, exact_add, exact_sub


def rung_plan(
    entry: Order,
    members: Sequence[Order],
    spec: BracketSpec,
    open_qty: Decimal,
    basis: Decimal,
    price_places: int,
    quantity_places: int,
) -> list[Action]:
    """The plan of a ladder held as one OCO per rung, for ``open_qty`` > 0 (see module doc).

    Cancels come first, then resizes, then the pairs to place (each stop before its
    take-profit: the runtime holds the stop until its partner arrives)."""
    long = entry.side is Side.BUY
    stop_price = spec.stop_loss.price(basis, up=not long, places=price_places)
    limit = limit_price(stop_price, spec.terms, long, price_places)
    stop = (stop_price, limit)
    live = [m for m in members if m.is_open]
    if stopped(members):
        if live or closes_exhausted(members, STOP_ROLE):
            return []  # still working, or the venue keeps refusing the close (logged)
        return [_close(entry, open_qty, limit)]
    actions: list[Action] = []
    covered = ZERO
    left = entry.filled_quantity  # the rungs share what filled, in order: never more
    for n, rung in enumerate(spec.take_profits, 1):
        target = min(rung_size(rung, entry.filled_quantity, quantity_places), left)
        left = exact_sub(left, target)
        steps, covers = _rung(entry, members, n, rung, target, basis, price_places, stop)
        actions += steps
        covered = exact_add(covered, covers)
    uncovered = exact_sub(open_qty, covered)
    actions += _rest_stop(entry, members, live, uncovered, stop)
    order = {Cancel: 0, Resize: 1, Submit: 2}
    return sorted(actions, key=lambda a: order[type(a)])  # stable: pairs keep stop, then tp


def stopped(members: Sequence[Order]) -> bool:
    """True once a stop of the bracket traded or triggered: the stop price was reached."""
    return any(_is_stop(m) and (m.filled_quantity > 0 or m.triggered) for m in members)


def _is_stop(member: Order) -> bool:
    role = role_of(member)[1]
    return role == STOP_ROLE or role.startswith(RUNG_STOP)


def _left(order: Order) -> Decimal:
    return exact_sub(order.quantity, order.filled_quantity)


def _rung(
    entry: Order,
    members: Sequence[Order],
    n: int,
    rung: TakeProfit,
    target: Decimal,
    basis: Decimal,
    places: int,
    stop: tuple[Decimal, Decimal | None],
) -> tuple[list[Action], Decimal]:
    """Rung ``n``'s actions, and how much of what is open its pair covers (rests, or is
    placed again next pass); the rest of the open quantity goes to the plain stop."""
    tp_role, sl_role = f"tp.{n}", f"{RUNG_STOP}{n}"
    tps = [m for m in members if role_of(m)[1] == tp_role]
    sls = [m for m in members if role_of(m)[1] == sl_role]
    done = ZERO
    for m in (*tps, *sls):
        done = exact_add(done, m.filled_quantity)
    rest = max(exact_sub(target, done), ZERO)
    working = [m for m in (*sls, *tps) if m.is_open]
    if rest == 0:
        return [Cancel(m.order_id) for m in working], ZERO
    live_tp = [m for m in tps if m.is_open]
    live_sl = [m for m in sls if m.is_open]
    if live_tp and live_sl:
        if len(working) == 2 and all(_left(m) == rest for m in working):
            return [], rest
        # Resized as a whole (the entry filled more, or the take-profit traded and its
        # stop's expiry is on its way): both canceled, the next pass places the rest again.
        return [Cancel(m.order_id) for m in working], rest
    if live_tp:  # its stop ended (the venue expires it on a partial fill): pair the rest
        return [Cancel(m.order_id) for m in working], rest
    last_tp = tps[-1] if tps else None
    if live_sl:
        if last_tp is None:  # its take-profit was refused before it was placed (risk):
            return [], rest  # the stop alone still protects the rung's rest
        if last_tp.state is OrderState.CANCELED or never_placed(last_tp):
            return [Cancel(m.order_id) for m in working], rest  # half a pair: place both again
        return [], rest  # the take-profit expired: the stop triggered, the venue works it
    if last_tp is not None and last_tp.state is OrderState.REJECTED and not never_placed(last_tp):
        return [], ZERO  # the venue refused the pair: the plain stop covers its rest
    side = exit_side(entry)
    long = entry.side is Side.BUY
    price = member_price(tps, tp_role) or rung.exit.price(basis, up=long, places=places)
    return [
        _stop(sl_role, side, rest, stop),
        Submit(tp_role, side, OrderType.LIMIT, rest, price),
    ], rest


def _stop(role: str, side: Side, quantity: Decimal, stop: tuple[Decimal, Decimal | None]) -> Submit:
    """A resting stop at ``stop`` (its price, and a stop-limit's limit or None)."""
    price, limit = stop
    kind = OrderType.STOP if limit is None else OrderType.STOP_LIMIT
    return Submit(role, side, kind, quantity, price, limit)


def _rest_stop(
    entry: Order,
    members: Sequence[Order],
    live: list[Order],
    uncovered: Decimal,
    stop: tuple[Decimal, Decimal | None],
) -> list[Action]:
    """The plain stop ``sl`` for what the rungs leave over: placed, resized, or canceled."""
    stops = [m for m in live if role_of(m)[1] == STOP_ROLE]
    if uncovered <= 0:
        return [Cancel(m.order_id) for m in stops]
    if not stops:
        last = next((m for m in reversed(members) if role_of(m)[1] == STOP_ROLE), None)
        refused = last is not None and last.state is OrderState.REJECTED and not never_placed(last)
        if refused and last is not None and last.quantity == uncovered:
            return []  # the venue refused this very stop: not again each pass (logged there)
        return [_stop(STOP_ROLE, exit_side(entry), uncovered, stop)]
    first, *extra = stops
    actions: list[Action] = [Cancel(m.order_id) for m in extra]
    want = exact_add(first.filled_quantity, uncovered)
    if first.quantity != want:
        actions.append(Resize(first.order_id, want))
    return actions


def _close(entry: Order, open_qty: Decimal, limit: Decimal | None) -> Submit:
    """After the stop price was reached and nothing works any more: close what is open."""
    side = exit_side(entry)
    if limit is None:
        return Submit(STOP_ROLE, side, OrderType.MARKET, open_qty, None)
    return Submit(STOP_ROLE, side, OrderType.LIMIT, open_qty, limit)
