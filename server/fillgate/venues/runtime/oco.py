"""Native OCO exits: a bracket's stop-loss and take-profit placed as ONE venue order.

The bracket runner (``engine/brackets.py``) tags both members of an eligible
pair with ``ct.native = oco`` (one take-profit limit, one fixed stop, the same
quantity) when the driver has ``place_oco``. It submits the stop first, then
the take-profit, in one pass. :class:`OcoPairing` holds the stop back until
its take-profit arrives and then places the two as one order: the take-profit
is the parent, the stop its leg. Each stays an ordinary fillgate order with
its own leg in the :class:`~.legs.LegBook`: the take-profit by its client id,
the stop by the venue order id of the leg (the venue makes up the leg's
client id), which the acknowledgement journals, so a restart binds it again.
Where the venue keeps our client id on both legs (a Binance order list) the
stop is bound like any order, by its client id.

OANDA (a driver with ``oco_opened_by``) is also handed the entry's client id:
it puts the pair on the trade that entry opened, each under its own client id,
or answers None when that trade cannot hold it; the two are then placed as
ordinary orders (emulated OCO).

An OCO list from SubmitOrderList of one limit and one stop for the same
quantity (a venue with ``list_oco``: Binance, whose separate sells would each
lock the coins; Alpaca when the list closes a position) is paired the same
way: its first leg, whichever it is, waits for the second, which the list
runner submits right after it; the limit is the "take-profit", the stop the
stop.

A take-profit ladder at Binance spot rests as one OCO per rung (``contingent/rungs.py``):
rung N's take-profit and stop carry ``ct.pair = N`` and pair by list id and rung.

A stop held back whose take-profit does not follow within
:data:`PAIR_WAIT_S` is placed alone (emulated OCO, as before): a position
is never left without its stop because a pair did not form.
"""

from __future__ import annotations

import asyncio
import functools
import logging

from fillgate.domain.enums import OrderState
from fillgate.domain.orders import Order
from fillgate.venues.errors import ErrorKind, VenueFailure, failure_reason
from fillgate.venues.runtime.context import VenueContext
from fillgate.venues.runtime.orders import submit_order
from fillgate.venues.runtime.resolve import Resolver, find
from fillgate.venues.runtime.trail import NOT_PLACED, trailed
from fillgate.venues.types import PlaceRequest, VenueOrder, VenueReport

log = logging.getLogger("fillgate.venues")

#: The member tag that asks for a native OCO, and its value.
NATIVE = "ct.native"
OCO = "oco"
#: The tag of an order list's first leg (see contingent/order_list.py).
KIND = "ct.kind"
#: The rung of a ladder's take-profit and stop held as one OCO per rung (contingent/rungs.py).
PAIR = "ct.pair"
#: How long a held stop waits for its take-profit before it is placed alone.
PAIR_WAIT_S = 2.0


def _tag(order: Order, key: str) -> str:
    return dict(order.tags).get(key, "")


def _pair_key(order: Order) -> str:
    """Which pair an order is half of: its list (a list's first leg is its id), and for a
    ladder held as one OCO per rung (``ct.pair = N``) the rung too."""
    list_id = _tag(order, "ct.list") or order.order_id
    rung = _tag(order, PAIR)
    return f"{list_id}/{rung}" if rung else list_id


