"""Where a bracket's stop lives, and which members a venue holds as one native OCO.

A venue adapter with ``native_oco`` (Alpaca ``order_class=oco``, Binance OCO
order lists) holds one take-profit limit and one fixed stop (not trailing; a
stop-limit only where ``oco_stop_limit``: Binance ``STOP_LOSS_LIMIT``) as one
order: such members are tagged ``ct.native = oco`` (see ``venues/runtime/oco.py``).
A venue whose resting sells each hold the balance they sell
(``sells_hold_balance``: spot) cannot rest a stop beside a take-profit as
separate orders, so there the stop is held by fillgate (emulated) unless the
pair rests as one native OCO.

A venue with ``native_trail`` (the exit kinds it trails itself: Alpaca
``trail`` and ``trail_percent``, OANDA ``trail``) holds a plain trailing stop
(no activation price, no stop-limit) as its own trailing order: such a stop is
tagged ``ct.trail`` (see ``venues/runtime/trail.py``) and fillgate no longer
moves it. OANDA (``trail_in_oco``) trails only on the trade the entry opened:
alone (``ct.native = trade``), or paired with the one take-profit like a fixed
stop-loss. Once such a stop was rejected (the venue could not hold it), the
bracket's next stop is a plain one that fillgate moves.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from decimal import ROUND_DOWN, Decimal

from fillgate.contingent.bracket import Submit
from fillgate.contingent.order_list import Leg
from fillgate.contingent.outcome import refused_in_oco, refused_stop
from fillgate.contingent.spec import (
    NATIVE,
    ON_TRADE,
    PAIR,
    STOP_ROLE,
    TRAIL,
    WITH_ENTRY_NATIVE,
    BracketSpec,
    ExitKind,
    role_of,
)
from fillgate.domain.commands import SubmitOrder
from fillgate.domain.enums import OrderState, OrderType, Side, TimeInForce
from fillgate.domain.orders import Order
from fillgate.venues.runtime.with_entry import WITH_ENTRY, encode
from fillgate.venues.types import EntryProtection

#: The members a native OCO pairs: the fixed stop (or stop-limit, where the venue's OCO
#: has one: ``oco_stop_limit``) and the one take-profit limit.
_PAIR = frozenset({(STOP_ROLE, OrderType.STOP), ("tp.1", OrderType.LIMIT)})
_STOP_LIMIT = (STOP_ROLE, OrderType.STOP_LIMIT)
OCO = "oco"


def list_oco_fits(
    venue: object, kind: str, first: SubmitOrder, legs: Sequence[Leg], position: Decimal
) -> bool:
    """True when a SubmitOrderList OCO goes to the venue as ONE OCO order (``list_oco``):
    two GTC legs of one side and quantity, a limit beyond a stop (or a stop-limit where
    the venue's OCO takes one): for a sell the limit above the stop, for a buy below.
    Where the venue's OCO only exits (``list_oco_exits_only``: Alpaca), the legs must
    close at most the ``position`` held now."""
    if kind != "oco" or len(legs) != 1 or not getattr(venue, "list_oco", False):
        return False
    other = legs[0]
    if other.side is not first.side or other.quantity != first.quantity:
        return False
    if getattr(venue, "list_oco_exits_only", False):
        held = position if first.side is Side.SELL else -position
        if held < first.quantity:
            return False
    if first.time_in_force is not TimeInForce.GTC or other.time_in_force is not TimeInForce.GTC:
        return False
    stops = (OrderType.STOP, OrderType.STOP_LIMIT)
    by_type: dict[OrderType, SubmitOrder | Leg] = {first.type: first, other.type: other}
    limit = by_type.get(OrderType.LIMIT)
    stop = next((by_type[t] for t in stops if t in by_type), None)
    if limit is None or stop is None or limit.limit_price is None or stop.stop_price is None:
        return False
    if stop.type is OrderType.STOP_LIMIT and not getattr(venue, "oco_stop_limit", False):
        return False
    above = limit.limit_price > stop.stop_price
    return above if first.side is Side.SELL else not above


def holds_balance(venue: object) -> bool:
    """True for a spot venue: each resting sell holds the balance it sells."""
    return bool(getattr(venue, "sells_hold_balance", False))


def oco_fits(venue: object, spec: BracketSpec, members: Sequence[Order] = ()) -> bool:
    """True when the venue holds this bracket's take-profit and stop as one native OCO."""
    trailing = spec.stop_loss.kind.trailing
    return (
        bool(getattr(venue, "native_oco", False))
        and len(spec.take_profits) == 1
        and not any(refused_in_oco(m) for m in members)  # refused once: separate for good
        and (not trailing or (trail_fits(venue, spec, members) and _oco_trails(venue)))
        and _terms_fit(venue, spec)
    )


def _terms_fit(venue: object, spec: BracketSpec) -> bool:
    """No stop terms, or only a stop-limit's limit where the venue's OCO takes one."""
    terms = spec.terms
    if terms.activation is not None:
        return False
    return terms.limit_offset is None or bool(getattr(venue, "oco_stop_limit", False))


def _paired(venue: object, action: Submit) -> bool:
    key = (action.role, action.type)
    return key in _PAIR or (key == _STOP_LIMIT and bool(getattr(venue, "oco_stop_limit", False)))


def _trail_in_oco(venue: object) -> bool:
    return bool(getattr(venue, "trail_in_oco", False))


def _oco_trails(venue: object) -> bool:
    """The venue's OCO can hold a stop it trails: OANDA on the trade, Binance's leg."""
    return _trail_in_oco(venue) or bool(getattr(venue, "oco_trail", False))


def _unit_fits(venue: object, spec: BracketSpec) -> bool:
    """A percent trail in the venue's unit (Binance: whole basis points, 2 decimals)."""
    places = getattr(venue, "trail_percent_places", None)
    if places is None or spec.stop_loss.kind.value != "trail_percent":
        return True
    value = spec.stop_loss.value
    return value == value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_DOWN)


