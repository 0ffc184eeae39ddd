"""Load a snapshot: decode its chunks into an :class:`Image`, then put that into a State.

The writing side and the row layouts are in ``engine/snapshot.py``. Loading
builds the objects directly through their slots (see :func:`_order_from`):
a start-up from a snapshot is mostly building orders, and the frozen
dataclasses' keyword ``__init__`` would double that. Nothing here applies an
event: the data is put back as it was captured.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from decimal import Decimal
from typing import Any

import orjson

from fillgate.book.positions import Position
from fillgate.domain.enums import (
    ExecType,
    HaltScope,
    OrderState,
    OrderType,
    PositionLifecycle,
    Side,
    TimeInForce,
    TradingMode,
)
from fillgate.domain.orders import Order
from fillgate.domain.reports import ExecutionReport, PositionChange
from fillgate.engine.fold import State, SymbolState
from fillgate.engine.snapshot import FIXED_AT, MUTABLE, ORDER_FIELDS
from fillgate.journal.codec import decode_row
from fillgate.risk.trading_state import Restriction


@dataclass(frozen=True, slots=True)
class Image:
    """A decoded snapshot, ready to load into a fresh State."""

    orders: list[Order]
    submitted: list[Order]
    open_index: list[tuple[tuple[str, str], list[str]]]
    memo_exec_ids: dict[str, frozenset[str]]
    memo_base: dict[str, tuple[Decimal, Decimal]]
    marks: dict[str, Decimal]
    accounts: dict[str, tuple[dict[str, Position], Decimal]]
    restrictions: list[Restriction]
    prices: dict[str, tuple[Decimal, int]]
    quotes: list[tuple[str, Decimal, int]]
    based: list[str]
    ended_lists: list[str]
    held_stops: dict[str, Decimal]
    denied: int
    stream_head: int
    #: The retained stream events as (sequence, account, symbol, payload), as replay keeps them.
    retained: list[tuple[int, str, str, Any]]


class _Values:
    """One object per distinct decimal and per distinct name, as a replay shares them.

    Orders repeat the same accounts, symbols, venues, prices and quantities:
    sharing keeps a loaded state as small as a replayed one.
    """

    __slots__ = ("_decimals", "_texts")

    def __init__(self) -> None:
        self._decimals: dict[str, Decimal] = {}
        self._texts: dict[str, str] = {}

    def dec(self, text: str) -> Decimal:
        value = self._decimals.get(text)
        if value is None:
            value = self._decimals[text] = Decimal(text)
        return value

    def text(self, value: str) -> str:
        return self._texts.setdefault(value, value)


# Enum by value through a dict: calling the enum class costs ~1 us, six times an order.
_SIDES = {int(m): m for m in Side}
_TYPES = {int(m): m for m in OrderType}
_TIFS = {int(m): m for m in TimeInForce}
_STATES = {int(m): m for m in OrderState}


_new = object.__new__
_EMPTY: tuple[tuple[str, str], ...] = ()
# Order's slot setters and getters, by field name. Loading builds orders through
# them, unrolled, instead of the frozen dataclass's keyword __init__ (which sets
# each field through object.__setattr__): it halves the cost of a snapshot's orders,
# the bulk of a start-up from one.
_PUT = {name: getattr(Order, name).__set__ for name in ORDER_FIELDS}
_GET = {name: getattr(Order, name).__get__ for name in ORDER_FIELDS}
(
    _p_order_id, _p_client_order_id, _p_account, _p_symbol, _p_side, _p_type, _p_tif,
    _p_quantity, _p_limit, _p_stop, _p_strategy, _p_tags, _p_reduce_only, _p_venue,
    _p_state, _p_venue_order_id, _p_filled_quantity, _p_filled_notional, _p_fees,
    _p_triggered, _p_reason, _p_version, _p_created_ns, _p_updated_ns,
    _p_arrival_price, _p_release_ns, _p_extended_hours, _p_expire_time_ns, _p_expire_after_ns,
) = (_PUT[name] for name in ORDER_FIELDS)  # fmt: skip
assert [ORDER_FIELDS[i] for i in (7, 8, 9, 14, 15, 16, 17, 18, 19, 20, 21, 23)] == MUTABLE
#: Fields of a row written before arrival_price, release_ns, extended_hours and the time limits were
#: appended (such a row loads them as None, 0 and False).
_ROW_BEFORE_APPENDED = 24
_COPY_FIXED = tuple((_GET[ORDER_FIELDS[i]], _PUT[ORDER_FIELDS[i]]) for i in FIXED_AT)


def _order_from(r: list[Any], values: _Values) -> Order:
    """Build an Order from a full row."""
    dec, text = values.dec, values.text
    if len(r) not in (len(ORDER_FIELDS), _ROW_BEFORE_APPENDED):
        raise ValueError(f"an order row has {len(r)} fields, not {len(ORDER_FIELDS)}")
    o = _new(Order)
    _p_order_id(o, r[0])
    _p_client_order_id(o, r[1])
    _p_account(o, text(r[2]))
    _p_symbol(o, text(r[3]))
    _p_side(o, _SIDES[r[4]])
    _p_type(o, _TYPES[r[5]])
    _p_tif(o, _TIFS[r[6]])
    _p_quantity(o, dec(r[7]))
    _p_limit(o, None if r[8] is None else dec(r[8]))
    _p_stop(o, None if r[9] is None else dec(r[9]))
    _p_strategy(o, text(r[10]))
    _p_tags(o, tuple((k, v) for k, v in r[11]) if r[11] else _EMPTY)
    _p_reduce_only(o, r[12])
    _p_venue(o, text(r[13]))
    _p_state(o, _STATES[r[14]])
    _p_venue_order_id(o, r[15])
    _p_filled_quantity(o, dec(r[16]))
    _p_filled_notional(o, dec(r[17]))
    _p_fees(o, dec(r[18]))
    _p_triggered(o, r[19])
    _p_reason(o, r[20])
    _p_version(o, r[21])
    _p_created_ns(o, r[22])
    _p_updated_ns(o, r[23])
    if len(r) == _ROW_BEFORE_APPENDED:
        _p_arrival_price(o, None)
        _p_release_ns(o, 0)
        _p_extended_hours(o, False)
        _p_expire_time_ns(o, 0)
        _p_expire_after_ns(o, 0)
        return o
    _p_arrival_price(o, None if r[24] is None else dec(r[24]))
    _p_release_ns(o, r[25])
    _p_extended_hours(o, r[26])
    _p_expire_time_ns(o, r[27])
    _p_expire_after_ns(o, r[28])
    return o


def _submitted_from(order: Order, m: list[Any], values: _Values) -> Order:
    """Build accepted terms from the current order and the fields that differ (``MUTABLE``)."""
    if len(m) != len(MUTABLE):
        raise ValueError(f"a submitted cell has {len(m)} fields, not {len(MUTABLE)}")
    dec = values.dec
    o = _new(Order)
    for get, put in _COPY_FIXED:
        put(o, get(order))
    _p_quantity(o, dec(m[0]))
    _p_limit(o, None if m[1] is None else dec(m[1]))
    _p_stop(o, None if m[2] is None else dec(m[2]))
    _p_state(o, _STATES[m[3]])
    _p_venue_order_id(o, m[4])
    _p_filled_quantity(o, dec(m[5]))
    _p_filled_notional(o, dec(m[6]))
    _p_fees(o, dec(m[7]))
    _p_triggered(o, m[8])
    _p_reason(o, m[9])
    _p_version(o, m[10])
    _p_updated_ns(o, m[11])
    return o


def decode(head: Mapping[str, Any], chunks: list[bytes]) -> Image:
    """Decode a checked snapshot's chunks (raises on anything malformed; caller falls back)."""
    values = _Values()
    dec = values.dec
    orders: list[Order] = []
    submitted: list[Order] = []
    by_id: dict[str, Order] = {}
    sub_by_id: dict[str, Order] = {}
    state: dict[str, Any] | None = None
    retained: list[tuple[int, str, str, Any]] = []
    for chunk in chunks:
        kind, body = orjson.loads(chunk)
        if kind == "orders":
            for row in body:
                cell = row.pop()
                order = _order_from(row, values)
                if cell == 0:
                    sub = order
                elif len(cell) == len(MUTABLE):
                    sub = _submitted_from(order, cell, values)
                else:
                    sub = _order_from(cell, values)
                orders.append(order)
                submitted.append(sub)
                by_id[order.order_id] = order
                sub_by_id[order.order_id] = sub
        elif kind == "state":
            state = body
        elif kind == "retained":
            retained.extend(_retained_from(row, by_id, sub_by_id, values) for row in body)
        else:
            raise ValueError(f"unknown snapshot chunk {kind!r}")
    if state is None or len(orders) != head["orders"]:
        raise ValueError("snapshot incomplete: state or orders missing")
    accounts = {
        account: (
            {
                p[0]: Position(
                    account=account,
                    symbol=p[0],
                    quantity=dec(p[1]),
                    cost=dec(p[2]),
                    realized_pnl=dec(p[3]),
                    fees=dec(p[4]),
                    mark=dec(p[5]),
                    updated_ns=p[6],
                    opened_ns=p[7] if len(p) > 7 else 0,  # older snapshots: unknown
                )
                for p in positions
            },
            dec(cash),
        )
        for account, cash, positions in state["accounts"]
    }
    return Image(
        orders=orders,
        submitted=submitted,
        open_index=[((a, s), list(ids)) for a, s, ids in state["open"]],
        memo_exec_ids={k: frozenset(v) for k, v in state["memo_exec_ids"]},
        memo_base={k: (dec(q), dec(n)) for k, q, n in state["memo_base"]},
        marks={k: dec(v) for k, v in state["marks"]},
        accounts=accounts,
        restrictions=[
            Restriction(
                scope=HaltScope(s),
                target=t,
                mode=TradingMode(m),
                reason=reason,
                requested_by=by,
                set_ns=ns,
            )
            for s, t, m, reason, by, ns in state["restrictions"]
        ],
        prices={k: (dec(p), ns) for k, p, ns in state["prices"]},
        quotes=[(k, dec(p), ns) for k, p, ns in state.get("md.quotes", ())],
        based=list(state.get("md.based", ())),
        ended_lists=list(state.get("ct.ended_lists", ())),
        held_stops={k: dec(v) for k, v in state.get("ct.held_stops", ())},
        denied=int(head["denied"]),
        stream_head=int(head["stream_head"]),
        retained=retained,
    )


