"""The fold's State as a snapshot: capture on the loop, encode in a worker, load at start-up.

A snapshot holds everything :func:`~fillgate.engine.fold.fold` can change
(orders and their lookups with the venue memo, the book's positions, cash and
marks, trading restrictions, reference prices, the denied count) plus the
stream head and the retained stream events, as of journal record N. Loading
one puts that data back; it does not re-run any event logic, so the fold
stays the only place an event changes state.

Capture is cheap because finished orders never change: the order state table
has no row out of FILLED, CANCELED, REJECTED or EXPIRED, and an order's
accepted terms (``submitted``) are written once. :func:`capture` therefore
copies only the open orders, the memo, the book's two dicts and the retained
events, and notes how many orders exist; the worker then reads every other
order straight from the live dicts (single dict and list reads, atomic under
the GIL), and they are still what they were at the capture.

Decimals are strings and enums integers, as in the journal; an order row
follows the fields of :class:`~fillgate.domain.orders.Order` in order (a
field added there fails :data:`_ORDER_FIELDS`' check at import, on purpose).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import asdict, dataclass, fields
from decimal import Decimal
from typing import Any

import orjson

from fillgate.book.positions import AccountSnapshot, Position
from fillgate.domain.enums import (
    ExecType,
    HaltScope,
    OrderState,
    OrderType,
    Side,
    TimeInForce,
    TradingMode,
)
from fillgate.domain.orders import Order
from fillgate.domain.reports import ExecutionReport
from fillgate.engine.fold import State, SymbolState
from fillgate.journal.codec import decode_row, encode_row
from fillgate.journal.log import JournalMark
from fillgate.risk.trading_state import Restriction
from fillgate.streams.bus import BusEvent, EventBus

#: Orders (or retained events) per chunk: ~15 KB of JSON, ~0.15 ms of work. The writer
#: gives the GIL back to the event loop after each chunk, so that is about the longest
#: the loop waits for it (measured: submit p99 136 -> 380 us while a snapshot is written
#: under back-to-back submits; 2.4 ms with chunks of 250).
CHUNK = 50

_ORDER_FIELDS = [
    *("order_id", "client_order_id", "account", "symbol", "side", "type", "time_in_force"),
    *("quantity", "limit_price", "stop_price", "strategy_id", "tags", "reduce_only", "venue"),
    *("state", "venue_order_id", "filled_quantity", "filled_notional", "fees", "triggered"),
    *("reason", "version", "created_ns", "updated_ns"),
]
assert [f.name for f in fields(Order)] == _ORDER_FIELDS, "Order changed: update engine/snapshot.py"

# Fields lifecycle.apply may change after acceptance: an order's accepted terms
# (``submitted``) are kept as these, with the rest shared with the current order.
_MUTABLE = [
    *("quantity", "limit_price", "stop_price", "state", "venue_order_id", "filled_quantity"),
    *("filled_notional", "fees", "triggered", "reason", "version", "updated_ns"),
]
_MUTABLE_AT = [_ORDER_FIELDS.index(name) for name in _MUTABLE]
_FIXED_AT = [i for i in range(len(_ORDER_FIELDS)) if i not in _MUTABLE_AT]


def fingerprint(state: State) -> str:
    """Describe the configuration the fold starts from (cash, symbols).

    A snapshot taken under another configuration is not used: a full replay
    would start from the new starting cash and reference prices.
    """
    return orjson.dumps(
        {
            "cash": {name: str(cash) for name, cash in sorted(state.starting_cash.items())},
            "symbols": {
                name: {k: str(v) for k, v in asdict(config).items()}
                for name, config in sorted(state.symbols.items())
            },
        }
    ).decode()


@dataclass(frozen=True, slots=True)
class Capture:
    """The state at one instant between two events, cheap to take (see the module doc)."""

    mark: JournalMark
    written_ns: int
    fingerprint: str
    #: Orders 0..count-1 of ``sequence`` exist; the live containers are read for them.
    count: int
    sequence: list[str]
    orders: Mapping[str, Order]
    submitted: Mapping[str, Order]
    #: The open orders' values at the capture (they may change after it).
    open_orders: dict[str, Order]
    open_index: list[tuple[tuple[str, str], list[str]]]
    memo_exec_ids: dict[str, frozenset[str]]
    memo_base: dict[str, tuple[Decimal, Decimal]]
    marks: dict[str, Decimal]
    accounts: dict[str, AccountSnapshot]
    restrictions: list[Restriction]
    prices: dict[str, SymbolState]
    denied: int
    stream_head: int
    retained: list[BusEvent]


def capture(state: State, bus: EventBus, mark: JournalMark, now_ns: int) -> Capture:
    """Capture ``state`` on the event loop; O(open orders + retained events), no order copy."""
    store = state.orders
    live = store.orders
    open_index = [(key, list(ids)) for key, ids in store.open.items()]
    exec_ids, base = store.memo.image()
    marks, accounts = state.book.image()
    return Capture(
        mark=mark,
        written_ns=now_ns,
        fingerprint=fingerprint(state),
        count=len(store.sequence),
        sequence=store.sequence,
        orders=live,
        submitted=store.submitted,
        open_orders={i: live[i] for _, ids in open_index for i in ids},
        open_index=open_index,
        memo_exec_ids=exec_ids,
        memo_base=base,
        marks=marks,
        accounts=accounts,
        restrictions=state.trading.restrictions(),
        prices=dict(state.prices),
        denied=state.denied,
        stream_head=bus.assigned,
        retained=bus.retained_events(),
    )


def _d(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _order_row(o: Order) -> list[Any]:
    return [
        o.order_id,
        o.client_order_id,
        o.account,
        o.symbol,
        int(o.side),
        int(o.type),
        int(o.time_in_force),
        str(o.quantity),
        _d(o.limit_price),
        _d(o.stop_price),
        o.strategy_id,
        [list(t) for t in o.tags],
        o.reduce_only,
        o.venue,
        int(o.state),
        o.venue_order_id,
        str(o.filled_quantity),
        str(o.filled_notional),
        str(o.fees),
        o.triggered,
        o.reason,
        o.version,
        o.created_ns,
        o.updated_ns,
    ]


def _submitted_cell(order: Order, row: list[Any], sub: Order) -> Any:
    """0: the same object; a short row: only the fields that can change; else a full row."""
    if sub is order:
        return 0
    full = _order_row(sub)
    if all(full[i] == row[i] for i in _FIXED_AT):
        return [full[i] for i in _MUTABLE_AT]
    return full


def header(cap: Capture) -> dict[str, Any]:
    """What goes into the snapshot file's header besides the journal mark."""
    return {
        "fingerprint": cap.fingerprint,
        "written_ns": cap.written_ns,
        "orders": cap.count,
        "stream_head": cap.stream_head,
        "denied": cap.denied,
    }


