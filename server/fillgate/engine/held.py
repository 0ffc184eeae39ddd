"""Queued orders: held by fillgate while their market is closed, released at the open.

A queued order exists (``OrderQueued``, state QUEUED, ``release_ns`` = the
next open) but no venue knows it, and risk has not judged it yet: at its
release time it passes the halt guard and the pre-trade checks like a new
order, then ``OrderReleased`` moves it to PENDING_NEW and it goes to its
venue; a denial rejects it with the denial's reason. Cancel and replace of a
queued order complete at once (:meth:`HeldOrders.cancel`/:meth:`~HeldOrders.replace`,
from ``Engine.cancel``/``replace``).

The queue is the journal: a restart replays the queued orders, and
:meth:`HeldOrders.arm` (called from ``Engine.start``) schedules their
release again, at once for any whose open passed while the server was down.
One timer serves every queued order: it fires at the earliest release time.
This module is the engine's own (it applies events through the engine's
private ``_apply``, as the engine does): it only keeps the queue's code apart.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from fillgate.domain import events as ev
from fillgate.domain.commands import ReplaceOrder, SubmitOrder
from fillgate.domain.enums import OrderState
from fillgate.domain.errors import FailedPrecondition, FillgateError, ResourceExhausted
from fillgate.domain.orders import Order
from fillgate.engine import admission

if TYPE_CHECKING:
    from fillgate.engine.engine import Engine

log = logging.getLogger("fillgate.engine.held")

QUEUED = OrderState.QUEUED


class HeldOrders:
    """The release schedule of the engine's queued orders."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._timer: asyncio.TimerHandle | None = None
        self._due: int | None = None
        self._running: asyncio.Task[int] | None = None
        self._started = False

    def queued(self) -> list[Order]:
        """The queued orders, in creation order."""
        return [o for o in self._engine.open_orders() if o.state is QUEUED]

    def start(self) -> None:
        self._started = True
        self.arm()

    def arm(self) -> None:
        """Schedule the timer for the earliest release time (no-op before start)."""
        if not self._started:
            return
        dues = [o.release_ns for o in self.queued()]
        if not dues:
            return
        due = min(dues)
        if self._due is not None and self._due <= due:
            return
        if self._timer is not None:
            self._timer.cancel()
        delay = max(0.0, (due - self._engine.clock.now_ns()) / 1e9)
        self._due = due
        self._timer = asyncio.get_running_loop().call_later(delay, self._fire)

    def _fire(self) -> None:
        self._timer = self._due = None
        self._running = asyncio.ensure_future(self.release_due())

    async def release_due(self) -> int:
        """Release every queued order whose time has come; return how many were released."""
        now = self._engine.clock.now_ns()
        released = 0
        for order in self.queued():
            if order.release_ns <= now:
                released += await self.release(order.order_id)
        if released:
            log.info("event=queued_orders_released count=%d", released)
        self.arm()
        return released

    def queue(self, cmd: SubmitOrder, release_ns: int) -> Order:
        """Accept ``cmd`` as a queued order, held here until ``release_ns``."""
        engine = self._engine
        now = engine.clock.now_ns()
        order = admission.new_order(engine, cmd, now, state=QUEUED, release_ns=release_ns)
        engine._apply(ev.OrderQueued(order_id=order.order_id, ts_ns=now, order=order, by=cmd.by))
        self.arm()
        return engine._orders[order.order_id]

    def cancel(self, order: Order, by: str) -> Order:
        """Cancel a queued order at once: only fillgate holds it."""
        engine = self._engine
        now = engine.clock.now_ns()
        engine._apply(ev.OrderCancelRequested(order_id=order.order_id, ts_ns=now, by=by))
        return engine._apply(
            ev.OrderCanceled(
                order_id=order.order_id,
                ts_ns=engine.clock.now_ns(),
                reason="canceled while queued",
            )
        )

    def replace(self, order: Order, cmd: ReplaceOrder) -> Order:
        """Give a queued order new terms at once; risk judges them at its release."""
        engine = self._engine
        now = engine.clock.now_ns()
        quantity = order.quantity if cmd.quantity is None else cmd.quantity
        limit = order.limit_price if cmd.limit_price is None else cmd.limit_price
        stop = order.stop_price if cmd.stop_price is None else cmd.stop_price
        engine._apply(
            ev.OrderReplaceRequested(
                order_id=order.order_id,
                ts_ns=now,
                quantity=quantity,
                limit_price=limit,
                stop_price=stop,
                by=cmd.by,
            )
        )
        return engine._apply(
            ev.OrderReplaced(
                order_id=order.order_id,
                ts_ns=now,
                quantity=quantity,
                limit_price=limit,
                stop_price=stop,
            )
        )

    async def release(self, order_id: str) -> int:
        """Send a queued order to its venue if the halt guard and risk pass it; return 1 if so.

        A denial rejects the order with the denial's reason and message.
        """
        engine = self._engine
        order = engine._orders[order_id]
        if order.state is not QUEUED:
            return 0
        try:
            admission.guard_order(engine, order)
        except (FailedPrecondition, ResourceExhausted) as exc:
            engine._reject(order_id, f"{exc.reason}: {exc.message}")
            return 0
        engine._apply(ev.OrderReleased(order_id=order_id, ts_ns=engine.clock.now_ns()))
        try:
            await engine.venues[order.account].submit(engine._orders[order_id])
        except FillgateError as exc:
            engine._reject(order_id, exc.message)
        return 1

    async def stop(self) -> None:
        self._started = False
        if self._timer is not None:
            self._timer.cancel()
            self._timer = self._due = None
        if self._running is not None and not self._running.done():
            await self._running