def _retained_from(
    row: list[Any],
    current: Mapping[str, Order],
    submitted: Mapping[str, Order],
    values: _Values,
) -> tuple[int, str, str, Any]:
    sequence, record_row = row[0], row[3]
    account, symbol = values.text(row[1]), values.text(row[2])
    record = decode_row(record_row)
    if len(row) == 4:
        return sequence, account, symbol, record.event
    ref = row[5]
    if ref == 0:
        order = current[record.event.order_id]
    elif ref == 1:
        order = submitted[record.event.order_id]
    else:
        order = _order_from(ref, values)
    report = _new(ExecutionReport)  # through its slots, like orders (see _order_from)
    _r_exec_id(report, record.exec_id)
    _r_exec_type(report, _EXEC_TYPES[row[4]])
    _r_order(report, order)
    _r_event(report, record.event)
    # A reading of the writing process's monotonic clock means nothing here: a replay has 0.
    _r_monotonic_ns(report, 0)
    _r_position(report, _position_from(row[6]) if len(row) > 6 else None)
    return sequence, account, symbol, report


def _position_from(cell: list[Any]) -> PositionChange:
    lifecycle, quantity, average, realized = cell
    return PositionChange(
        lifecycle=PositionLifecycle(lifecycle),
        quantity=Decimal(quantity),
        average_price=Decimal(average) if average else None,
        realized_pnl=Decimal(realized),
    )