class OcoPairing:
    """The stops held back until their take-profit arrives, per list id."""

    def __init__(self, ctx: VenueContext, resolver: Resolver) -> None:
        self._ctx = ctx
        self._resolver = resolver
        self._held: dict[str, Order] = {}
        self._timers: dict[str, asyncio.Task[None]] = {}

    def wants(self, order: Order) -> bool:
        """True when this order is one half of a native OCO pair."""
        return _tag(order, NATIVE) == OCO and hasattr(self._ctx.driver, "place_oco")

    async def submit(self, order: Order) -> None:
        list_id = _pair_key(order)
        partner = self._held.pop(list_id, None)
        if partner is None:
            if order.stop_price is None and not _tag(order, KIND):
                await submit_order(self._ctx, self._resolver, order)  # a take-profit alone
                return
            # The stop (or stop-limit), or a list's first leg, waits for its partner.
            self._held[list_id] = order
            self._timers[list_id] = asyncio.get_running_loop().create_task(
                self._alone_later(list_id), name=f"oco-wait-{order.order_id}"
            )
            return
        timer = self._timers.pop(list_id, None)
        if timer is not None:
            timer.cancel()
        limit, stop = (order, partner) if partner.stop_price is not None else (partner, order)
        if (
            limit.stop_price is not None
            or stop.stop_price is None
            or stop.quantity != limit.quantity
            or stop.side is not limit.side
        ):
            await place_alone(self._ctx, self._resolver, stop)
            await submit_order(self._ctx, self._resolver, limit)
            return
        await place_pair(self._ctx, self._resolver, limit, stop)

    def recover(self, orders: list[Order]) -> None:
        """After a restart: find the stop legs of OCO orders placed unanswered (below)."""
        if not hasattr(self._ctx.driver, "oco_leg"):
            return  # the legs carry our client ids: the resolver finds both (Binance)
        if any(self.wants(o) and o.state is OrderState.PENDING_NEW for o in orders):
            self._timers["recover"] = asyncio.get_running_loop().create_task(
                recover(self._ctx, orders), name=f"oco-recover-{self._ctx.account}"
            )

    def take_tasks(self) -> list[asyncio.Task[None]]:
        tasks, self._timers = list(self._timers.values()), {}
        return tasks

    async def _alone_later(self, list_id: str) -> None:
        await asyncio.sleep(PAIR_WAIT_S)
        self._timers.pop(list_id, None)
        stop = self._held.pop(list_id, None)
        if stop is not None:
            log.warning("event=oco_pair_not_formed order_id=%s placed=alone", stop.order_id)
            await place_alone(self._ctx, self._resolver, stop)


async def place_alone(ctx: VenueContext, resolver: Resolver, stop: Order) -> None:
    """Place an order outside a pair (or a stop whose pair did not form). A stop the venue
    trails only on the entry's trade (OANDA ``trail_in_oco``) goes there alone through the
    driver's ``place_trailing``; where it does not fit, it is rejected, so the bracket
    places a plain stop that fillgate moves (see :mod:`.trail`)."""
    place_trailing = getattr(ctx.driver, "place_trailing", None)
    if not trailed(stop) or not getattr(ctx.driver, "trail_in_oco", False):
        await submit_order(ctx, resolver, stop)
    elif place_trailing is None:
        log.warning("event=native_trail_not_placed order_id=%s fallback=plain_stop", stop.order_id)
        ctx.reject(stop, f"{NOT_PLACED}: the venue cannot trail this stop alone")
    else:
        opened_by = _entry_client_id(ctx, stop)

        async def on_trade(request: PlaceRequest) -> VenueReport | None:
            report: VenueReport | None = await place_trailing(request, opened_by)
            return report

        await submit_order(ctx, resolver, stop, on_trade)


def _entry_client_id(ctx: VenueContext, member: Order) -> str:
    """The venue client id of the entry of ``member``'s bracket (its list id is the entry's)."""
    entry = ctx.view.order(_tag(member, "ct.list"))
    return ctx.client_id(entry, entry.version) if entry is not None else ""


