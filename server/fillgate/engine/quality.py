"""Execution quality: slippage, implementation shortfall, fill rates and latency, by group.

Read back from the journal (``engine/history.py``, the same fold as live
trading), so a report covers any past window and costs the order path nothing
but a yield to the event loop every few thousand records.

Definitions (a positive slippage is a cost to the trader; ``s`` is +1 for a
buy and -1 for a sell):

- slippage vs arrival, per fill: ``s * (fill price - arrival) / arrival`` in
  basis points, and ``s * (fill price - arrival) * quantity`` in money; the
  arrival price is the symbol's mid when fillgate accepted the order
  (``Order.arrival_price``); fills of orders without one are left out;
- slippage vs limit, per fill of an order with a limit (or, for a stop order,
  its stop) price: the same against that price (negative = price improvement);
- implementation shortfall, per order: ``s * (average fill - arrival) *
  filled quantity + fees`` (the executed part; the unfilled part's opportunity
  cost is not counted);
- latency, per order: acceptance to the venue's acknowledgement, and to its
  first fill, from the journaled event times, in milliseconds;
- rates over the orders accepted in the window: filled (any fill), rejected,
  canceled (expired counts as canceled).

Every value is a Decimal; percentiles are nearest-rank (p50, p95).
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal
from enum import StrEnum

from fillgate.domain import events as ev
from fillgate.domain.enums import OrderState, Side
from fillgate.domain.errors import FailedPrecondition
from fillgate.domain.orders import Order
from fillgate.domain.reports import ExecutionReport
from fillgate.engine.fold import State
from fillgate.engine.history import CHUNK, iter_stream_events
from fillgate.journal.codec import decode
from fillgate.journal.journal import Journal
from fillgate.journal.log import read_bodies

ZERO = Decimal(0)
BPS = Decimal(10_000)
_CENT = Decimal("0.01")
_MS = Decimal(1_000_000)


class GroupBy(StrEnum):
    VENUE = "venue"
    ACCOUNT = "account"
    SYMBOL = "symbol"
    STRATEGY = "strategy"


@dataclass(frozen=True, slots=True)
class Distribution:
    """Count, mean, median and 95th percentile of a set of values (None when empty)."""

    count: int
    mean: Decimal | None
    p50: Decimal | None
    p95: Decimal | None


def distribution(values: Iterable[Decimal]) -> Distribution:
    ordered = sorted(values)
    if not ordered:
        return Distribution(0, None, None, None)
    n = len(ordered)
    mean = (sum(ordered, ZERO) / n).quantize(_CENT, ROUND_HALF_EVEN)
    return Distribution(n, mean, _rank(ordered, 50), _rank(ordered, 95))


def _rank(ordered: list[Decimal], pct: int) -> Decimal:
    """Nearest-rank percentile: the smallest value with pct% of the values at or below it."""
    index = max(-(-pct * len(ordered) // 100) - 1, 0)
    return ordered[index].quantize(_CENT, ROUND_HALF_EVEN)


@dataclass(slots=True)
class _Track:
    """What one order's events told so far."""

    accepted_ns: int
    order: Order
    ack_ns: int | None = None
    first_fill_ns: int | None = None
    fills: list[tuple[Decimal, Decimal]] = field(default_factory=list)  # (quantity, price)


@dataclass(frozen=True, slots=True)
class QualityRow:
    """One group's execution quality."""

    key: str
    orders: int
    filled: int
    rejected: int
    canceled: int
    fills: int
    fill_rate: Decimal
    reject_rate: Decimal
    cancel_rate: Decimal
    slippage_arrival_bps: Distribution
    slippage_limit_bps: Distribution
    slippage_arrival_money: Decimal
    implementation_shortfall: Decimal
    ack_ms: Distribution
    first_fill_ms: Distribution


def _sign(order: Order) -> int:
    return 1 if order.side is Side.BUY else -1


def _bps(sign: int, price: Decimal, base: Decimal) -> Decimal:
    return (sign * (price - base) * BPS / base).quantize(_CENT, ROUND_HALF_EVEN)


def _rate(part: int, whole: int) -> Decimal:
    return (Decimal(part) / whole).quantize(Decimal("0.0001"), ROUND_HALF_EVEN) if whole else ZERO


def _key(order: Order, group_by: GroupBy) -> str:
    if group_by is GroupBy.VENUE:
        return order.venue
    if group_by is GroupBy.ACCOUNT:
        return order.account
    if group_by is GroupBy.SYMBOL:
        return order.symbol
    return order.strategy_id


