"""Replace at a real venue: natively where the venue has it, else cancel + new.

Either way the venue ends up with a new venue order (a new *leg*) for the
quantity not yet filled, under the chained client id; fillgate's order keeps
its id and takes the new terms (``OrderReplaced``) once the new leg exists.

- native (OANDA, Alpaca): one call; an unknown outcome is resolved by looking
  for the new leg's client id;
- cancel + new (ccxt): the old leg is canceled and awaited until the venue
  shows it ended, so its last fills are counted before the remainder is
  computed; then the new leg is placed. If the new leg cannot be placed the
  order ends CANCELED (the old leg is gone), with the reason.
"""

from __future__ import annotations

import asyncio
import time
from decimal import Decimal
from typing import TYPE_CHECKING

from fillgate.domain import events as ev
from fillgate.domain.orders import Order
from fillgate.venues.errors import ErrorKind, VenueFailure, failure_reason
from fillgate.venues.legs import Leg
from fillgate.venues.types import VenueOrder, VenueRef, VenueReport

if TYPE_CHECKING:
    from fillgate.venues.remote import RemoteVenue


async def replace_order(
    venue: RemoteVenue,
    order: Order,
    quantity: Decimal,
    limit_price: Decimal | None,
    stop_price: Decimal | None,
) -> None:
    problem = venue._check_terms(order.symbol, quantity, limit_price, stop_price)
    if problem:
        venue._replace_rejected(order, problem)
        return
    legs = venue._book()
    old = legs.current(order.order_id) or legs.add(order, venue._client_id(order, order.version))
    if venue.driver.native_replace:
        await _replace_native(venue, order, old, quantity, limit_price, stop_price)
    else:
        await _replace_chained(venue, order, old, quantity, limit_price, stop_price)


async def _replace_native(
    venue: RemoteVenue,
    order: Order,
    old: Leg,
    quantity: Decimal,
    limit: Decimal | None,
    stop: Decimal | None,
) -> None:
    client_id = venue._client_id(order, order.version + 1)
    request = venue._request(order, client_id, quantity - order.filled_quantity, limit, stop)
    ref = VenueRef(client_id=old.client_id, venue_order_id=old.venue_order_id, symbol=order.symbol)
    new = venue._book().add(order, client_id, placing=True)
    new.version = order.version + 1
    try:
        report = await venue._call(venue.driver.replace, ref, request, retry_unknown=False)
    except VenueFailure as failure:
        venue._log_failure("replace_failed", order, failure)
        report = None
        if failure.kind is ErrorKind.UNKNOWN_OUTCOME:
            report = await venue._find(order.symbol, client_id)
        if report is None or report.order is None:
            venue._book().settle(new)
            venue._replace_rejected(order, failure_reason(failure))
            return
    assert report is not None
    old.superseded = True
    _replaced(venue, order, new, report, quantity, limit, stop)


async def _replace_chained(
    venue: RemoteVenue,
    order: Order,
    old: Leg,
    quantity: Decimal,
    limit: Decimal | None,
    stop: Decimal | None,
) -> None:
    ref = VenueRef(client_id=old.client_id, venue_order_id=old.venue_order_id, symbol=order.symbol)
    old.superseded = True  # its cancel ends the leg, not the order
    try:
        report = await venue._call(venue.driver.cancel, ref, retry_unknown=True)
        if report is not None:
            venue._book().apply(report)
        final = await _await_terminal(venue, order.symbol, old)
    except VenueFailure as failure:
        old.superseded = False
        venue._log_failure("replace_cancel_failed", order, failure)
        await venue._refresh(order.symbol, old.client_id)
        venue._replace_rejected(order, failure_reason(failure))
        return
    current = venue._require_view().order(order.order_id)
    if current is None or not current.is_open:
        return  # the old leg filled completely before the cancel
    if final is None:
        old.superseded = False
        venue._replace_rejected(order, "the venue did not confirm the cancel of the old order")
        return
    remaining = quantity - current.filled_quantity
    if remaining <= 0:
        venue._sink_event(
            ev.OrderCanceled(
                order_id=order.order_id,
                ts_ns=venue._clock.now_ns(),
                reason="replace: the old order filled past the new quantity before it ended",
            )
        )
        return
    client_id = venue._client_id(order, order.version + 1)
    request = venue._request(current, client_id, remaining, limit, stop)
    new = venue._book().add(current, client_id, placing=True)
    new.version = order.version + 1
    try:
        placed: VenueReport | None = await venue._call(
            venue.driver.place, request, retry_unknown=False
        )
    except VenueFailure as failure:
        venue._log_failure("replace_place_failed", order, failure)
        placed = None
        if failure.kind is ErrorKind.UNKNOWN_OUTCOME:
            placed = await venue._find(order.symbol, client_id)
        if placed is None or placed.order is None:
            venue._book().settle(new)
            venue._sink_event(
                ev.OrderCanceled(
                    order_id=order.order_id,
                    ts_ns=venue._clock.now_ns(),
                    reason="replace: old order canceled, new order failed: "
                    + failure_reason(failure),
                )
            )
            return
    assert placed is not None
    _replaced(venue, current, new, placed, quantity, limit, stop)


def _replaced(
    venue: RemoteVenue,
    order: Order,
    new: Leg,
    report: VenueReport,
    quantity: Decimal,
    limit: Decimal | None,
    stop: Decimal | None,
) -> None:
    venue_order_id = report.order.venue_order_id if report.order else ""
    venue._book().bind(new, venue_order_id)
    venue._sink_event(
        ev.OrderReplaced(
            order_id=order.order_id,
            ts_ns=venue._clock.now_ns(),
            quantity=quantity,
            limit_price=limit,
            stop_price=stop,
            venue_order_id=venue_order_id,
        )
    )
    new.placing = False
    venue._book().apply(report)
    venue._book().settle(new)


async def _await_terminal(venue: RemoteVenue, symbol: str, leg: Leg) -> VenueOrder | None:
    """Query a canceled leg until the venue shows it ended (its final fills counted)."""
    deadline = time.monotonic() + venue.settings.resolve_timeout_s
    attempt = 0
    while True:
        report = await venue._call(
            venue.driver.fetch_order, symbol, leg.client_id, retry_unknown=True
        )
        if report is not None and report.order is not None:
            venue._book().apply(report)
            if report.order.status.is_terminal:
                return report.order
        if time.monotonic() >= deadline:
            return None
        await asyncio.sleep(venue._backoff.delay(attempt))
        attempt += 1
