"""Backfill and reattach: catch up with what the venue did while we were not listening.

A backfill applies every fill since the last one (with an overlap: clock
skew, late prints) and the venue's state of every open order; orders the
venue no longer lists as open are asked for one by one. It runs at every
reconciliation, after every stream (re)connect and, while the stream is
down, at every poll. Reattach takes back the open orders of a previous run.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from fillgate.domain import events as ev
from fillgate.domain.enums import OrderState
from fillgate.domain.orders import Order
from fillgate.venues.errors import VenueFailure
from fillgate.venues.runtime.context import VenueContext
from fillgate.venues.runtime.resolve import Resolver
from fillgate.venues.runtime.trail import trailed
from fillgate.venues.types import VenueReport

log = logging.getLogger("fillgate.venues")

#: Fills are backfilled from this long before the last sync (clock skew, late prints).
_BACKFILL_OVERLAP_NS = 60 * 1_000_000_000


class Backfill:
    """One account's backfill: when it last ran, and cancels still owed from a restart."""

    def __init__(
        self,
        ctx: VenueContext,
        resolver: Resolver,
        cancel: Callable[[Order], Awaitable[None]],
    ) -> None:
        self._ctx = ctx
        self._resolver = resolver
        self._cancel = cancel
        self._synced_ns = 0
        self._reattached: list[Order] = []
        self._failing = False

    def reattach(self, orders: list[Order]) -> None:
        """Take back the open orders of a previous run: their legs, then their truth.

        An order still PENDING_NEW may or may not have reached the venue before
        the restart: it is resolved by client id like any unknown outcome. A
        cancel in flight is sent again by the next backfill.
        """
        ctx = self._ctx
        legs, view = ctx.legs, ctx.view
        for order in orders:
            base_filled, base_notional = view.leg_base(order.order_id)
            leg = legs.add(
                order,
                ctx.client_id(order, order.version),
                filled=order.filled_quantity - base_filled,
                notional=order.filled_notional - base_notional,
            )
            legs.bind(leg, order.venue_order_id)
        self._reattached = [o for o in orders if o.state is OrderState.PENDING_CANCEL]
        for order in orders:
            if order.state is OrderState.PENDING_NEW:
                self._resolver.start(order, ctx.client_id(order, order.version))
            elif order.state is OrderState.PENDING_REPLACE:
                ctx.emit(
                    ev.OrderReplaceRejected(
                        order_id=order.order_id,
                        ts_ns=ctx.clock.now_ns(),
                        reason="fillgate restarted while the replace was in flight; "
                        "the order keeps its previous terms",
                    )
                )

    async def sync(self) -> None:
        """Apply fills since the last sync and every open order's venue state."""
        ctx = self._ctx
        await ctx.ensure_open()
        started = ctx.clock.now_ns()
        since = self._synced_ns
        if not since:
            # The first sync of a run: fills matter only for orders still open,
            # so reach back to the oldest of them (not the account's whole history).
            opened = [o.created_ns for o in ctx.view.open_orders_of(ctx.account)]
            since = min(opened, default=started)
        since = max(0, since - _BACKFILL_OVERLAP_NS)
        pending_cancels, self._reattached = self._reattached, []
        for order in pending_cancels:
            await self._cancel(order)  # a cancel sent before a restart: send it again
        legs, driver = ctx.legs, ctx.driver
        fills = await ctx.call(driver.fetch_fills, since, retry_unknown=True)
        if fills:
            legs.apply(VenueReport(fills=tuple(fills)))
        venue_open = await ctx.call(driver.fetch_open_orders, retry_unknown=True)
        seen: set[str] = set()
        for snap in venue_open:
            legs.apply(VenueReport(order=snap))
            seen.add(snap.client_id)
            mine = legs.find(snap.client_id, snap.venue_order_id)
            if mine is not None:  # an OCO leg: the venue made up its client id
                seen.add(mine.client_id)
        for order in ctx.view.open_orders_of(ctx.account):
            leg = legs.current(order.order_id)
            if leg is None or leg.placing or leg.client_id in seen:
                continue
            if order.state is OrderState.PENDING_NEW and self._resolver.is_resolving(
                order.order_id
            ):
                continue
            report = await ctx.fetch(order.symbol, leg.client_id, leg.venue_order_id)
            if report is not None:
                legs.apply(report)
        legs.prune()
        self._synced_ns = started

    async def refresh_trailed(self) -> None:
        """Read again each open order the venue trails itself (``ct.trail``): the venue
        reports its moved stop only when asked. One read per such order; failures wait
        for the next round."""
        ctx = self._ctx
        for order in ctx.view.open_orders_of(ctx.account):
            leg = ctx.legs.current(order.order_id)
            if leg is None or leg.placing or not trailed(order):
                continue
            try:
                report = await ctx.fetch(order.symbol, leg.client_id, leg.venue_order_id)
            except VenueFailure as failure:
                log.debug(
                    "event=trail_refresh_failed order_id=%s kind=%s",
                    order.order_id,
                    failure.kind.value,
                )
                return
            if report is not None:
                ctx.legs.apply(report)

    async def sync_quietly(self, why: str) -> None:
        """Backfill; log the first failure of an outage as a warning, repeats at debug."""
        account = self._ctx.account
        try:
            await self.sync()
        except VenueFailure as failure:
            level = logging.DEBUG if self._failing else logging.WARNING
            self._failing = True
            log.log(
                level,
                "event=venue_backfill_failed account=%s why=%s kind=%s detail=%r",
                account,
                why,
                failure.kind.value,
                failure.message,
            )
        else:
            if self._failing:
                log.info("event=venue_backfill_recovered account=%s", account)
            self._failing = False