_EXEC_TYPES = {int(m): m for m in ExecType}
_r_exec_id, _r_exec_type, _r_order, _r_event, _r_monotonic_ns, _r_position = (
    getattr(ExecutionReport, f.name).__set__ for f in fields(ExecutionReport)
)


def load(state: State, image: Image) -> None:
    """Put a snapshot's data into a fresh ``state`` (its book between begin/end_replay).

    Containers are filled in place: the engine holds references to them.
    """
    store = state.orders
    if store.orders or state.denied:
        raise ValueError("a snapshot loads into a fresh state only")
    for order, sub in zip(image.orders, image.submitted, strict=True):
        order_id = order.order_id
        store.orders[order_id] = order
        store.sequence.append(order_id)
        store.by_client[(sub.account, sub.client_order_id)] = order_id
        store.submitted[order_id] = sub
    for key, ids in image.open_index:
        store.open[key] = dict.fromkeys(ids)
    store.memo.load(image.memo_exec_ids, image.memo_base)
    # An account a replay would stage: one with positions, or whose cash an equity
    # baseline moved (a replay stages both; untouched accounts keep their start).
    start = state.starting_cash
    state.book.restore(
        image.marks,
        {a: v for a, v in image.accounts.items() if v[0] or v[1] != start.get(a, v[1])},
    )
    for restriction in image.restrictions:
        state.trading.set(restriction)
    for name, (price, updated_ns) in image.prices.items():
        current = state.prices.get(name)
        if current is not None:
            state.prices[name] = SymbolState(current.config, price, updated_ns)
            state.quotes.on_reference(name, price, updated_ns)
    state.quotes.restore(image.quotes)
    state.venue_accounts.based.update(image.based)
    state.ended_lists.update(image.ended_lists)
    state.held_stops.update(image.held_stops)
    state.denied = image.denied
