"""Wire order time limits (``contingent/expiry.py``) to the engine: expiry is a cancel."""

from __future__ import annotations

import logging

from fillgate.contingent.expiry import Expiries
from fillgate.domain.commands import CancelOrder, OrderRef
from fillgate.domain.enums import OrderState
from fillgate.domain.errors import FillgateError
from fillgate.engine.engine import Engine

log = logging.getLogger("fillgate.time_limits")

#: A replace in flight holds the cancel off; try again this much later.
RETRY_NS = 100_000_000


def attach_time_limits(engine: Engine) -> Expiries:
    """Create the expiry timer for ``engine`` and register it as an order watcher."""

    async def expire(order_id: str) -> None:
        order = engine.order(order_id)
        if order is None or not order.is_open or order.state is OrderState.PENDING_CANCEL:
            return
        if order.state is OrderState.PENDING_REPLACE:
            expiries.add(order_id, engine.clock.now_ns() + RETRY_NS)
            return
        try:
            done = await engine.cancel(CancelOrder(ref=OrderRef(order_id=order_id)))
        except FillgateError as exc:  # filled or ended meanwhile: nothing left to end
            log.warning("event=expiry_cancel_refused order_id=%s reason=%s", order_id, exc.reason)
            return
        log.info("event=order_expired order_id=%s state=%s", order_id, done.state.name)

    expiries = Expiries(engine.clock, expire)
    engine.watchers.append(expiries)
    return expiries
