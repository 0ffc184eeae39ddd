"""The console's own follower of the event stream: latency, the fills tape, the equity curve.

Latency is measured from an order's acceptance (the stamp on its PENDING_NEW
report) to the moment its first acknowledgement (NEW, a fill or a rejection)
comes out of the bus. The bus releases events only once they are durable, so
this is the accept -> durable ack time a SubmitOrder caller waits for, less
the gRPC transport.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
from collections import OrderedDict, deque
from typing import Any

from fillgate.domain import events as ev
from fillgate.domain.enums import ExecType
from fillgate.domain.errors import OutOfRange, ResourceExhausted, Unavailable
from fillgate.domain.reports import ExecutionReport
from fillgate.domain.values import fmt
from fillgate.engine.engine import Engine
from fillgate.streams.bus import BusEvent
from fillgate.streams.subscribe import StreamQuery, follow

from . import views

log = logging.getLogger("fillgate.console")

_MINUTE_NS = 60_000_000_000
#: Latency samples older than this are dropped.
WINDOW_NS = 15 * _MINUTE_NS
_PENDING_LIMIT = 10_000


def percentile(sorted_ns: list[int], q: float) -> float:
    """The q-quantile (nearest rank) of sorted samples, in milliseconds."""
    if not sorted_ns:
        return 0.0
    rank = max(0, min(len(sorted_ns) - 1, math.ceil(q * len(sorted_ns)) - 1))
    return sorted_ns[rank] / 1e6


class Monitor:
    """Follows the bus like any consumer; never slows the order path (it may be cut off)."""

    def __init__(self, engine: Engine, *, tape_size: int, equity_sample_s: float) -> None:
        self._engine = engine
        self._accepted: OrderedDict[str, int] = OrderedDict()
        self._latency: deque[tuple[int, int]] = deque(maxlen=200_000)
        self.tape: deque[dict[str, Any]] = deque(maxlen=tape_size)
        self._equity_every = equity_sample_s
        self.equity: deque[tuple[int, dict[str, str]]] = deque(
            maxlen=max(1, int(86_400 / equity_sample_s))
        )
        self._tasks: list[asyncio.Task[None]] = []
        #: The last latency summary and when it was made: every viewer reads it, so it is
        #: computed at most once a second (sorting the window is not free on the loop).
        self._summary: tuple[int, dict[str, Any]] | None = None

    def start(self) -> None:
        self._tasks = [
            asyncio.create_task(self._follow(), name="console-monitor"),
            asyncio.create_task(self._sample(), name="console-equity"),
        ]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []

    async def _follow(self) -> None:
        bus = self._engine.bus
        last = bus.head
        while True:
            try:
                query = StreamQuery(from_sequence=last, heartbeat_s=60.0)
                async for item in follow(bus, query):
                    if type(item) is BusEvent:
                        last = item.sequence
                        self.observe(item)
            except ResourceExhausted:
                log.warning("event=console_monitor_behind last_sequence=%d", last)
            except OutOfRange:
                last = bus.head  # fell past what the bus retains: carry on from now
            except Unavailable:
                return  # the server is shutting down

    def observe(self, item: BusEvent) -> None:
        """Take one stream event into the latency window and the tape."""
        report = item.payload
        if not isinstance(report, ExecutionReport):
            return
        order_id = report.order.order_id
        if report.exec_type is ExecType.PENDING_NEW:
            self._accepted[order_id] = report.monotonic_ns
            if len(self._accepted) > _PENDING_LIMIT:
                self._accepted.popitem(last=False)
        else:
            accepted = self._accepted.pop(order_id, None)
            if accepted is not None:
                clock = self._engine.clock
                self._latency.append((clock.now_ns(), clock.monotonic_ns() - accepted))
        if isinstance(report.event, ev.OrderFilled):
            self.tape.append({"sequence": item.sequence, **views.fill(report.order, report.event)})

    async def _sample(self) -> None:
        while True:
            self.sample_equity()
            await asyncio.sleep(self._equity_every)

    def sample_equity(self) -> None:
        engine = self._engine
        self.equity.append(
            (engine.clock.now_ns(), {s.account: fmt(s.equity) for s in engine.book.snapshots()})
        )

    def latency(self, window_ns: int = 5 * _MINUTE_NS) -> dict[str, Any]:
        """Percentiles over the last ``window_ns``, and per-minute p50/p99 for the plot."""
        now = self._engine.clock.now_ns()
        if self._summary is not None and now - self._summary[0] < 1_000_000_000:
            return self._summary[1]
        self._summary = (now, self._latency_now(now, window_ns))
        return self._summary[1]

    def _latency_now(self, now: int, window_ns: int) -> dict[str, Any]:
        while self._latency and self._latency[0][0] < now - WINDOW_NS:
            self._latency.popleft()
        recent = sorted(lat for ts, lat in self._latency if ts >= now - window_ns)
        minutes: dict[int, list[int]] = {}
        for ts, lat in self._latency:
            minutes.setdefault(ts // _MINUTE_NS, []).append(lat)
        series = []
        for minute, samples in sorted(minutes.items()):
            samples.sort()
            series.append(
                {
                    "minute_ns": minute * _MINUTE_NS,
                    "count": len(samples),
                    "p50_ms": percentile(samples, 0.5),
                    "p99_ms": percentile(samples, 0.99),
                }
            )
        return {
            "window_s": window_ns // 1_000_000_000,
            "count": len(recent),
            "p50_ms": percentile(recent, 0.5),
            "p90_ms": percentile(recent, 0.9),
            "p99_ms": percentile(recent, 0.99),
            "max_ms": recent[-1] / 1e6 if recent else 0.0,
            "series": series,
        }

    def equity_curve(self, accounts: set[str]) -> list[dict[str, Any]]:
        return [
            {"ts_ns": ts, "equity": {a: v for a, v in values.items() if a in accounts}}
            for ts, values in self.equity
        ]
