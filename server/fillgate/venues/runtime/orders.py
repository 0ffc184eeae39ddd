"""Submit and cancel at a real venue (replace has its own module, :mod:`.replace`)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from fillgate.domain import events as ev
from fillgate.domain.enums import OrderState
from fillgate.domain.orders import Order
from fillgate.venues.errors import ErrorKind, VenueFailure, failure_reason
from fillgate.venues.runtime.context import VenueContext
from fillgate.venues.runtime.resolve import Resolver, refresh
from fillgate.venues.runtime.trail import NOT_PLACED
from fillgate.venues.types import PlaceRequest, VenueRef, VenueReport

#: How long a submit waits for its unknown outcome to resolve before answering
#: the client with the order still PENDING_NEW (resolution goes on behind).
_INLINE_RESOLVE_S = 1.0


#: A driver call that places a request, or answers None when the venue cannot hold it so.
Place = Callable[[PlaceRequest], Awaitable[VenueReport | None]]


async def submit_order(
    ctx: VenueContext, resolver: Resolver, order: Order, place: Place | None = None
) -> None:
    """Place an order; an unanswered placement is resolved, never sent again.

    ``place``: how, instead of the driver's ``place`` (a venue-trailed stop on its
    trade); its None rejects the order (``NATIVE_TRAIL_NOT_PLACED``: the bracket falls
    back to a stop that fillgate moves)."""
    client_id = ctx.client_id(order, order.version)
    problem = ctx.check_terms(order.symbol, order.quantity, order.limit_price, order.stop_price)
    if problem:
        ctx.reject(order, problem)
        return
    request = ctx.request(order, client_id, order.quantity, order.limit_price, order.stop_price)
    legs = ctx.legs
    leg = legs.add(order, client_id, placing=True)
    try:
        answer = await ctx.call(place or ctx.driver.place, request, retry_unknown=False)
    except VenueFailure as failure:
        legs.settle(leg)
        if failure.kind is ErrorKind.UNKNOWN_OUTCOME:
            ctx.log_failure("submit_outcome_unknown", order, failure)
            task = resolver.start(order, client_id)
            await asyncio.wait([task], timeout=_INLINE_RESOLVE_S)
            return
        ctx.log_failure("submit_failed", order, failure)
        ctx.reject(order, failure_reason(failure))
        return
    if answer is None:
        legs.discard(leg)
        ctx.reject(order, f"{NOT_PLACED}: the venue cannot trail this stop on the trade")
        return
    legs.apply(answer)
    legs.settle(leg)


async def cancel_order(ctx: VenueContext, order: Order) -> None:
    """Cancel an order's current leg; a failed cancel is refused once the venue's state is read."""
    legs = ctx.legs
    leg = legs.current(order.order_id) or legs.add(order, ctx.client_id(order, order.version))
    ref = VenueRef(
        client_id=leg.client_id,
        venue_order_id=leg.venue_order_id or order.venue_order_id,
        symbol=order.symbol,
    )
    try:
        report = await ctx.call(ctx.driver.cancel, ref, retry_unknown=True)
    except VenueFailure as failure:
        ctx.log_failure("cancel_failed", order, failure)
        await refresh(ctx, order.symbol, leg.client_id, ref.venue_order_id)
        current = ctx.view.order(order.order_id)
        if current is not None and current.state is OrderState.PENDING_CANCEL:
            ctx.emit(
                ev.OrderCancelRejected(
                    order_id=order.order_id,
                    ts_ns=ctx.clock.now_ns(),
                    reason=failure_reason(failure),
                )
            )
        return
    if report is not None:
        legs.apply(report)
