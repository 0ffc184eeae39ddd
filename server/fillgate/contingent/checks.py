"""Check a bracket's plan before anything is placed: every exit and size it cannot work with."""

from __future__ import annotations

from decimal import Decimal

from fillgate.contingent.spec import MAX_TAKE_PROFITS, BracketSpec, ExitKind
from fillgate.contingent.trailing import check_terms
from fillgate.domain.errors import Violations
from fillgate.domain.symbols import SymbolConfig
from fillgate.domain.values import ZERO, decimal_places


def check_spec(
    v: Violations, spec: BracketSpec, quantity: Decimal, sym: SymbolConfig | None
) -> None:
    """Add a violation for every exit and take-profit size the plan cannot work with."""
    if len(spec.take_profits) > MAX_TAKE_PROFITS:
        v.add("take_profits", f"at most {MAX_TAKE_PROFITS} take-profits")
    exits = [("stop_loss", spec.stop_loss)] + [
        (f"take_profits[{i}]", tp.exit) for i, tp in enumerate(spec.take_profits)
    ]
    for field, exit_ in exits:
        percent = exit_.kind in (ExitKind.PERCENT, ExitKind.TRAIL_PERCENT)
        if exit_.kind.trailing and field != "stop_loss":
            v.add(field, "only the stop-loss can trail")
        elif percent and exit_.value >= 100 and field == "stop_loss":
            v.add(field, "a stop-loss percent must be below 100")
        elif sym is not None and not percent and decimal_places(exit_.value) > sym.price_precision:
            v.add(field, f"has more than the {sym.price_precision} decimal places of {sym.name}")
    check_terms(v, spec.terms, spec.stop_loss.kind.trailing, sym)
    fractions = sum((tp.fraction or ZERO for tp in spec.take_profits), ZERO)
    quantities = sum((tp.quantity or ZERO for tp in spec.take_profits), ZERO)
    if fractions > 1:
        v.add("take_profits", "fractions add up to more than 1")
    if quantities > quantity:
        v.add("take_profits", "quantities add up to more than the entry quantity")
    for i, tp in enumerate(spec.take_profits):
        size = tp.quantity if tp.quantity is not None else tp.fraction
        if size is None or size <= 0:
            v.add(f"take_profits[{i}]", "give a positive quantity or fraction")
        elif tp.fraction is not None and tp.fraction > 1:
            v.add(f"take_profits[{i}].fraction", "must be at most 1")
        elif (
            sym is not None
            and tp.quantity is not None
            and decimal_places(tp.quantity) > sym.quantity_precision
        ):
            v.add(f"take_profits[{i}].quantity", "has too many decimal places")
