"""Where a bracket's stop lives, and which members a venue holds as one native OCO.

A venue adapter with ``native_oco`` (Alpaca ``order_class=oco``, Binance OCO
order lists) holds one take-profit limit and one fixed stop (not trailing, not
stop-limit) as one order: such members are tagged ``ct.native = oco`` (see
``venues/runtime/oco.py``). A venue whose resting sells each hold the balance
they sell (``sells_hold_balance``: spot) cannot rest a stop beside a
take-profit as separate orders, so there the stop is held by fillgate
(emulated) unless the pair rests as one native OCO.

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

from collections.abc import Sequence

from fillgate.contingent.bracket import (
    NATIVE,
    ON_TRADE,
    STOP_ROLE,
    TRAIL,
    WITH_ENTRY_NATIVE,
    BracketSpec,
    ExitKind,
    Submit,
    role_of,
)
from fillgate.domain.commands import SubmitOrder
from fillgate.domain.enums import OrderState, OrderType
from fillgate.domain.orders import Order
from fillgate.venues.runtime.with_entry import WITH_ENTRY, encode
from fillgate.venues.types import EntryProtection

#: The members a native OCO pairs: the fixed stop and the one take-profit limit.
_PAIR = frozenset({(STOP_ROLE, OrderType.STOP), ("tp.1", OrderType.LIMIT)})
OCO = "oco"


def holds_balance(venue: object) -> bool:
    """True for a spot venue: each resting sell holds the balance it sells."""
    return bool(getattr(venue, "sells_hold_balance", False))


def oco_fits(venue: object, spec: BracketSpec, members: Sequence[Order] = ()) -> bool:
    """True when the venue holds this bracket's take-profit and stop as one native OCO."""
    trailing = spec.stop_loss.kind.trailing
    return (
        bool(getattr(venue, "native_oco", False))
        and len(spec.take_profits) == 1
        and (not trailing or (trail_fits(venue, spec, members) and _trail_in_oco(venue)))
        and not spec.terms.tags()
    )


def _trail_in_oco(venue: object) -> bool:
    return bool(getattr(venue, "trail_in_oco", False))


def trail_fits(venue: object, spec: BracketSpec, members: Sequence[Order] = ()) -> bool:
    """True when the venue trails this bracket's stop itself: a plain trailing stop of a
    kind the venue has, not refused there before (``members``: the bracket's so far)."""
    kinds = getattr(venue, "native_trail", ()) or ()
    if not spec.stop_loss.kind.trailing or spec.terms.tags():
        return False
    if spec.stop_loss.kind.value not in kinds or trail_refused(members):
        return False
    if not _trail_in_oco(venue):
        return True
    # OANDA: alone on the trade, or paired there with the one take-profit (no ladder).
    paired = bool(getattr(venue, "native_oco", False)) and len(spec.take_profits) == 1
    return paired or not spec.take_profits


def trail_refused(members: Sequence[Order]) -> bool:
    """True once a venue-trailed stop of the bracket was rejected: fall back for good."""
    return any(
        role_of(m)[1] == STOP_ROLE and TRAIL in dict(m.tags) and m.state is OrderState.REJECTED
        for m in members
    )


def stop_emulated(venue: object, spec: BracketSpec, members: Sequence[Order] = ()) -> bool:
    """On a spot venue the stop lives in fillgate, unless it rests in a native OCO with
    the take-profit (one order list locks the balance once: Binance). A bracket armed
    with a take-profit outside a native OCO (before the venue had them) keeps its stop
    in fillgate to the end: a stop placed beside that take-profit would find the coins
    locked."""
    if not holds_balance(venue):
        return False
    armed_alone = any(
        role_of(m)[1].startswith("tp.") and dict(m.tags).get(NATIVE) != OCO for m in members
    )
    return armed_alone or not oco_fits(venue, spec)


def with_entry(venue: object, cmd: SubmitOrder, spec: BracketSpec) -> tuple[str, str] | None:
    """The entry's ``ct.with_entry`` tag when the venue carries this bracket's stop-loss and
    take-profit WITH the entry (see venues/runtime/with_entry.py); None otherwise.

    Only one take-profit at a fixed price for the whole entry (the venues take the
    take-profit as a price only), and a stop at a fixed price, at an offset from the
    fill (a distance), or trailed by an amount, with no stop-limit or activation
    price; the driver then says whether its venue has that shape."""
    fits = getattr(venue, "with_entry_fits", None)
    if fits is None or spec.terms.tags() or len(spec.take_profits) != 1:
        return None
    rung = spec.take_profits[0]
    whole = rung.fraction == 1 or (rung.quantity is not None and rung.quantity >= cmd.quantity)
    if not whole or rung.exit.kind is not ExitKind.PRICE:
        return None
    stop = spec.stop_loss
    price = rung.exit.value
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
) -> tuple[tuple[str, str], ...]:
    """``ct.native = oco`` on a member the venue holds in one OCO with its partner; the
    venue pairs them only when their quantities match (see venues/runtime/oco.py).
    ``ct.trail`` on a stop the venue trails itself. ``ct.native = entry`` on the first
    stop and take-profit of an entry that carried them (``ct.with_entry``): the venue
    made them with the entry, so the runtime binds them instead of placing them."""
    if spec is None:
        return ()
    tags: list[tuple[str, str]] = []
    is_stop = (action.role, action.type) == (STOP_ROLE, OrderType.STOP)
    if is_stop and trail_fits(venue, spec, members):
        tags.append((TRAIL, spec.stop_loss.text()))
        if _trail_in_oco(venue) and not spec.take_profits:
            tags.append((NATIVE, ON_TRADE))  # alone on the trade: resized as a whole
    first = not any(role_of(m)[1] == action.role for m in members)
    if (action.role, action.type) in _PAIR and first and WITH_ENTRY in dict(entry_tags):
        tags.append((NATIVE, WITH_ENTRY_NATIVE))
    elif oco_fits(venue, spec, members) and (action.role, action.type) in _PAIR:
        tags.append((NATIVE, OCO))
    return tuple(tags)
