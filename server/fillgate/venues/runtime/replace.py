"""Replace at a real venue: natively where the venue has it, else cancel + new.

Either way the venue ends up with a new venue order (a new *leg*) for the
quantity not yet filled, under the chained client id; fillgate's order keeps
its id and takes the new terms (``OrderReplaced``) once the new leg exists.

- native (OANDA, Alpaca): one call; an unknown outcome is resolved by looking
  for the new leg's client id; a member of a native OCO the venue refuses to
  amend is replaced by cancel + new instead (the bracket then pairs it again);
- cancel + new (ccxt): the old leg is canceled and awaited until the venue
  shows it ended, so its last fills are counted before the remainder is
  computed; then the new leg is placed. If the new leg cannot be placed the
  order ends CANCELED (the old leg is gone), with the reason.
"""

from __future__ import annotations

from decimal import Decimal

from fillgate.domain import events as ev
from fillgate.domain.orders import Order
from fillgate.venues.errors import ErrorKind, VenueFailure, failure_reason
from fillgate.venues.runtime.context import VenueContext
from fillgate.venues.runtime.legs import Leg
from fillgate.venues.runtime.oco import NATIVE, OCO
from fillgate.venues.runtime.poll import poll_venue
from fillgate.venues.runtime.resolve import find, refresh
from fillgate.venues.types import VenueOrder, VenueRef, VenueReport


async def replace_order(
    ctx: VenueContext,
    order: Order,
    quantity: Decimal,
    limit_price: Decimal | None,
    stop_price: Decimal | None,
) -> None:
    """Give an open order new terms at the venue, as a new leg (see the module docstring)."""
    problem = ctx.check_terms(order.symbol, quantity, limit_price, stop_price)
    if problem:
        ctx.replace_rejected(order, problem)
        return
    legs = ctx.legs
    old = legs.current(order.order_id) or legs.add(order, ctx.client_id(order, order.version))
    if ctx.driver.native_replace:
        await _replace_native(ctx, order, old, quantity, limit_price, stop_price)
    else:
        await _replace_chained(ctx, order, old, quantity, limit_price, stop_price)


async def _replace_native(
    ctx: VenueContext,
    order: Order,
    old: Leg,
    quantity: Decimal,
    limit: Decimal | None,
    stop: Decimal | None,
) -> None:
    client_id = ctx.client_id(order, order.version + 1)
    request = ctx.request(order, client_id, quantity - order.filled_quantity, limit, stop)
    ref = VenueRef(client_id=old.client_id, venue_order_id=old.venue_order_id, symbol=order.symbol)
    new = ctx.legs.add(order, client_id, placing=True)
    new.version = order.version + 1
    try:
        report = await ctx.call(ctx.driver.replace, ref, request, retry_unknown=False)
    except VenueFailure as failure:
        ctx.log_failure("replace_failed", order, failure)
        report = None
        if failure.kind is ErrorKind.UNKNOWN_OUTCOME:
            report = await find(ctx, order.symbol, client_id)
        if report is None or report.order is None:
            ctx.legs.settle(new)
            if failure.kind is ErrorKind.REJECTED and dict(order.tags).get(NATIVE) == OCO:
                # The venue will not amend one half of its native OCO: cancel it (the
                # pair ends) and place the new terms alone; the bracket pairs it again.
                await _replace_chained(ctx, order, old, quantity, limit, stop)
                return
            ctx.replace_rejected(order, failure_reason(failure))
            return
    assert report is not None
    old.superseded = True
    _replaced(ctx, order, new, report, quantity, limit, stop)


async def _replace_chained(
    ctx: VenueContext,
    order: Order,
    old: Leg,
    quantity: Decimal,
    limit: Decimal | None,
    stop: Decimal | None,
) -> None:
    ref = VenueRef(client_id=old.client_id, venue_order_id=old.venue_order_id, symbol=order.symbol)
    old.superseded = True  # its cancel ends the leg, not the order
    try:
        report = await ctx.call(ctx.driver.cancel, ref, retry_unknown=True)
        if report is not None:
            ctx.legs.apply(report)
        final = await _await_terminal(ctx, order.symbol, old)
    except VenueFailure as failure:
        old.superseded = False
        ctx.log_failure("replace_cancel_failed", order, failure)
        await refresh(ctx, order.symbol, old.client_id)
        ctx.replace_rejected(order, failure_reason(failure))
        return
    current = ctx.view.order(order.order_id)
    if current is None or not current.is_open:
        return  # the old leg filled completely before the cancel
    if final is None:
        old.superseded = False
        ctx.replace_rejected(order, "the venue did not confirm the cancel of the old order")
        return
    remaining = quantity - current.filled_quantity
    if remaining <= 0:
        ctx.emit(
            ev.OrderCanceled(
                order_id=order.order_id,
                ts_ns=ctx.clock.now_ns(),
                reason="replace: the old order filled past the new quantity before it ended",
            )
        )
        return
    client_id = ctx.client_id(order, order.version + 1)
    request = ctx.request(current, client_id, remaining, limit, stop)
    new = ctx.legs.add(current, client_id, placing=True)
    new.version = order.version + 1
    try:
        placed: VenueReport | None = await ctx.call(ctx.driver.place, request, retry_unknown=False)
    except VenueFailure as failure:
        ctx.log_failure("replace_place_failed", order, failure)
        placed = None
        if failure.kind is ErrorKind.UNKNOWN_OUTCOME:
            placed = await find(ctx, order.symbol, client_id)
        if placed is None or placed.order is None:
            ctx.legs.settle(new)
            ctx.emit(
                ev.OrderCanceled(
                    order_id=order.order_id,
                    ts_ns=ctx.clock.now_ns(),
                    reason="replace: old order canceled, new order failed: "
                    + failure_reason(failure),
                )
            )
            return
    assert placed is not None
    _replaced(ctx, current, new, placed, quantity, limit, stop)


def _replaced(
    ctx: VenueContext,
    order: Order,
    new: Leg,
    report: VenueReport,
    quantity: Decimal,
    limit: Decimal | None,
    stop: Decimal | None,
) -> None:
    venue_order_id = report.order.venue_order_id if report.order else ""
    ctx.legs.bind(new, venue_order_id)
    ctx.emit(
        ev.OrderReplaced(
            order_id=order.order_id,
            ts_ns=ctx.clock.now_ns(),
            quantity=quantity,
            limit_price=limit,
            stop_price=stop,
            venue_order_id=venue_order_id,
        )
    )
    new.placing = False
    ctx.legs.apply(report)
    ctx.legs.settle(new)


async def _await_terminal(ctx: VenueContext, symbol: str, leg: Leg) -> VenueOrder | None:
    """Query a canceled leg until the venue shows it ended (its final fills counted).

    None when it has not ended within ``resolve_timeout_s``; a failed query
    raises (the replace is then refused).
    """

    async def probe() -> VenueOrder | None:
        report = await ctx.fetch(symbol, leg.client_id)
        if report is None or report.order is None:
            return None
        ctx.legs.apply(report)
        return report.order if report.order.status.is_terminal else None

    return await poll_venue(
        probe, clock=ctx.clock, timeout_s=ctx.settings.resolve_timeout_s, backoff=ctx.backoff
    )
