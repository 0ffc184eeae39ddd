"""Alpaca bracket orders (issue 13): a bracket's take-profit and stop-loss sent WITH its
entry as ONE ``order_class=bracket`` order (see ``venues/runtime/with_entry.py``).

Alpaca holds the two legs (status ``held``) until the entry fills, then works them as
an OCO pair: when one fills it cancels the other, fillgate up or not. The legs get
client ids Alpaca makes up, so after the fill each bracket member binds to its leg,
found in the parent's ``legs`` (the limit is the take-profit, the stop the stop-loss),
by the leg's venue order id, which the acknowledgement journals (a restart binds it
again). Alpaca takes both exits as prices only: a fixed stop (``stop_loss.stop_price``)
and a take-profit price (``take_profit.limit_price``), on a market or limit entry that
is DAY or GTC, for equities (Alpaca has no bracket orders for crypto).

A bracket with a stop and NO take-profit sends its stop alone with the entry as ONE
``order_class=oto`` order (One-Triggers-Other: the entry and exactly one of
``take_profit`` / ``stop_loss``; here ``stop_loss``): the one stop leg is held until
the entry fills, then works as a plain stop, and the bracket's stop member binds to
it like a bracket's.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from fillgate.domain.enums import OrderType, TimeInForce
from fillgate.venues.alpaca import translate
from fillgate.venues.alpaca.sdk import OrderClass, StopLossRequest, TakeProfitRequest
from fillgate.venues.types import EntryProtection, PlaceRequest, VenueOrder

_ENTRY_TYPES = frozenset({OrderType.MARKET, OrderType.LIMIT})
_TIME_IN_FORCE = frozenset({TimeInForce.DAY, TimeInForce.GTC})


def fits(crypto: bool, entry: OrderType, tif: TimeInForce, exits: EntryProtection) -> bool:
    """True when Alpaca takes ``exits`` as one bracket (or, with no take-profit, OTO)
    order with this entry."""
    fixed_stop = exits.stop_price is not None
    return not crypto and fixed_stop and entry in _ENTRY_TYPES and tif in _TIME_IN_FORCE


def fields(exits: EntryProtection, to_float: Callable[[str, Decimal], float]) -> dict[str, Any]:
    """The bracket's own request fields, beside the entry's (``to_float``: the driver's
    checked conversion for the SDK's float fields)."""
    assert exits.stop_price is not None
    stop_loss = StopLossRequest(stop_price=to_float("stop price", exits.stop_price))
    if exits.take_profit_price is None:  # the stop alone: One-Triggers-Other
        return {"order_class": OrderClass.OTO, "stop_loss": stop_loss}
    return {
        "order_class": OrderClass.BRACKET,
        "take_profit": TakeProfitRequest(
            limit_price=to_float("limit price", exits.take_profit_price)
        ),
        "stop_loss": stop_loss,
    }


def leg_for(
    parent: translate.Raw, member: PlaceRequest, symbols: translate.SymbolMap
) -> tuple[VenueOrder | None, VenueOrder | None]:
    """(the leg ``member`` binds to, a leg to cancel) of the bracket (or OTO) ``parent``.

    The take-profit member takes the limit leg, the stop-loss member the stop leg.
    A leg that no longer fits the member (another quantity: the entry filled only in
    part, or another side) is not bound; if it still works it is returned to be
    canceled, so the member placed instead is the only one."""
    wanted = "limit" if member.limit_price is not None else "stop"
    for raw in translate.mappings(parent.get("legs") or []):
        if str(raw.get("type")) != wanted:
            continue
        leg = translate.order(raw, symbols)
        if leg.status.is_terminal:
            return None, None
        if leg.quantity == member.quantity and leg.side is member.side:
            return leg, None
        return None, leg
    return None, None