def trail_fits(venue: object, spec: BracketSpec, members: Sequence[Order] = ()) -> bool:
    """True when the venue trails this bracket's stop itself: a plain trailing stop of a
    kind the venue has, not refused there before (``members``: the bracket's so far)."""
    kinds = getattr(venue, "native_trail", ()) or ()
    if not spec.stop_loss.kind.trailing or spec.terms.tags():
        return False
    if spec.stop_loss.kind.value not in kinds or trail_refused(members):
        return False
    if not _unit_fits(venue, spec):
        return False
    if not _oco_trails(venue):
        return True
    # OANDA: alone on the trade, or paired there with the one take-profit (no ladder);
    # Binance spot: alone, or as the OCO's leg (a second sell would find the coins locked).
    paired = bool(getattr(venue, "native_oco", False)) and len(spec.take_profits) == 1
    return paired or not spec.take_profits


def trail_refused(members: Sequence[Order]) -> bool:
    """True once a venue-trailed stop of the bracket was rejected: fall back for good."""
    return any(
        role_of(m)[1] == STOP_ROLE and TRAIL in dict(m.tags) and m.state is OrderState.REJECTED
        for m in members
    )


def stop_emulated(
    venue: object,
    spec: BracketSpec,
    members: Sequence[Order] = (),
    algo_room: int | None = None,
) -> bool:
    """On a spot venue the stop lives in fillgate, unless it rests in a native OCO with
    the take-profit (one order list locks the balance once: Binance), or a ladder's in one
    native OCO per rung (:func:`rung_ocos_fit`). A bracket armed
    with a take-profit outside a native OCO (before the venue had them) keeps its stop
    in fillgate to the end: a stop placed beside that take-profit would find the coins
    locked. A bracket with no take-profit has nothing else holding the coins: its stop
    rests at the venue. A take-profit the venue made with the entry (``ct.native =
    entry``: Binance's OTOCO) is one OCO with the stop made with it, like a native OCO.

    On any venue, once the venue refused the bracket's resting stop (the price already
    through it, no room for it), fillgate holds the stop from then on (a ladder resting
    as rung OCOs keeps its own rules: ``contingent/rungs.py``)."""
    if any(refused_stop(m) for m in members) and not _rungs_placed(members):
        return True
    if not holds_balance(venue) or not spec.take_profits:
        return False
    paired = (OCO, WITH_ENTRY_NATIVE)
    armed_alone = any(
        role_of(m)[1].startswith("tp.") and dict(m.tags).get(NATIVE) not in paired for m in members
    )
    fits = oco_fits(venue, spec, members) or rung_ocos_fit(venue, spec, members, algo_room)
    return armed_alone or not fits


