"""Trading restrictions by scope, and the halt guard every new order passes.

A restriction sets a scope (all, one account, one symbol, one strategy) to
REDUCING or HALTED. For an order, every applicable restriction is consulted
and the strictest wins. With no restriction in force the guard is one dict
length check.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from fillgate.domain.enums import HaltScope, Side, TradingMode
from fillgate.domain.errors import FailedPrecondition
from fillgate.domain.values import fmt


@dataclass(frozen=True, slots=True, kw_only=True)
class Restriction:
    """One restriction in force."""

    scope: HaltScope
    target: str
    mode: TradingMode
    reason: str
    requested_by: str
    set_ns: int

    def describe(self) -> str:
        where = (
            "all trading"
            if self.scope is HaltScope.ALL
            else (f"{self.scope.name.lower()} {self.target}")
        )
        return f"{where} is {self.mode.name}"


class TradingState:
    """The restrictions in force; single writer."""

    def __init__(self) -> None:
        self._by_key: dict[tuple[HaltScope, str], Restriction] = {}

    def set(self, restriction: Restriction) -> None:
        self._by_key[(restriction.scope, restriction.target)] = restriction

    def get(self, scope: HaltScope, target: str) -> Restriction | None:
        return self._by_key.get((scope, target))

    def clear(self, scope: HaltScope, target: str) -> Restriction | None:
        return self._by_key.pop((scope, target), None)

    def restrictions(self) -> list[Restriction]:
        return sorted(self._by_key.values(), key=lambda r: (r.scope, r.target))

    def strictest(self, account: str, symbol: str, strategy: str) -> Restriction | None:
        """Return the strictest restriction that applies to an order, or None."""
        if not self._by_key:
            return None
        best: Restriction | None = None
        for key in (
            (HaltScope.ALL, ""),
            (HaltScope.ACCOUNT, account),
            (HaltScope.SYMBOL, symbol),
            (HaltScope.STRATEGY, strategy),
        ):
            r = self._by_key.get(key)
            if r is not None and (best is None or r.mode > best.mode):
                best = r
        return best

    def check_new_order(self, *, account: str, symbol: str, strategy: str, reduces: bool) -> None:
        """Raise FailedPrecondition when a restriction forbids this new order."""
        r = self.strictest(account, symbol, strategy)
        if r is None or r.mode is TradingMode.ACTIVE:
            return
        if r.mode is TradingMode.REDUCING and reduces:
            return
        reason = "TRADING_HALTED" if r.mode is TradingMode.HALTED else "TRADING_REDUCING"
        detail = "" if r.mode is TradingMode.HALTED else ": only orders that reduce exposure pass"
        raise FailedPrecondition(
            reason,
            f"{r.describe()}{detail} (reason: {r.reason})",
            {
                "scope": r.scope.name,
                "target": r.target,
                "mode": r.mode.name,
                "halt_reason": r.reason,
                "requested_by": r.requested_by,
            },
        )


def reduces_exposure(
    position: Decimal, side: Side, quantity: Decimal, pending_same_side: Decimal
) -> bool:
    """True when an order can only shrink the absolute position.

    ``pending_same_side`` is the leaves quantity of the account's other open
    orders on the same side and symbol: together they must not cross flat.
    """
    if position == 0 or (position > 0) == (side is Side.BUY):
        return False
    return quantity + pending_same_side <= abs(position)


def describe_position(position: Decimal) -> str:
    return "flat" if position == 0 else ("long " if position > 0 else "short ") + fmt(abs(position))
