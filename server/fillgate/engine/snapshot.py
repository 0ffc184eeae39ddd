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

#: Orders (or retained events) per chunk: ~70 KB of JSON, under a millisecond of work
#: each; the writer gives the GIL back to the event loop between chunks.
CHUNK = 250

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
# The slot setters of Order, in field order: building an order through them skips
# the frozen dataclass's keyword __init__ (which sets each field via object.__setattr__),
# ~40% of the cost of loading a snapshot's orders.
_PUTS = tuple(getattr(Order, name).__set__ for name in _ORDER_FIELDS)
_DECIMAL_AT = (7, 16, 17, 18)
_OPTIONAL_DECIMAL_AT = (8, 9)


def _order_from(r: list[Any], dec: Callable[[str], Decimal]) -> Order:
    """Build an Order from a row (converted in place)."""
    r[4] = _SIDES[r[4]]
    r[5] = _TYPES[r[5]]
    r[6] = _TIFS[r[6]]
    for at in _DECIMAL_AT:
        r[at] = dec(r[at])
    for at in _OPTIONAL_DECIMAL_AT:
        if r[at] is not None:
            r[at] = dec(r[at])
    r[11] = tuple((k, v) for k, v in r[11])
    r[14] = _STATES[r[14]]
    order = _new(Order)
    for put, value in zip(_PUTS, r, strict=True):
        put(order, value)
    return order


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
                if cell == 0 or len(cell) != len(_MUTABLE):
                    sub_row = cell
                else:
                    sub_row = row.copy()
                    for at, value in zip(_MUTABLE_AT, cell, strict=True):
                        sub_row[at] = value
                order = _order_from(row, dec)
                sub = order if sub_row == 0 else _order_from(sub_row, dec)
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
    # monotonic_ns is a reading of this process's monotonic clock: a replay has none (0).
    report = ExecutionReport(
        exec_id=record.exec_id,
        exec_type=ExecType(row[4]),
        order=order,
        event=record.event,
        monotonic_ns=0,
    )
    return sequence, account, symbol, report


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
