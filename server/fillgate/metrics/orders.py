"""Order-path metrics, fed by the engine's event observer (``Engine.observer``).

The engine calls :meth:`OrderMetrics.on_event` after each event is applied:
a type lookup and a counter increment per event, plus a histogram observation
for an order's acknowledgement and first fill. Times are this process's
monotonic clock at the moment each event is applied, so they measure what
fillgate saw (including the venue's round trip), not the venue's timestamps.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from fillgate.domain import events as ev
from fillgate.domain.enums import Side
from fillgate.metrics.registry import Metrics

log = logging.getLogger("fillgate.metrics")

_OUTCOMES: dict[type, str] = {
    ev.OrderAccepted: "accepted",
    ev.OrderRejected: "rejected",
    ev.OrderCanceled: "canceled",
    ev.OrderExpired: "expired",
}


class OrderMetrics:
    """Counts order outcomes and times acknowledgements and first fills, per venue."""

    def __init__(self, metrics: Metrics, now: Callable[[], float] = time.perf_counter) -> None:
        self._m = metrics
        self._now = now
        #: order_id -> when it was accepted, until its first fill or its end.
        self._accepted: dict[str, float] = {}
        self._acked: set[str] = set()
        # Metric children by label values, resolved once: labels() takes a lock and hashes.
        self._children: dict[tuple[str, str, str, str], Any] = {}
        self._fills: dict[tuple[str, str, str], Any] = {}
        self._ack: dict[str, Any] = {}
        self._first_fill: dict[str, Any] = {}
        self._slippage: dict[str, Any] = {}

    @staticmethod
    def _child(cache: dict[Any, Any], metric: Any, key: Any) -> Any:
        child = cache.get(key)
        if child is None:
            child = cache[key] = (
                metric.labels(*key) if isinstance(key, tuple) else metric.labels(key)
            )
        return child

    def _count(self, outcome: str, account: str, venue: str, symbol: str) -> None:
        key = (outcome, account, venue, symbol)
        child = self._children.get(key)
        if child is None:
            child = self._children[key] = self._m.orders.labels(outcome, account, venue, symbol)
        child.inc()

    def on_event(self, event: Any, order: Any) -> None:
        """Observe one applied event; ``order`` is the order after it (None for other events)."""
        kind = type(event)
        if order is None:
            if kind is ev.OrderDenied:
                cmd = event.command
                self._m.denied.labels(cmd.account, cmd.symbol, event.reason).inc()
            return
        order_id = order.order_id
        if kind is ev.OrderAcknowledged:
            start = self._accepted.get(order_id)
            if start is not None and order_id not in self._acked:
                self._acked.add(order_id)
                ack = self._child(self._ack, self._m.ack_seconds, order.venue)
                ack.observe(self._now() - start)
            return
        if kind is ev.OrderFilled:
            key = (order.account, order.venue, order.symbol)
            self._child(self._fills, self._m.fills, key).inc()
            arrival = order.arrival_price
            if arrival:
                # A metric sample is a float by nature (the reports keep exact decimals), so
                # it is computed in floats: Decimal's quantize cost ~3 us per fill here.
                arrival_f = float(arrival)
                bps = (float(event.price) - arrival_f) * 10_000 / arrival_f
                if order.side is not Side.BUY:
                    bps = -bps
                self._child(self._slippage, self._m.slippage_bps, order.venue).observe(bps)
            start = self._accepted.pop(order_id, None)
            if start is not None:
                first = self._child(self._first_fill, self._m.first_fill_seconds, order.venue)
                first.observe(self._now() - start)
                self._acked.discard(order_id)
            if not order.is_open:
                self._count("filled", order.account, order.venue, order.symbol)
            return
        outcome = _OUTCOMES.get(kind)
        if outcome is None:
            return
        if kind is ev.OrderAccepted:
            self._accepted[order_id] = self._now()
        else:
            self._accepted.pop(order_id, None)
            self._acked.discard(order_id)
        self._count(outcome, order.account, order.venue, order.symbol)
