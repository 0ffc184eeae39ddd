"""Where a bracket's stop lives, and which members a venue holds as one native OCO.

A venue adapter with ``native_oco`` (Alpaca ``order_class=oco``, Binance OCO
order lists) holds one take-profit limit and one fixed stop (not trailing, not
stop-limit) as one order: such members are tagged ``ct.native = oco`` (see
``venues/runtime/oco.py``). A venue whose resting sells each hold the balance
they sell (``sells_hold_balance``: spot) cannot rest a stop beside a
take-profit as separate orders, so there the stop is held by fillgate
(emulated) unless the pair rests as one native OCO.
"""

from __future__ import annotations

from collections.abc import Sequence

from fillgate.contingent.bracket import NATIVE, STOP_ROLE, BracketSpec, Submit, role_of
from fillgate.domain.enums import OrderType
from fillgate.domain.orders import Order

#: The members a native OCO pairs: the fixed stop and the one take-profit limit.
_PAIR = frozenset({(STOP_ROLE, OrderType.STOP), ("tp.1", OrderType.LIMIT)})
OCO = "oco"


def holds_balance(venue: object) -> bool:
    """True for a spot venue: each resting sell holds the balance it sells."""
    return bool(getattr(venue, "sells_hold_balance", False))


def oco_fits(venue: object, spec: BracketSpec) -> bool:
    """True when the venue holds this bracket's take-profit and stop as one native OCO."""
    return (
        bool(getattr(venue, "native_oco", False))
        and len(spec.take_profits) == 1
        and not spec.stop_loss.kind.trailing
        and not spec.terms.tags()
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


def native_tags(
    venue: object, spec: BracketSpec | None, action: Submit
) -> tuple[tuple[str, str], ...]:
    """``ct.native = oco`` on a member the venue holds in one OCO with its partner; the
    venue pairs them only when their quantities match (see venues/runtime/oco.py)."""
    if spec is None or not oco_fits(venue, spec) or (action.role, action.type) not in _PAIR:
        return ()
    return ((NATIVE, OCO),)
