"""The fold's State as a snapshot: capture on the loop, encode in a worker.

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
field added there fails :data:`ORDER_FIELDS`' check at import, on purpose).
Loading is ``engine/snapshot_load.py``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, fields
from decimal import Decimal
from typing import Any

import orjson

from fillgate.book.positions import AccountSnapshot
from fillgate.domain.orders import Order
from fillgate.domain.reports import ExecutionReport
from fillgate.engine.fold import State, SymbolState
from fillgate.journal.codec import encode_row
from fillgate.journal.log import JournalMark
from fillgate.risk.trading_state import Restriction
from fillgate.streams.bus import BusEvent, EventBus

#: Orders (or retained events) per chunk: ~15 KB of JSON, ~0.15 ms of work. The writer
#: gives the GIL back to the event loop after each chunk, so that is about the longest
#: the loop waits for it (measured: submit p99 136 -> 380 us while a snapshot is written
#: under back-to-back submits; 2.4 ms with chunks of 250).
CHUNK = 50

#: An order row's layout: Order's fields, in order.
ORDER_FIELDS = [
    *("order_id", "client_order_id", "account", "symbol", "side", "type", "time_in_force"),
    *("quantity", "limit_price", "stop_price", "strategy_id", "tags", "reduce_only", "venue"),
    *("state", "venue_order_id", "filled_quantity", "filled_notional", "fees", "triggered"),
    *("reason", "version", "created_ns", "updated_ns"),
    # Appended since the first snapshot format: rows written before them are 24 long.
    *("arrival_price", "release_ns", "extended_hours", "expire_time_ns", "expire_after_ns"),
]
assert [f.name for f in fields(Order)] == ORDER_FIELDS, "Order changed: update engine/snapshot.py"

#: Fields lifecycle.apply may change after acceptance: an order's accepted terms
#: (``submitted``) are kept as these, the rest being the current order's.
MUTABLE = [
    *("quantity", "limit_price", "stop_price", "state", "venue_order_id", "filled_quantity"),
    *("filled_notional", "fees", "triggered", "reason", "version", "updated_ns"),
]
MUTABLE_AT = [ORDER_FIELDS.index(name) for name in MUTABLE]
FIXED_AT = [i for i in range(len(ORDER_FIELDS)) if i not in MUTABLE_AT]


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
            # The paper venue's quotes are its reference price -/+ half this spread.
            "md": [state.marketdata.mark, str(state.marketdata.paper_spread_bps)],
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
    #: The quote book's journaled marks (``QuoteBook.image``): ticks are not kept.
    quotes: list[tuple[str, Decimal, int]]
    #: Accounts whose equity was baselined to their venue's (venue reads are not kept).
    based: list[str]
    #: Order lists CancelOrderList ended (``State.ended_lists``).
    ended_lists: list[str]
    #: The trailing stops fillgate holds, where they moved (``State.held_stops``).
    held_stops: dict[str, Decimal]
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
    retained = bus.retained_events()
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
        quotes=state.quotes.image(),
        based=sorted(state.venue_accounts.based),
        ended_lists=sorted(state.ended_lists),
        held_stops=dict(state.held_stops),
        denied=state.denied,
        # The last event handed out is always retained (held until durable or not),
        # so it is the stream head a replay of the same records ends at.
        stream_head=retained[-1].sequence if retained else bus.head,
        retained=retained,
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
        _d(o.arrival_price),
        o.release_ns,
        o.extended_hours,
        o.expire_time_ns,
        o.expire_after_ns,
    ]


def _submitted_cell(order: Order, row: list[Any], sub: Order) -> Any:
    """0: the same object; a short row: only the fields that can change; else a full row."""
    if sub is order:
        return 0
    full = _order_row(sub)
    if all(full[i] == row[i] for i in FIXED_AT):
        return [full[i] for i in MUTABLE_AT]
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
                "md.quotes": [[k, str(mark), ts] for k, mark, ts in cap.quotes],
                "md.based": cap.based,
                "ct.ended_lists": cap.ended_lists,
                "ct.held_stops": [[k, str(v)] for k, v in sorted(cap.held_stops.items())],
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
            p.opened_ns,
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
    row = [
        item.sequence,
        item.account,
        item.symbol,
        encode_row(event, 0, item.sequence, payload.exec_id),
        int(payload.exec_type),
        ref,
    ]
    change = payload.position
    if change is not None:  # a fill: the position after it (rows of 6 predate it)
        avg = change.average_price
        row.append(
            [
                int(change.lifecycle),
                str(change.quantity),
                "" if avg is None else str(avg),
                str(change.realized_pnl),
            ]
        )
    return row