async def place_pair(
    ctx: VenueContext, resolver: Resolver, take_profit: Order, stop: Order
) -> None:
    """Place ``take_profit`` (parent) and ``stop`` (its leg) as one OCO order."""
    tp_id = ctx.client_id(take_profit, take_profit.version)
    sl_id = ctx.client_id(stop, stop.version)
    for order in (take_profit, stop):
        problem = ctx.check_terms(order.symbol, order.quantity, order.limit_price, order.stop_price)
        if problem:
            ctx.reject(take_profit, problem)
            ctx.reject(stop, problem)
            return
    tp_req = ctx.request(take_profit, tp_id, take_profit.quantity, take_profit.limit_price, None)
    sl_req = ctx.request(stop, sl_id, stop.quantity, stop.limit_price, stop.stop_price)
    legs = ctx.legs
    tp_leg = legs.add(take_profit, tp_id, placing=True)
    sl_leg = legs.add(stop, sl_id, placing=True)
    place = functools.partial(ctx.driver.place_oco, tp_req, sl_req)  # type: ignore[attr-defined]
    if getattr(ctx.driver, "oco_opened_by", False):  # OANDA: on the trade the entry opened
        place = functools.partial(place, _entry_client_id(ctx, take_profit))
    try:
        placed = await ctx.call(place, retry_unknown=False)
        if placed is None:  # the venue cannot hold this pair: emulated, as separate orders
            legs.discard(tp_leg)
            legs.discard(sl_leg)
            await place_alone(ctx, resolver, stop)
            await submit_order(ctx, resolver, take_profit)
            return
        report, leg = placed
    except VenueFailure as failure:
        legs.settle(tp_leg)
        legs.settle(sl_leg)
        if failure.kind is not ErrorKind.UNKNOWN_OUTCOME:
            ctx.log_failure("submit_failed", take_profit, failure)
            ctx.reject(take_profit, failure_reason(failure))
            ctx.reject(stop, failure_reason(failure))
            return
        ctx.log_failure("submit_outcome_unknown", take_profit, failure)
        found = await find(ctx, take_profit.symbol, tp_id)
        if found is None or found.order is None:
            reason = "UNKNOWN_OUTCOME_NOT_PLACED: the venue had no such OCO order"
            ctx.reject(take_profit, reason)
            ctx.reject(stop, reason)
            return
        report = found
        leg = await _stop_leg(ctx, found.order.venue_order_id, stop.symbol, sl_id)
    if leg is not None:
        legs.bind(sl_leg, leg.venue_order_id)
        legs.foreign.pop(leg.venue_order_id, None)  # a stream event may have come first
    legs.apply(report)
    legs.settle(tp_leg)
    if leg is not None:
        legs.apply(VenueReport(order=leg))
    legs.settle(sl_leg)
    if leg is None:
        log.error("event=oco_leg_missing order_id=%s", stop.order_id)
        ctx.reject(stop, "the venue's OCO answer listed no stop leg")


async def _stop_leg(
    ctx: VenueContext, parent_id: str, symbol: str, stop_client_id: str
) -> VenueOrder | None:
    """The stop leg of a placed OCO: asked of the parent where the venue made up the
    leg's client id (Alpaca ``oco_leg``), else found by our own client id (Binance)."""
    oco_leg = getattr(ctx.driver, "oco_leg", None)
    if oco_leg is not None:
        leg: VenueOrder | None = await oco_leg(parent_id)
        return leg
    found = await find(ctx, symbol, stop_client_id)
    return None if found is None else found.order


async def recover(ctx: VenueContext, orders: list[Order]) -> None:
    """Bind a stop still PENDING_NEW after a restart to its leg, if its OCO reached the venue.

    The leg has no client id of ours, so the resolver cannot find it: it is read
    from the take-profit's order (found by our client id). A stop whose OCO was
    never placed is left to the resolver (rejected, then armed again).
    """
    for stop in orders:
        if stop.state is not OrderState.PENDING_NEW or _tag(stop, NATIVE) != OCO:
            continue
        list_id = _tag(stop, "ct.list")
        tp = next(
            (
                o
                for o in orders
                if o.limit_price is not None
                and _tag(o, NATIVE) == OCO
                and _tag(o, "ct.list") == list_id
            ),
            None,
        )
        mine = ctx.legs.current(stop.order_id)
        if stop.limit_price is not None or tp is None or mine is None:
            continue
        try:
            parent = await ctx.fetch(tp.symbol, ctx.client_id(tp, tp.version))
            if parent is None or parent.order is None:
                continue
            leg = await ctx.call(
                ctx.driver.oco_leg,  # type: ignore[attr-defined]
                parent.order.venue_order_id,
                retry_unknown=True,
            )
        except VenueFailure as failure:
            ctx.log_failure("oco_recover_failed", stop, failure)
            continue
        if leg is not None:
            ctx.legs.bind(mine, leg.venue_order_id)
            ctx.legs.foreign.pop(leg.venue_order_id, None)
            ctx.legs.apply(VenueReport(order=leg))
