"""Protection that rides on the entry (issue 13): a bracket's exits sent WITH its entry.

When the venue can carry a bracket's stop-loss and take-profit with the entry
order itself (OANDA ``stopLossOnFill`` / ``takeProfitOnFill`` /
``trailingStopLossOnFill``, Alpaca ``order_class=bracket``, Binance OTOCO), or a
bracket's stop alone when it has no take-profit (OANDA ``stopLossOnFill`` or
``trailingStopLossOnFill`` alone, Alpaca ``order_class=oto``, Binance OTO), the bracket runner
asks the driver (``with_entry_fits``) at submit and, if it fits, tags the entry
``ct.with_entry`` with the exits (:func:`encode`). The tag is journaled with the
entry, so a restart sends the same. :meth:`VenueContext.request` then puts an
:class:`~fillgate.venues.types.EntryProtection` on the entry's request, naming the
client ids of the members the venue's orders will become.

The venue creates the stop and the take-profit when the entry fills, also while
fillgate is down. The runner then arms the bracket as always, but its first stop
and take-profit are tagged ``ct.native = entry``: the runtime does not place them,
it BINDS each to the venue's order (:func:`bind_member`, the driver's
``entry_leg``: OANDA by our client id, Alpaca by the parent's legs), so there are
never two stops on one position. When the venue has no such order (it refused
it), the driver answers None and the member is placed as an ordinary order, as
before. One that does not fit (the entry filled in parts) the driver cancels and
answers as it ended (Binance, OANDA): the member ends so and the bracket arms that
exit again under a new client id.
"""

from __future__ import annotations

import logging
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from fillgate.contingent.spec import NATIVE, STOP_ROLE, WITH_ENTRY_NATIVE, member_client_order_id
from fillgate.domain.orders import Order
from fillgate.venues.driver import ClientIdRule
from fillgate.venues.errors import VenueFailure
from fillgate.venues.runtime.client_ids import venue_client_id
from fillgate.venues.types import EntryProtection, VenueReport

if TYPE_CHECKING:
    from fillgate.venues.runtime.context import VenueContext

log = logging.getLogger("fillgate.venues")

#: The entry's tag: its exits go out with it (value: :func:`encode`).
WITH_ENTRY = "ct.with_entry"
_TAKE_PROFIT_ROLE = "tp.1"
_FIELDS = ("take_profit_price", "stop_price", "stop_distance", "trail_distance")


def encode(protection: EntryProtection) -> str:
    """``take_profit_price=1.09;stop_distance=0.005``: the set fields, in a fixed order (no
    ``take_profit_price`` for a stop alone)."""
    values = ((f, getattr(protection, f)) for f in _FIELDS)
    return ";".join(f"{f}={format(v, 'f')}" for f, v in values if v is not None)


def decode(text: str) -> EntryProtection | None:
    """The protection an entry's tag names; None when the text is not one."""
    found: dict[str, Decimal] = {}
    for part in text.split(";"):
        key, _, value = part.partition("=")
        if key not in _FIELDS:
            return None
        try:
            found[key] = Decimal(value)
        except InvalidOperation:
            return None
    stops = [f for f in _FIELDS[1:] if f in found]
    if len(stops) != 1:
        return None
    return EntryProtection(
        take_profit_price=found.get("take_profit_price"),
        stop_price=found.get("stop_price"),
        stop_distance=found.get("stop_distance"),
        trail_distance=found.get("trail_distance"),
    )


def protection_of(rule: ClientIdRule, order: Order) -> EntryProtection | None:
    """The protection to send with ``order`` (a tagged bracket entry), with the venue client
    ids of the members it becomes; None for any other order."""
    text = dict(order.tags).get(WITH_ENTRY, "")
    protection = decode(text) if text else None
    if protection is None:
        return None

    def member_id(role: str) -> str:
        return venue_client_id(
            rule, order.account, member_client_order_id(order.order_id, role, 1), 0
        )

    return EntryProtection(
        take_profit_price=protection.take_profit_price,
        stop_price=protection.stop_price,
        stop_distance=protection.stop_distance,
        trail_distance=protection.trail_distance,
        stop_client_id=member_id(STOP_ROLE),
        take_profit_client_id=(
            "" if protection.take_profit_price is None else member_id(_TAKE_PROFIT_ROLE)
        ),
    )


def rides_on_entry(order: Order) -> bool:
    """True for a member the venue created with its entry (tagged ``ct.native = entry``)."""
    return dict(order.tags).get(NATIVE) == WITH_ENTRY_NATIVE


async def bind_member(ctx: VenueContext, order: Order) -> bool:
    """Bind ``order`` (a member tagged ``ct.native = entry``) to the order the venue made
    with the entry; False when there is none (the caller then places it as usual)."""
    entry_leg = getattr(ctx.driver, "entry_leg", None)
    entry = ctx.view.order(dict(order.tags).get("ct.list", ""))
    if entry_leg is None or entry is None:
        return False
    client_id = ctx.client_id(order, order.version)
    request = ctx.request(order, client_id, order.quantity, order.limit_price, order.stop_price)
    legs = ctx.legs
    leg = legs.add(order, client_id, placing=True)
    entry_id = ctx.client_id(entry, entry.version)
    try:
        found = await ctx.call(entry_leg, request, entry_id, retry_unknown=True)
    except VenueFailure as failure:
        ctx.log_failure("entry_leg_failed", order, failure)
        found = None
    if found is None:
        legs.discard(leg)
        log.warning("event=entry_protection_not_found order_id=%s placed=alone", order.order_id)
        return False
    legs.bind(leg, found.venue_order_id)
    legs.foreign.pop(found.venue_order_id, None)  # listed before it was ours
    legs.apply(VenueReport(order=found))
    legs.settle(leg)
    log.info(
        "event=entry_protection_bound order_id=%s venue_order_id=%s",
        order.order_id,
        found.venue_order_id,
    )
    return True