def encode(cap: Capture) -> Iterator[bytes]:
    """Yield the snapshot's chunks; run in a worker thread (it reads finished orders live).

    Each row is serialized as soon as it is made, so only bytes pile up in a
    chunk: containers that stayed alive would count towards the cyclic
    collector's thresholds, and a full collection triggered here would walk
    the whole live heap while holding the GIL (measured: 0.3 s loop stalls).
    """
    dumps = orjson.dumps
    rows: list[bytes] = []
    for index in range(cap.count):
        order_id = cap.sequence[index]
        order = _captured(cap, order_id)
        row = _order_row(order)
        row.append(_submitted_cell(order, row, cap.submitted[order_id]))
        rows.append(dumps(row))
        if len(rows) == CHUNK:
            yield _chunk(b"orders", rows)
            rows = []
    if rows:
        yield _chunk(b"orders", rows)
    yield dumps(
        [
            "state",
            {
                "open": [[a, s, ids] for (a, s), ids in cap.open_index],
                "memo_exec_ids": [[k, sorted(v)] for k, v in cap.memo_exec_ids.items()],
                "memo_base": [[k, str(q), str(n)] for k, (q, n) in cap.memo_base.items()],
                "marks": [[k, str(v)] for k, v in cap.marks.items()],
                "accounts": [_account_row(a) for a in cap.accounts.values()],
                "restrictions": [
                    [int(r.scope), r.target, int(r.mode), r.reason, r.requested_by, r.set_ns]
                    for r in cap.restrictions
                ],
                "prices": [
                    [k, str(p.reference_price), p.updated_ns] for k, p in cap.prices.items()
                ],
            },
        ]
    )
    events: list[bytes] = []
    for item in cap.retained:
        events.append(dumps(_retained_row(item, cap)))
        if len(events) == CHUNK:
            yield _chunk(b"retained", events)
            events = []
    if events:
        yield _chunk(b"retained", events)


def _chunk(kind: bytes, rows: list[bytes]) -> bytes:
    return b'["' + kind + b'",[' + b",".join(rows) + b"]]"


def _captured(cap: Capture, order_id: str) -> Order:
    """The order as it was at the capture: open ones were copied, finished ones never change."""
    return cap.open_orders.get(order_id) or cap.orders[order_id]


def _account_row(a: AccountSnapshot) -> list[Any]:
    positions = [
        [
            p.symbol,
            str(p.quantity),
            str(p.cost),
            str(p.realized_pnl),
            str(p.fees),
            str(p.mark),
            p.updated_ns,
        ]
        for p in a.positions.values()
    ]
    return [a.account, str(a.cash), positions]


def _retained_row(item: BusEvent, cap: Capture) -> list[Any]:
    payload = item.payload
    if not isinstance(payload, ExecutionReport):
        return [item.sequence, item.account, item.symbol, encode_row(payload, 0, item.sequence)]
    event = payload.event
    order = payload.order
    order_id = order.order_id
    if order_id in cap.submitted and order is _captured(cap, order_id):
        ref: Any = 0
    elif order is cap.submitted.get(order_id):
        ref = 1
    else:
        ref = _order_row(order)
    return [
        item.sequence,
        item.account,
        item.symbol,
        encode_row(event, 0, item.sequence, payload.exec_id),
        int(payload.exec_type),
        ref,
    ]


