"""Time limits on orders: end each open order when its ``expire_time``/``expire_after`` runs out.

fillgate emulates time limits on every venue (the paper venue, Binance spot and
Alpaca have no good-till-date; one mechanism keeps the behaviour the same
everywhere): a heap of deadlines read against the injected :class:`Clock`,
one loop timer for the earliest, and a callback that cancels the order
through the engine like any cancel (journaled, streamed, sent to the venue).

Deadlines are not journaled separately: they are part of the accepted order
(``Order.expire_time_ns`` / ``expire_after_ns``), so after a restart
:meth:`Expiries.on_start` re-arms them from the open orders, and an order
whose time ran out while fillgate was down ends at once.
"""

from __future__ import annotations

import asyncio
import heapq
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from fillgate.domain import events as ev
from fillgate.domain.orders import Order
from fillgate.domain.values import Clock

log = logging.getLogger("fillgate.contingent.expiry")

#: The events that create an order: accepted at once, or queued while its market is closed.
_NEW = (ev.OrderAccepted, ev.OrderQueued)

#: Ends one order; raises nothing (the caller's callback logs its own refusals).
Expire = Callable[[str], Coroutine[Any, Any, None]]


class Expiries:
    """The deadlines of open orders, and the timer that ends them."""

    def __init__(self, clock: Clock, expire: Expire) -> None:
        self._clock = clock
        self._expire = expire
        self._heap: list[tuple[int, str]] = []
        self._timer: asyncio.TimerHandle | None = None
        self._timer_at = 0
        self._tasks: set[asyncio.Task[None]] = set()

    # -- engine.OrderWatcher ----------------------------------------------------

    def on_start(self, open_orders: list[Order]) -> None:
        for order in open_orders:
            if order.expires_ns:
                self.add(order.order_id, order.expires_ns)
        self.run_due()

    def on_order(self, order: Order, event: ev.OrderEvent) -> None:
        if type(event) in _NEW and order.expires_ns:
            self.add(order.order_id, order.expires_ns)

    def on_stop(self) -> None:
        self.close()

    def on_mark(self, symbol: str, price: object) -> None:
        """Time limits do not follow prices."""

    def on_account_open(self, account: str) -> None:
        """Time limits only cancel, which a blocked account never refuses."""

    # -- the queue ------------------------------------------------------------------

    def add(self, order_id: str, deadline_ns: int) -> None:
        """Watch ``order_id`` until ``deadline_ns`` (wall clock)."""
        heapq.heappush(self._heap, (deadline_ns, order_id))
        self._schedule()

    @property
    def pending(self) -> int:
        """How many deadlines are armed (ended orders leave lazily)."""
        return len(self._heap)

    @property
    def next_ns(self) -> int:
        return self._heap[0][0] if self._heap else 0

    def run_due(self) -> list[str]:
        """End every order whose deadline is past now; return their ids.

        The timer calls this; tests with a manual clock call it after moving time.
        """
        now = self._clock.now_ns()
        due = []
        while self._heap and self._heap[0][0] <= now:
            due.append(heapq.heappop(self._heap)[1])
        for order_id in due:
            log.info("event=order_time_limit_reached order_id=%s", order_id)
            task = asyncio.get_running_loop().create_task(self._expire(order_id))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        self._schedule()
        return due

    async def settle(self) -> None:
        """Wait until the expiries in progress are done (tests, shutdown)."""
        while self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    def close(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _schedule(self) -> None:
        if not self._heap:
            return
        deadline = self._heap[0][0]
        if self._timer is not None and self._timer_at <= deadline:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # not started yet: on_start arms the timer
        if self._timer is not None:
            self._timer.cancel()
        delay = max(0.0, (deadline - self._clock.now_ns()) / 1e9)
        self._timer_at = deadline
        self._timer = loop.call_later(delay, self._fire)

    def _fire(self) -> None:
        self._timer = None
        self.run_due()
