"""A bracket's spec: the exits it asks for and the tags that carry them and link its members.

A bracket is an order list whose every member is an ordinary order, linked
by tags (so the links are journaled, snapshotted and visible in
``GetOrder``/``ListOrders``/the stream like any other field):

- the **entry** carries the plan: ``ct.sl`` (the stop-loss) and ``ct.tp.N``
  (the take-profit ladder); the list's id is the entry's order id;
- each **member** carries ``ct.list`` (the list id) and ``ct.role``
  (``sl``, ``tp.N``, or ``fix`` for an overfill correction).

This module reads and writes those tags (:func:`spec_of`, :meth:`BracketSpec.tags`,
:func:`role_of`); what the members should be is :func:`fillgate.contingent.bracket.plan`.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from enum import Enum

from fillgate.contingent.trailing import NO_TERMS, StopTerms, terms_of
from fillgate.domain.orders import Order

LIST = "ct.list"
ROLE = "ct.role"
#: On members: the entry price the exits were measured from, fixed when first armed.
BASIS = "ct.basis"
STOP_LOSS = "ct.sl"
TAKE_PROFIT = "ct.tp."
STOP_ROLE = "sl"
FIX_ROLE = "fix"
#: At most this many take-profits per bracket (tags are limited to 16 per order).
MAX_TAKE_PROFITS = 8

_HUNDRED = Decimal(100)
#: A member the venue holds with its partner as ONE native OCO order (Alpaca; the runner
#: tags it, venues/runtime/oco.py pairs it). Such a pair is resized as a whole.
NATIVE = "ct.native"
#: ``ct.native = trade``: a venue-trailed stop alone on the entry's trade (OANDA); like
#: an OCO pair it is not resized in place but canceled and placed again.
ON_TRADE = "trade"
#: ``ct.native = entry``: a member the venue created with the entry (an on-fill stop or
#: take-profit, an Alpaca bracket leg), bound rather than placed; resized like an OCO pair.
WITH_ENTRY_NATIVE = "entry"
#: A stop-loss member the venue trails itself (``trail:5``, ``trail_percent:1``): fillgate
#: never moves it (see engine/native_oco.py, venues/runtime/trail.py).
TRAIL = "ct.trail"
#: ``ct.pair = N`` on rung N's take-profit and stop of a ladder held as one native OCO per
#: rung (Binance spot; see contingent/rungs.py): the venue runtime pairs them by list and N.
PAIR = "ct.pair"
#: The role prefix of a rung's own stop (``sl.N``, paired with ``tp.N``); ``sl`` alone is
#: the bracket's one stop (or, beside rung OCOs, the stop of what the rungs leave over).
RUNG_STOP = "sl."


class ExitKind(Enum):
    PRICE = "price"
    OFFSET = "offset"
    PERCENT = "percent"
    #: A trailing stop: ``offset`` / ``percent`` from the best mark since the entry filled.
    TRAIL = "trail"
    TRAIL_PERCENT = "trail_percent"

    @property
    def trailing(self) -> bool:
        return self in (ExitKind.TRAIL, ExitKind.TRAIL_PERCENT)


@dataclass(frozen=True, slots=True)
class Exit:
    """Where an exit sits: an absolute price, or an offset or percent from the entry price."""

    kind: ExitKind
    value: Decimal

    def text(self) -> str:
        return f"{self.kind.value}:{self.value}"

    def price(self, entry_price: Decimal, up: bool, places: int) -> Decimal:
        """The exit price for an entry filled at ``entry_price``; ``up`` is above it."""
        if self.kind is ExitKind.PRICE:
            return self.value
        by_amount = self.kind in (ExitKind.OFFSET, ExitKind.TRAIL)
        step = self.value if by_amount else entry_price * self.value / _HUNDRED
        raw = entry_price + step if up else entry_price - step
        return raw.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN)


@dataclass(frozen=True, slots=True)
class TakeProfit:
    """One rung of the ladder: where, and how much (a quantity, or a fraction of the entry)."""

    exit: Exit
    quantity: Decimal | None = None
    fraction: Decimal | None = None

    def text(self) -> str:
        size = f"qty:{self.quantity}" if self.quantity is not None else f"frac:{self.fraction}"
        return f"{self.exit.text()}|{size}"


@dataclass(frozen=True, slots=True)
class BracketSpec:
    stop_loss: Exit
    take_profits: tuple[TakeProfit, ...] = ()
    #: The stop-loss as a stop-limit, and a trailing stop's activation price.
    terms: StopTerms = NO_TERMS

    def tags(self) -> tuple[tuple[str, str], ...]:
        """The entry's tags that carry this plan."""
        tags = [(STOP_LOSS, self.stop_loss.text()), *self.terms.tags()]
        tags += [(f"{TAKE_PROFIT}{i}", tp.text()) for i, tp in enumerate(self.take_profits, 1)]
        return tuple(tags)


def parse_exit(text: str) -> Exit:
    """Parse ``kind:value`` ("offset:5", "percent:2", "price:95"); ValueError when malformed."""
    kind, _, value = text.partition(":")
    try:
        number = Decimal(value)
        exit_kind = ExitKind(kind)
    except (InvalidOperation, ValueError):
        raise ValueError(f"not an exit: {text!r}") from None
    if not number.is_finite() or number <= 0:
        raise ValueError(f"an exit's {kind} must be positive: {text!r}")
    return Exit(exit_kind, number)


def spec_of(tags: Mapping[str, str] | Sequence[tuple[str, str]]) -> BracketSpec | None:
    """Read the plan from an entry's tags; None when the order is not a bracket entry.

    An order's tags (a tuple) are read once: the runner asks for the same entry's plan
    on every pass, and a spec is immutable."""
    if isinstance(tags, tuple):
        return _spec_of_tuple(tags)
    return _read_spec(dict(tags))


@functools.lru_cache(maxsize=4096)
def _spec_of_tuple(tags: tuple[tuple[str, str], ...]) -> BracketSpec | None:
    return _read_spec(dict(tags))


def _read_spec(found: Mapping[str, str]) -> BracketSpec | None:
    stop = found.get(STOP_LOSS)
    if stop is None:
        return None
    rungs = []
    for i in range(1, MAX_TAKE_PROFITS + 1):
        text = found.get(f"{TAKE_PROFIT}{i}")
        if text is None:
            break
        where, _, size = text.partition("|")
        kind, _, amount = size.partition(":")
        value = Decimal(amount)
        rungs.append(
            TakeProfit(
                parse_exit(where),
                quantity=value if kind == "qty" else None,
                fraction=value if kind == "frac" else None,
            )
        )
    return BracketSpec(parse_exit(stop), tuple(rungs), terms_of(found))


def list_of(tags: Sequence[tuple[str, str]]) -> str:
    """The order list an order's tags link it to; "" for none."""
    for key, value in tags:
        if key == LIST:
            return value
    return ""


def member_client_order_id(list_id: str, role: str, n: int) -> str:
    """The client order id of a bracket's ``n``-th member of ``role`` (1 = the first)."""
    return f"{list_id}.{role}.{n}"


def role_of(order: Order) -> tuple[str, str]:
    """(list id, role) of a member; ("", "") for any other order."""
    found = dict(order.tags)
    return found.get(LIST, ""), found.get(ROLE, "")