#: At most this many rung OCOs per ladder: Binance spot counts each stop leg against the
#: symbol's ``MAX_NUM_ALGO_ORDERS`` (typically 5 on spot), and the plain stop for what the
#: rungs leave over needs one more. A longer ladder keeps its stop in fillgate.
MAX_RUNG_OCOS = 4


def rung_ocos_fit(
    venue: object,
    spec: BracketSpec,
    members: Sequence[Order] = (),
    algo_room: int | None = None,
) -> bool:
    """True when this bracket's take-profit ladder rests at the venue as one native OCO per
    rung, each take-profit paired with a stop of its size (``contingent/rungs.py``): a
    spot venue with native OCO lists (Binance), two to :data:`MAX_RUNG_OCOS` take-profits,
    a fixed stop (a stop-limit where the venue's OCO takes one; no trail, no activation),
    and no take-profit of it armed otherwise before (``members``: the bracket's so far).

    ``algo_room``: how many more stops the venue takes on the symbol (its
    ``MAX_NUM_ALGO_ORDERS`` less the stops open there outside this bracket; None when
    it states no limit). Before any rung rests, the ladder fits only if every rung's stop
    and the plain stop for the rest fit in it; the venue would refuse the pairs past the
    limit, then the plain stop too, and leave that part unprotected. Once rungs rest
    the answer stays (a limit read again later does not move them)."""
    if not holds_balance(venue) or not getattr(venue, "native_oco", False):
        return False
    if not 2 <= len(spec.take_profits) <= MAX_RUNG_OCOS:
        return False
    room = algo_room
    if not _rungs_placed(members) and room is not None and len(spec.take_profits) + 1 > room:
        return False
    if spec.stop_loss.kind.trailing or not _terms_fit(venue, spec):
        return False
    return all(dict(m.tags).get(NATIVE) == OCO for m in members if role_of(m)[1].startswith("tp."))


def _rungs_placed(members: Sequence[Order]) -> bool:
    """True once a member of the bracket went to the venue as a rung's OCO pair."""
    return any(PAIR in dict(m.tags) for m in members)


def algo_room(
    venue: object,
    spec: BracketSpec,
    symbol: str,
    open_orders: Callable[[], Iterable[Order]],
    ours: Collection[str],
) -> int | None:
    """How many more stops the venue takes on ``symbol``: its limit (Binance
    ``MAX_NUM_ALGO_ORDERS``, ``algo_order_limit``) less the stops among the account's
    ``open_orders`` there that are not ``ours`` (the bracket's entry and members). None
    where the venue states no limit, or for a bracket with no ladder (the only shape
    whose fit depends on it: :func:`rung_ocos_fit`)."""
    limit_of = getattr(venue, "algo_order_limit", None)
    if len(spec.take_profits) < 2 or limit_of is None:
        return None
    limit: int | None = limit_of(symbol)
    if limit is None:
        return None
    others = sum(
        1
        for o in open_orders()
        if o.symbol == symbol and o.type.needs_stop and o.order_id not in ours
    )
    return limit - others


def _rung_of(action: Submit) -> int | None:
    """The rung a ladder's take-profit (``tp.N``) or rung stop (``sl.N``) belongs to."""
    kind, _, number = action.role.partition(".")
    if not number.isdigit():
        return None
    if kind == "tp" and action.type is OrderType.LIMIT:
        return int(number)
    stops = (OrderType.STOP, OrderType.STOP_LIMIT)
    return int(number) if kind == STOP_ROLE and action.type in stops else None