# -- loading -------------------------------------------------------------------


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
    denied: int
    stream_head: int
    #: The retained stream events as (sequence, account, symbol, payload), as replay keeps them.
    retained: list[tuple[int, str, str, Any]]


def _decimals() -> Callable[[str], Decimal]:
    cache: dict[str, Decimal] = {}

    def dec(text: str) -> Decimal:
        value = cache.get(text)
        if value is None:
            value = cache[text] = Decimal(text)
        return value

    return dec


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
_PUT = {name: getattr(Order, name).__set__ for name in _ORDER_FIELDS}
_GET = {name: getattr(Order, name).__get__ for name in _ORDER_FIELDS}
(
    _p_order_id, _p_client_order_id, _p_account, _p_symbol, _p_side, _p_type, _p_tif,
    _p_quantity, _p_limit, _p_stop, _p_strategy, _p_tags, _p_reduce_only, _p_venue,
    _p_state, _p_venue_order_id, _p_filled_quantity, _p_filled_notional, _p_fees,
    _p_triggered, _p_reason, _p_version, _p_created_ns, _p_updated_ns,
) = (_PUT[name] for name in _ORDER_FIELDS)  # fmt: skip
assert [_ORDER_FIELDS[i] for i in (7, 8, 9, 14, 15, 16, 17, 18, 19, 20, 21, 23)] == _MUTABLE
_COPY_FIXED = tuple((_GET[_ORDER_FIELDS[i]], _PUT[_ORDER_FIELDS[i]]) for i in _FIXED_AT)


def _order_from(r: list[Any], dec: Callable[[str], Decimal]) -> Order:
    """Build an Order from a full row."""
    if len(r) != len(_ORDER_FIELDS):
        raise ValueError(f"an order row has {len(r)} fields, not {len(_ORDER_FIELDS)}")
    o = _new(Order)
    _p_order_id(o, r[0])
    _p_client_order_id(o, r[1])
    _p_account(o, r[2])
    _p_symbol(o, r[3])
    _p_side(o, _SIDES[r[4]])
    _p_type(o, _TYPES[r[5]])
    _p_tif(o, _TIFS[r[6]])
    _p_quantity(o, dec(r[7]))
    _p_limit(o, None if r[8] is None else dec(r[8]))
    _p_stop(o, None if r[9] is None else dec(r[9]))
    _p_strategy(o, r[10])
    _p_tags(o, tuple((k, v) for k, v in r[11]) if r[11] else _EMPTY)
    _p_reduce_only(o, r[12])
    _p_venue(o, r[13])
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
    return o


def _submitted_from(order: Order, m: list[Any], dec: Callable[[str], Decimal]) -> Order:
    """Build accepted terms from the current order and the fields that differ (``_MUTABLE``)."""
    if len(m) != len(_MUTABLE):
        raise ValueError(f"a submitted cell has {len(m)} fields, not {len(_MUTABLE)}")
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
    dec = _decimals()
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
                order = _order_from(row, dec)
                if cell == 0:
                    sub = order
                elif len(cell) == len(_MUTABLE):
                    sub = _submitted_from(order, cell, dec)
                else:
                    sub = _order_from(cell, dec)
                orders.append(order)
                submitted.append(sub)
                by_id[order.order_id] = order
                sub_by_id[order.order_id] = sub
        elif kind == "state":
            state = body
        elif kind == "retained":
            retained.extend(_retained_from(row, by_id, sub_by_id, dec) for row in body)
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
        denied=int(head["denied"]),
        stream_head=int(head["stream_head"]),
        retained=retained,
    )


def _retained_from(
    row: list[Any],
    current: Mapping[str, Order],
    submitted: Mapping[str, Order],
    dec: Callable[[str], Decimal],
) -> tuple[int, str, str, Any]:
    sequence, account, symbol, record_row = row[0], row[1], row[2], row[3]
    record = decode_row(record_row)
    if len(row) == 4:
        return sequence, account, symbol, record.event
    ref = row[5]
    if ref == 0:
        order = current[record.event.order_id]
    elif ref == 1:
        order = submitted[record.event.order_id]
    else:
        order = _order_from(ref, dec)
    report = _new(ExecutionReport)  # through its slots, like orders (see _order_from)
    _r_exec_id(report, record.exec_id)
    _r_exec_type(report, _EXEC_TYPES[row[4]])
    _r_order(report, order)
    _r_event(report, record.event)
    # A reading of the writing process's monotonic clock means nothing here: a replay has 0.
    _r_monotonic_ns(report, 0)
    return sequence, account, symbol, report


_EXEC_TYPES = {int(m): m for m in ExecType}
_r_exec_id, _r_exec_type, _r_order, _r_event, _r_monotonic_ns = (
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
    state.book.restore(image.marks, {a: v for a, v in image.accounts.items() if v[0]})
    for restriction in image.restrictions:
        state.trading.set(restriction)
    for name, (price, updated_ns) in image.prices.items():
        current = state.prices.get(name)
        if current is not None:
            state.prices[name] = SymbolState(current.config, price, updated_ns)
    state.denied = image.denied
