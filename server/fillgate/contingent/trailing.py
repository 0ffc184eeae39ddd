"""How a bracket's stop-loss order is placed and moved: stop-limit, activation, the trail.

Two optional terms ride on the entry beside the stop-loss (``ct.sl``):

- ``ct.sl.lim`` (``offset:2`` or ``percent:0.5``): the stop is a STOP_LIMIT
  whose limit sits this far *beyond* its stop price (below a long's sell
  stop, above a short's buy stop), and moves with it when it trails;
- ``ct.sl.act`` (a price): a trailing stop rests at its first price, armed
  but inactive, and starts trailing once the mark reaches this price (at or
  above it behind a long, at or below it behind a short).

There is no separate "activated" flag to journal: the stop order's own
price is the trail's memory (every move is a journaled replace), and the
activation state follows from it. Once active, a stop that has not moved
from its first price is one whose trail has not yet passed that price; a
later mark below the activation price would trail to a price lower still
(the trail is monotone in the mark), so such a stop behaves exactly as an
inactive one would. Hence: *active* = the stop has moved from its first
price, or the mark is at or beyond the activation price. A replay rebuilds
the stop price, so a restart re-arms the stop in the same state.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

from fillgate.domain.errors import Violations
from fillgate.domain.symbols import SymbolConfig
from fillgate.domain.values import decimal_places

LIMIT_OFFSET = "ct.sl.lim"
ACTIVATION = "ct.sl.act"

_HUNDRED = Decimal(100)


@dataclass(frozen=True, slots=True)
class StopTerms:
    """The stop-loss's optional terms: a limit beyond its stop price, an activation price."""

    #: The limit's distance beyond the stop price (None: a plain STOP, filled at market).
    limit_offset: Decimal | None = None
    #: True: ``limit_offset`` is a percent of the stop price; False: a price amount.
    limit_in_percent: bool = False
    #: A trailing stop starts trailing once the mark reaches this price (None: at once).
    activation: Decimal | None = None

    def tags(self) -> tuple[tuple[str, str], ...]:
        tags = []
        if self.limit_offset is not None:
            kind = "percent" if self.limit_in_percent else "offset"
            tags.append((LIMIT_OFFSET, f"{kind}:{self.limit_offset}"))
        if self.activation is not None:
            tags.append((ACTIVATION, str(self.activation)))
        return tuple(tags)


#: A plain stop: no limit, trailing (when it trails) from the start.
NO_TERMS = StopTerms()


def terms_of(tags: Mapping[str, str]) -> StopTerms:
    """Read the terms from an entry's tags (absent tags: none)."""
    limit = tags.get(LIMIT_OFFSET)
    activation = tags.get(ACTIVATION)
    offset, percent = None, False
    if limit:
        kind, _, value = limit.partition(":")
        offset, percent = Decimal(value), kind == "percent"
    return StopTerms(offset, percent, Decimal(activation) if activation else None)


def parse_limit_offset(text: str) -> tuple[Decimal, bool]:
    """``offset:2`` or ``percent:0.5`` -> (value, in percent); ValueError when malformed."""
    kind, _, value = text.partition(":")
    if kind not in ("offset", "percent"):
        raise ValueError(f"not a limit offset (offset:X or percent:X): {text!r}")
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise ValueError(f"not a limit offset: {text!r}") from None
    return number, kind == "percent"


def check_terms(v: Violations, terms: StopTerms, trailing: bool, sym: SymbolConfig | None) -> None:
    """Add a violation for every term the stop-loss cannot work with."""
    offset = terms.limit_offset
    if offset is not None:
        field = "stop_limit_percent" if terms.limit_in_percent else "stop_limit_offset"
        if not offset.is_finite() or offset < 0:
            v.add(field, "must be zero or positive")
        elif terms.limit_in_percent and offset >= 100:
            v.add(field, "must be below 100")
        elif sym is not None and not terms.limit_in_percent:
            _places(v, field, offset, sym)
    act = terms.activation
    if act is not None:
        if not trailing:
            v.add("trail_activation_price", "only a trailing stop-loss has an activation price")
        elif not act.is_finite() or act <= 0:
            v.add("trail_activation_price", "must be positive")
        elif sym is not None:
            _places(v, "trail_activation_price", act, sym)


def _places(v: Violations, field: str, price: Decimal, sym: SymbolConfig) -> None:
    if decimal_places(price) > sym.price_precision:
        v.add(field, f"has more than the {sym.price_precision} decimal places of {sym.name}")


def limit_price(stop_price: Decimal, terms: StopTerms, long: bool, places: int) -> Decimal | None:
    """The stop-limit's limit for ``stop_price`` (None for a plain stop).

    ``long``: the stop sells to close a long, so the limit is below the stop.
    """
    offset = terms.limit_offset
    if offset is None:
        return None
    step = stop_price * offset / _HUNDRED if terms.limit_in_percent else offset
    raw = stop_price - step if long else stop_price + step
    return raw.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN)


def active(
    stop_price: Decimal, first_price: Decimal, terms: StopTerms, mark: Decimal, long: bool
) -> bool:
    """True when a trailing stop trails: see the module docstring for why this suffices."""
    if terms.activation is None or stop_price != first_price:
        return True
    return mark >= terms.activation if long else mark <= terms.activation


def trailed(
    stop_price: Decimal,
    behind: Decimal,
    first_price: Decimal,
    terms: StopTerms,
    mark: Decimal,
    long: bool,
) -> Decimal | None:
    """The stop's new price when the mark moves it (``behind``: the trail from the mark).

    None when it stays: the trail never moves a stop against the position, and
    an inactive stop stays at its first price.
    """
    better = behind > stop_price if long else behind < stop_price
    if not better or not active(stop_price, first_price, terms, mark, long):
        return None
    return behind
