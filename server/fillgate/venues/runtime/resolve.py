"""Unknown outcomes: did a submit that got no clear answer place an order?

A submit (or a replacement) that may have reached the venue is never sent
again. It is resolved by asking the venue for the order by its client id
until the venue shows it, or until ``resolve_timeout_s`` passes with the
venue answering that it has no such order: then it was not placed, and the
order is rejected. A venue that cannot be reached does not count towards
that deadline: only an answer proves absence.
"""

from __future__ import annotations

import asyncio
import logging

from fillgate.domain.enums import OrderState
from fillgate.domain.orders import Order
from fillgate.venues.errors import ErrorKind, VenueFailure
from fillgate.venues.runtime.context import VenueContext
from fillgate.venues.runtime.poll import UNANSWERED, Unanswered, poll_venue
from fillgate.venues.types import VenueReport

log = logging.getLogger("fillgate.venues")

#: A resolution's probes pause at most this long, however far the backoff has grown.
_MAX_PAUSE_S = 1.0


class Resolver:
    """The resolutions in flight for one account, at most one per order."""

    def __init__(self, ctx: VenueContext) -> None:
        self._ctx = ctx
        self._tasks: dict[str, asyncio.Task[None]] = {}

    def start(self, order: Order, client_id: str) -> asyncio.Task[None]:
        """Resolve ``order`` in the background (or join its resolution already running)."""
        task = self._tasks.get(order.order_id)
        if task is None or task.done():
            task = asyncio.create_task(self._resolve(order, client_id))
            self._tasks[order.order_id] = task
            task.add_done_callback(lambda _t: self._tasks.pop(order.order_id, None))
        return task

    def is_resolving(self, order_id: str) -> bool:
        return order_id in self._tasks

    def take_tasks(self) -> list[asyncio.Task[None]]:
        """Hand over the running resolutions (to be cancelled at close) and forget them."""
        tasks, self._tasks = list(self._tasks.values()), {}
        return tasks

    async def _resolve(self, order: Order, client_id: str) -> None:
        ctx = self._ctx

        async def probe() -> bool | Unanswered | None:
            """True once nothing is left to resolve; None while the venue has no such order."""
            current = ctx.view.order(order.order_id)
            if current is None or current.state is not OrderState.PENDING_NEW:
                return True  # the stream or a backfill resolved it
            try:
                await ctx.ensure_open()
                report = await ctx.fetch(order.symbol, client_id)
            except VenueFailure as failure:
                ctx.log_failure("resolve_failed", order, failure)
                if failure.kind is ErrorKind.FATAL:
                    # Reconciliation reports the account; the order stays in flight.
                    return True
                return UNANSWERED
            if report is None:
                return None
            ctx.legs.apply(report)
            log.info(
                "event=venue_outcome_resolved account=%s order_id=%s client_id=%s found=1",
                ctx.account,
                order.order_id,
                client_id,
            )
            return True

        settled = await poll_venue(
            probe,
            clock=ctx.clock,
            timeout_s=ctx.settings.resolve_timeout_s,
            backoff=ctx.backoff,
            max_pause_s=_MAX_PAUSE_S,
        )
        if settled is None:
            ctx.reject(
                order,
                "UNKNOWN_OUTCOME_NOT_PLACED: the venue had no order with client id "
                f"{client_id} {ctx.settings.resolve_timeout_s:g}s after an unanswered submit",
            )


async def find(ctx: VenueContext, symbol: str, client_id: str) -> VenueReport | None:
    """Look for an order the venue may have; None when it does not have it (or cannot say)."""

    async def probe() -> VenueReport | None:
        try:
            return await ctx.fetch(symbol, client_id)
        except VenueFailure:
            return None

    return await poll_venue(
        probe,
        clock=ctx.clock,
        timeout_s=ctx.settings.resolve_timeout_s,
        backoff=ctx.backoff,
        max_pause_s=_MAX_PAUSE_S,
    )


async def refresh(ctx: VenueContext, symbol: str, client_id: str, venue_order_id: str = "") -> None:
    """Apply the venue's current report of one order, if it can give one (once, no retry)."""
    try:
        report = await ctx.fetch(symbol, client_id, venue_order_id)
    except VenueFailure:
        return
    if report is not None:
        ctx.legs.apply(report)