def with_entry(venue: object, cmd: SubmitOrder, spec: BracketSpec) -> tuple[str, str] | None:
    """The entry's ``ct.with_entry`` tag when the venue carries this bracket's stop-loss (and
    take-profit, if it has one) WITH the entry (see venues/runtime/with_entry.py); None
    otherwise.

    No take-profit (the stop alone rides on the entry), or one take-profit at a fixed
    price for the whole entry (the venues take the take-profit as a price only); a stop
    at a fixed price, at an offset from the fill (a distance), or trailed by an amount,
    with no stop-limit or activation price; the driver then says whether its venue has
    that shape."""
    fits = getattr(venue, "with_entry_fits", None)
    if fits is None or spec.terms.tags() or len(spec.take_profits) > 1:
        return None
    price = None
    if spec.take_profits:
        rung = spec.take_profits[0]
        whole = rung.fraction == 1 or (rung.quantity is not None and rung.quantity >= cmd.quantity)
        if not whole or rung.exit.kind is not ExitKind.PRICE:
            return None
        price = rung.exit.value
    stop = spec.stop_loss
    if stop.kind is ExitKind.PRICE:
        protection = EntryProtection(take_profit_price=price, stop_price=stop.value)
    elif stop.kind is ExitKind.OFFSET:
        protection = EntryProtection(take_profit_price=price, stop_distance=stop.value)
    elif stop.kind is ExitKind.TRAIL and trail_fits(venue, spec):
        protection = EntryProtection(take_profit_price=price, trail_distance=stop.value)
    else:
        return None  # percent exits need the fill price: armed after the fill, as before
    if not fits(cmd.symbol, cmd.type, cmd.time_in_force, protection):
        return None
    return WITH_ENTRY, encode(protection)


def entry_still_filling(entry: Order) -> bool:
    """True while an entry that carries its exits is open: the venue holds them for what
    filled (OANDA on the trade; Alpaca's legs wait for the parent), so the members are
    bound once the entry is done, to the venue's orders for all it filled."""
    return entry.is_open and WITH_ENTRY in dict(entry.tags)


def native_tags(
    venue: object,
    spec: BracketSpec | None,
    action: Submit,
    members: Sequence[Order] = (),
    entry_tags: Sequence[tuple[str, str]] = (),
    algo_room: int | None = None,
) -> tuple[tuple[str, str], ...]:
    """``ct.native = oco`` on a member the venue holds in one OCO with its partner; the
    venue pairs them only when their quantities match (see venues/runtime/oco.py).
    ``ct.trail`` on a stop the venue trails itself. ``ct.native = entry`` on the first
    stop and take-profit of an entry that carried them (``ct.with_entry``): the venue
    made them with the entry, so the runtime binds them instead of placing them (a stop
    alone that rode on the entry too: bound, then resized as a whole like ``trade``)."""
    if spec is None:
        return ()
    tags: list[tuple[str, str]] = []
    is_stop = (action.role, action.type) == (STOP_ROLE, OrderType.STOP)
    first = not any(role_of(m)[1] == action.role for m in members)
    carried = (action.role, action.type) in _PAIR and first and WITH_ENTRY in dict(entry_tags)
    if is_stop and trail_fits(venue, spec, members):
        tags.append((TRAIL, spec.stop_loss.text()))
        if _trail_in_oco(venue) and not spec.take_profits and not carried:
            tags.append((NATIVE, ON_TRADE))  # alone on the trade: resized as a whole
    if carried:
        tags.append((NATIVE, WITH_ENTRY_NATIVE))
    elif oco_fits(venue, spec, members) and _paired(venue, action):
        tags.append((NATIVE, OCO))
    elif (rung := _rung_of(action)) is not None and rung_ocos_fit(venue, spec, members, algo_room):
        tags += [(NATIVE, OCO), (PAIR, str(rung))]  # rung N's pair: one OCO list of its own
    return tuple(tags)