class QualityBook:
    """Accumulates execution reports; :meth:`rows` summarizes them per group."""

    def __init__(
        self,
        group_by: GroupBy,
        *,
        accounts: frozenset[str] = frozenset(),
        start_ns: int | None = None,
        end_ns: int | None = None,
    ) -> None:
        self._group_by = group_by
        self._accounts = accounts  # empty: every account
        self._start = start_ns
        self._end = end_ns
        self._tracks: dict[str, _Track] = {}

    def add(self, report: ExecutionReport) -> None:
        event, order = report.event, report.order
        if type(event) is ev.OrderAccepted:
            if self._accounts and order.account not in self._accounts:
                return
            ts = event.ts_ns
            if (self._start is not None and ts < self._start) or (
                self._end is not None and ts >= self._end
            ):
                return
            self._tracks[order.order_id] = _Track(ts, order)
            return
        track = self._tracks.get(order.order_id)
        if track is None:
            return  # accepted outside the window or account
        track.order = order
        if type(event) is ev.OrderAcknowledged and track.ack_ns is None:
            track.ack_ns = event.ts_ns
        elif type(event) is ev.OrderFilled:
            if track.first_fill_ns is None:
                track.first_fill_ns = event.ts_ns
            track.fills.append((event.quantity, event.price))

    def rows(self) -> list[QualityRow]:
        groups: dict[str, list[_Track]] = {}
        for track in self._tracks.values():
            groups.setdefault(_key(track.order, self._group_by), []).append(track)
        return [_row(key, tracks) for key, tracks in sorted(groups.items())]


def _row(key: str, tracks: list[_Track]) -> QualityRow:
    arrival_bps: list[Decimal] = []
    limit_bps: list[Decimal] = []
    money = shortfall = ZERO
    ack_ms: list[Decimal] = []
    fill_ms: list[Decimal] = []
    filled = rejected = canceled = fills = 0
    for t in tracks:
        o, sign = t.order, _sign(t.order)
        filled += bool(t.fills)
        rejected += o.state is OrderState.REJECTED
        canceled += o.state in (OrderState.CANCELED, OrderState.EXPIRED)
        fills += len(t.fills)
        bound = o.limit_price if o.limit_price is not None else o.stop_price
        for quantity, price in t.fills:
            if o.arrival_price:
                arrival_bps.append(_bps(sign, price, o.arrival_price))
                money += sign * (price - o.arrival_price) * quantity
            if bound:
                limit_bps.append(_bps(sign, price, bound))
        if o.arrival_price and t.fills:
            executed = sum((q * (p - o.arrival_price) for q, p in t.fills), ZERO)
            shortfall += sign * executed + o.fees
        if t.ack_ns is not None:
            ack_ms.append(Decimal(t.ack_ns - t.accepted_ns) / _MS)
        if t.first_fill_ns is not None:
            fill_ms.append(Decimal(t.first_fill_ns - t.accepted_ns) / _MS)
    n = len(tracks)
    return QualityRow(
        key=key,
        orders=n,
        filled=filled,
        rejected=rejected,
        canceled=canceled,
        fills=fills,
        fill_rate=_rate(filled, n),
        reject_rate=_rate(rejected, n),
        cancel_rate=_rate(canceled, n),
        slippage_arrival_bps=distribution(arrival_bps),
        slippage_limit_bps=distribution(limit_bps),
        slippage_arrival_money=money,
        implementation_shortfall=shortfall,
        ack_ms=distribution(ack_ms),
        first_fill_ms=distribution(fill_ms),
    )


async def execution_quality(journal: Journal | None, blank: State, book: QualityBook) -> None:
    """Feed every journaled execution report into ``book``."""
    if journal is None:
        raise FailedPrecondition("JOURNAL_OFF", "the journal is off: there is no history to report")
    await journal.durable()
    for index, (_, item) in enumerate(iter_stream_events(journal.path, blank)):
        if index % CHUNK == 0:
            await asyncio.sleep(0)
        if item is not None and isinstance(item.payload, ExecutionReport):
            book.add(item.payload)


async def list_denials(
    journal: Journal | None,
    *,
    accounts: frozenset[str] = frozenset(),
    start_ns: int | None = None,
    end_ns: int | None = None,
    limit: int,
) -> tuple[list[tuple[int, ev.OrderDenied]], bool]:
    """The newest ``limit`` journaled denials matching the filter, oldest first, each with
    its stream sequence (0 when journaled before denials were streamed); truncated?"""
    if journal is None:
        raise FailedPrecondition("JOURNAL_OFF", "the journal is off: there is no history to report")
    await journal.durable()
    kept: deque[tuple[int, ev.OrderDenied]] = deque(maxlen=limit)
    seen = 0
    for index, body in enumerate(read_bodies(journal.path)):
        if index % CHUNK == 0:
            await asyncio.sleep(0)
        record = decode(body)
        event = record.event
        if type(event) is not ev.OrderDenied:
            continue
        if accounts and event.command.account not in accounts:
            continue
        if (start_ns is not None and event.ts_ns < start_ns) or (
            end_ns is not None and event.ts_ns >= end_ns
        ):
            continue
        seen += 1
        kept.append((record.stream_seq, event))
    return list(kept), seen > len(kept)
