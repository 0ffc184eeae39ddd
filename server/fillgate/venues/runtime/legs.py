"""Turn what a venue reports into domain events, exactly once.

A fillgate order reaches a venue as one or more *legs*: venue orders under
chained client ids (a replace that the venue does as cancel + new, or a
native replace that creates a new venue order, adds a leg). :class:`LegBook`
finds the leg a venue report is about, by client id or venue order id, and
emits the events it means through the sink, which applies them at once, so
the order read back after each emit is current.

Fills arrive more than once: in a REST answer and on the stream, again in a
backfill after a reconnect, again after a restart. A fill counts once:

- a trade id already applied to the order (kept by the engine, journaled,
  so it survives restarts) is dropped;
- a fill whose venue cumulative quantity is not above what this leg has
  counted is dropped (it was counted already, e.g. from a snapshot);
- a snapshot whose cumulative quantity is above what was counted fills the
  difference (a fill we missed), priced so the leg's average matches the venue's;
- nothing ever fills an order beyond its quantity: such a report is refused
  and logged, never applied.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from fillgate.domain import events as ev
from fillgate.domain.enums import OrderState
from fillgate.domain.orders import Order
from fillgate.domain.values import EXACT, RATIO, ZERO, Clock
from fillgate.venues.base import OrderView
from fillgate.venues.runtime.trail import trailed
from fillgate.venues.types import VenueFill, VenueOrder, VenueReport, VenueStatus

log = logging.getLogger("fillgate.venues")

_PRICE_PLACES = Decimal("1e-12")
#: Ids of legs of recently closed orders: a backfill re-reports their fills.
_CLOSED_MEMORY = 10_000
#: The states in which a venue-trailed stop's moves are shown (not while a replace is out).
_WORKING = frozenset({OrderState.NEW, OrderState.PARTIALLY_FILLED})


@dataclass(slots=True)
class Leg:
    """One venue order of a fillgate order."""

    order_id: str
    client_id: str
    version: int
    venue_order_id: str = ""
    #: Quantity and notional this leg has filled, as counted here.
    filled: Decimal = ZERO
    notional: Decimal = ZERO
    #: An older leg: its fills still count, its status (canceled, replaced) does not.
    superseded: bool = False
    #: A placement is in flight: reports wait so they apply after its answer.
    placing: bool = False
    buffer: list[VenueReport] = field(default_factory=list)


class LegBook:
    """The legs of one account's orders at one venue, and the report-to-event rules."""

    def __init__(
        self,
        *,
        account: str,
        view: OrderView,
        emit: Callable[[ev.OrderEvent], None],
        clock: Clock,
    ) -> None:
        self.account = account
        self._view = view
        self._emit = emit
        self._clock = clock
        self._by_client: dict[str, Leg] = {}
        self._by_venue: dict[str, Leg] = {}
        #: Reports about orders that are not ours (for reconciliation to name).
        self.foreign: dict[str, VenueOrder] = {}
        self._closed: OrderedDict[str, None] = OrderedDict()
        self._of_order: dict[str, list[Leg]] = {}  # an order's legs, oldest first

    def emit(self, event: ev.OrderEvent) -> None:
        """Emit an event the runtime decided on (a reject, a replace outcome)."""
        self._emit(event)

    # -- legs -----------------------------------------------------------------

    def add(
        self,
        order: Order,
        client_id: str,
        *,
        placing: bool = False,
        filled: Decimal = ZERO,
        notional: Decimal = ZERO,
    ) -> Leg:
        leg = Leg(
            order_id=order.order_id,
            client_id=client_id,
            version=order.version,
            filled=filled,
            notional=notional,
            placing=placing,
        )
        self._by_client[client_id] = leg
        self._of_order.setdefault(order.order_id, []).append(leg)
        return leg

    def find(self, client_id: str, venue_order_id: str = "") -> Leg | None:
        leg = self._by_client.get(client_id) if client_id else None
        if leg is None and venue_order_id:
            leg = self._by_venue.get(venue_order_id)
        return leg

    def current(self, order_id: str) -> Leg | None:
        """The newest, not superseded leg of an order."""
        best: Leg | None = None
        for leg in self._of_order.get(order_id, ()):
            if not leg.superseded and (best is None or leg.version > best.version):
                best = leg
        return best

    def discard(self, leg: Leg) -> None:
        """Forget a leg whose placement did not happen (before it was sent another way)."""
        if self._by_client.get(leg.client_id) is leg:
            del self._by_client[leg.client_id]
        mine = self._of_order.get(leg.order_id, [])
        mine[:] = [other for other in mine if other is not leg]

    def bind(self, leg: Leg, venue_order_id: str) -> None:
        if venue_order_id and leg.venue_order_id != venue_order_id:
            leg.venue_order_id = venue_order_id
            self._by_venue[venue_order_id] = leg

    def settle(self, leg: Leg) -> None:
        """End a placement: apply what arrived meanwhile, in arrival order."""
        leg.placing = False
        waiting, leg.buffer = leg.buffer, []
        for report in waiting:
            self.apply(report)

    def prune(self) -> None:
        """Forget legs of orders that are closed (late reports then count as foreign)."""
        for key, leg in list(self._by_client.items()):
            order = self._view.order(leg.order_id)
            if order is None or not order.is_open:
                del self._by_client[key]
                self._by_venue.pop(leg.venue_order_id, None)
                self._of_order.pop(leg.order_id, None)
                for closed in (key, leg.venue_order_id):
                    if closed:
                        self._closed[closed] = None
        while len(self._closed) > _CLOSED_MEMORY:
            self._closed.popitem(last=False)

    def _was_ours(self, client_id: str, venue_order_id: str) -> bool:
        return bool(
            (client_id and client_id in self._closed)
            or (venue_order_id and venue_order_id in self._closed)
        )

    # -- reports --------------------------------------------------------------

    def apply(self, report: VenueReport) -> None:
        """Apply one venue report: acknowledgement, then fills, then the order's state."""
        snap = report.order
        if snap is not None:
            leg = self.find(snap.client_id, snap.venue_order_id)
            if leg is None:
                if not self._was_ours(snap.client_id, snap.venue_order_id):
                    self._foreign(snap)
            elif leg.placing:
                leg.buffer.append(report)
                return
            else:
                self._acknowledge(leg, snap.venue_order_id, snap.status)
        for fill in report.fills:
            fleg = self.find(fill.client_id, fill.venue_order_id)
            if fleg is None:
                if self._was_ours(fill.client_id, fill.venue_order_id):
                    continue  # a closed order's fill, reported again by a backfill
                log.warning(
                    "event=venue_fill_foreign account=%s venue_order_id=%s trade_id=%s",
                    self.account,
                    fill.venue_order_id,
                    fill.trade_id,
                )
                continue
            if fleg.placing:
                fleg.buffer.append(VenueReport(fills=(fill,)))
                continue
            self._acknowledge(fleg, fill.venue_order_id, VenueStatus.PARTIALLY_FILLED)
            self._fill(fleg, fill)
        if snap is not None:
            leg = self.find(snap.client_id, snap.venue_order_id)
            if leg is not None and not leg.placing:
                self._snapshot(leg, snap)

    def _foreign(self, snap: VenueOrder) -> None:
        if snap.status.is_terminal:
            self.foreign.pop(snap.venue_order_id, None)
        else:
            self.foreign[snap.venue_order_id] = snap

    def _order(self, leg: Leg) -> Order | None:
        order = self._view.order(leg.order_id)
        if order is None or not order.is_open:
            return None
        return order

    def _acknowledge(self, leg: Leg, venue_order_id: str, status: VenueStatus) -> None:
        self.bind(leg, venue_order_id)
        order = self._order(leg)
        if (
            order is not None
            and order.state is OrderState.PENDING_NEW
            and venue_order_id
            and status is not VenueStatus.REJECTED
            and not leg.superseded
        ):
            self._emit(
                ev.OrderAcknowledged(
                    order_id=leg.order_id,
                    ts_ns=self._clock.now_ns(),
                    venue_order_id=venue_order_id,
                )
            )

    def _fill(self, leg: Leg, fill: VenueFill) -> None:
        order = self._order(leg)
        if order is None:
            return
        if fill.trade_id in self._view.exec_ids(leg.order_id):
            return
        quantity = fill.quantity
        if fill.cumulative is not None:
            if fill.cumulative <= leg.filled:
                return  # counted already (a snapshot filled the gap first)
            quantity = min(quantity, EXACT.subtract(fill.cumulative, leg.filled))
        self._count(leg, order, fill.trade_id, quantity, fill.price, fill.fee)

    def _snapshot(self, leg: Leg, snap: VenueOrder) -> None:
        order = self._order(leg)
        if order is None:
            return
        venue_filled = snap.filled_quantity
        if venue_filled is not None and venue_filled > leg.filled:
            missing = EXACT.subtract(venue_filled, leg.filled)
            price = self._missing_price(leg, snap, missing)
            if price is not None:
                trade_id = f"{snap.venue_order_id}:cum:{venue_filled}"
                self._count(leg, order, trade_id, missing, price, ZERO)
                order = self._order(leg)
                if order is None:
                    return
        if leg.superseded:
            return
        self._stop_moved(leg, order, snap)
        reason = snap.reason
        now = self._clock.now_ns()
        if snap.status is VenueStatus.REJECTED and order.state is OrderState.PENDING_NEW:
            self._emit(ev.OrderRejected(order_id=leg.order_id, ts_ns=now, reason=reason))
        elif snap.status is VenueStatus.CANCELED and order.state is not OrderState.PENDING_REPLACE:
            self._emit(
                ev.OrderCanceled(order_id=leg.order_id, ts_ns=now, reason=reason or "canceled")
            )
        elif snap.status is VenueStatus.EXPIRED:
            self._emit(
                ev.OrderExpired(order_id=leg.order_id, ts_ns=now, reason=reason or "expired")
            )

    def _stop_moved(self, leg: Leg, order: Order, snap: VenueOrder) -> None:
        """A stop the venue trails itself, shown where the venue has moved it."""
        moved = snap.stop_price
        if (
            moved is not None
            and moved != order.stop_price
            and not snap.status.is_terminal
            and order.state in _WORKING
            and trailed(order)
        ):
            self._emit(
                ev.OrderStopTrailed(
                    order_id=leg.order_id, ts_ns=self._clock.now_ns(), stop_price=moved
                )
            )

    def _missing_price(self, leg: Leg, snap: VenueOrder, missing: Decimal) -> Decimal | None:
        """The price of a missed fill: what makes the leg's average equal the venue's."""
        if snap.average_price is None:
            log.error(
                "event=venue_fill_unpriced account=%s order_id=%s venue_order_id=%s",
                self.account,
                leg.order_id,
                snap.venue_order_id,
            )
            return None
        assert snap.filled_quantity is not None
        total = EXACT.multiply(snap.average_price, snap.filled_quantity)
        price = RATIO.divide(EXACT.subtract(total, leg.notional), missing)
        if price <= 0:
            return snap.average_price
        return price.quantize(_PRICE_PLACES).normalize()

    def _count(
        self,
        leg: Leg,
        order: Order,
        trade_id: str,
        quantity: Decimal,
        price: Decimal,
        fee: Decimal,
    ) -> None:
        if quantity <= 0 or price <= 0:
            return
        if EXACT.add(order.filled_quantity, quantity) > order.quantity:
            log.error(
                "event=venue_overfill_refused account=%s order_id=%s trade_id=%s "
                "quantity=%s filled=%s order_quantity=%s",
                self.account,
                order.order_id,
                trade_id,
                quantity,
                order.filled_quantity,
                order.quantity,
            )
            return
        leg.filled = EXACT.add(leg.filled, quantity)
        leg.notional = EXACT.add(leg.notional, EXACT.multiply(quantity, price))
        self._emit(
            ev.OrderFilled(
                order_id=order.order_id,
                ts_ns=self._clock.now_ns(),
                venue_exec_id=trade_id,
                quantity=quantity,
                price=price,
                fee=fee,
            )
        )
