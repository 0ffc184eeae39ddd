"""Drive an engine that journals to a file, snapshot it, and rebuild it two ways.

``view`` is everything a restart must bring back, in a form whose ``repr``
also shows decimal exponents and dict order, so two rebuilds can be compared
exactly.
"""

from __future__ import annotations

import contextlib
import itertools
from decimal import Decimal as D
from pathlib import Path
from typing import Any

from fillgate.app import Components, build
from fillgate.config import Config, config_from_dict
from fillgate.domain.commands import (
    CancelOrder,
    Halt,
    OrderRef,
    ReplaceOrder,
    Resume,
    SetReferencePrice,
    SubmitOrder,
)
from fillgate.domain.enums import HaltScope, OrderType, Side, TimeInForce, TradingMode
from fillgate.domain.errors import FillgateError
from fillgate.domain.events import HeldStopMoved, OrderListEnded
from fillgate.domain.values import ManualClock
from fillgate.engine.engine import Engine
from fillgate.engine.recovery import ReplayStats, rebuild
from fillgate.engine.snapshot import capture, encode, header
from fillgate.journal.journal import FsyncPolicy, Journal
from fillgate.journal.snapshots import write_snapshot

ACCOUNTS = ("acct-a", "acct-b")
SYMBOLS = ("XYZ", "ABC")


def make_config(retain: int = 50, cash: str = "1000000") -> Config:
    return config_from_dict(
        {
            "accounts": {a: {"starting_cash": cash} for a in ACCOUNTS},
            "symbols": {
                # Limited paper liquidity: orders fill in parts (the venue memo has work).
                "XYZ": {
                    "reference_price": "100",
                    "price_precision": 2,
                    "quantity_precision": 4,
                    "paper_liquidity": "3",
                },
                "ABC": {"reference_price": "50.5", "price_precision": 2, "quantity_precision": 0},
            },
            "paper": {"fee_rate": "0.001"},
            "streams": {"retain": retain},
        }
    )


class Driver:
    """Apply operations (tuples) to a started engine; refusals are part of the game."""

    def __init__(self, parts: Components) -> None:
        self.parts = parts
        self.engine = parts.engine
        self.clock = parts.clock
        self.ids = itertools.count(1)
        self.placed: list[str] = []
        self.commands: list[SubmitOrder] = []

    async def run(self, op: tuple[Any, ...]) -> None:
        assert isinstance(self.clock, ManualClock)
        self.clock.advance(1_000_000)
        with contextlib.suppress(FillgateError):
            await self._run(op)

    async def _run(self, op: tuple[Any, ...]) -> None:
        engine = self.engine
        kind = op[0]
        if kind == "submit":
            _, account, symbol, side, qty, type_, offset, reduce_only = op
            price = engine.symbol(SYMBOLS[symbol]).reference_price
            cmd = SubmitOrder(
                account=ACCOUNTS[account],
                symbol=SYMBOLS[symbol],
                side=side,
                quantity=qty,
                type=type_,
                time_in_force=TimeInForce.GTC,
                client_order_id=f"p-{next(self.ids)}",
                limit_price=price + offset if type_ is OrderType.LIMIT else None,
                stop_price=price + offset if type_ is OrderType.STOP else None,
                reduce_only=reduce_only,
            )
            self.commands.append(cmd)
            self.placed.append((await engine.submit(cmd)).order.order_id)
        elif kind == "again" and self.commands:  # a retried submit: a duplicate, no event
            await engine.submit(self.commands[op[1] % len(self.commands)])
        elif kind == "cancel" and self.placed:
            ref = OrderRef(order_id=self.placed[op[1] % len(self.placed)])
            await engine.cancel(CancelOrder(ref=ref))
        elif kind == "replace" and self.placed:
            order = engine.order(self.placed[op[1] % len(self.placed)])
            assert order is not None
            limit = None if order.limit_price is None else order.limit_price + op[3]
            ref = OrderRef(order_id=order.order_id)
            await engine.replace(ReplaceOrder(ref=ref, quantity=op[2], limit_price=limit))
        elif kind == "end_list" and self.placed:  # CancelOrderList's journaled mark
            list_id = self.placed[op[1] % len(self.placed)]
            engine.emit(OrderListEnded(list_id=list_id, ts_ns=self.clock.now_ns()))
        elif kind == "held_stop" and self.placed:  # a held trailing stop moved
            list_id = self.placed[op[1] % len(self.placed)]
            now = self.clock.now_ns()
            engine.emit(HeldStopMoved(list_id=list_id, stop_price=op[2], ts_ns=now))
        elif kind == "price":
            engine.set_reference_price(SetReferencePrice(symbol=SYMBOLS[op[1]], price=op[2]))
        elif kind == "quote":  # a price-feed quote: moves the mark and paper matching
            engine.on_quote(SYMBOLS[op[1]], bid=op[2] - D("0.5"), ask=op[2] + D("0.5"))
        elif kind == "halt":
            await self.parts.kill_switch.halt(
                Halt(scope=HaltScope.SYMBOL, target=SYMBOLS[op[1]], mode=op[2], reason="test")
            )
        elif kind == "resume":
            self.parts.kill_switch.resume(Resume(scope=HaltScope.SYMBOL, target=SYMBOLS[op[1]]))


async def start(path: Path, config: Config) -> tuple[Components, Journal, Driver]:
    """Start an engine journaling to ``path`` (fsync off: these tests do not crash)."""
    journal = Journal(path, FsyncPolicy.NEVER)
    list(journal.open())
    journal.start()
    parts = build(config, clock=ManualClock(), journal=journal)
    await parts.engine.start()
    return parts, journal, Driver(parts)


async def resume(path: Path, config: Config, *, snapshots: bool) -> tuple[Components, Journal]:
    """Rebuild from ``path`` and start, as a restarted server would (a later run: new ids)."""
    journal = Journal(path, FsyncPolicy.NEVER)
    parts = build(config, clock=ManualClock(1_800_000_000_000_000_000), journal=journal)
    rebuild(parts.engine, journal, snapshots=snapshots)
    journal.start()
    await parts.engine.start()
    return parts, journal


async def run_with_snapshot(path: Path, config: Config, before: list[Any], after: list[Any]) -> int:
    """Run ``before``, capture, run ``after`` while the capture waits, then write it.

    Writing the snapshot only after ``after`` ran is the worst case for the
    capture: orders open at the capture have changed (or finished) since.
    Returns the journal sequence the snapshot ends at.
    """
    parts, journal, driver = await start(path, config)
    for op in before:
        await driver.run(op)
    parts.engine.marks.flush()  # as Snapshotter.take does before its capture
    mark = journal.mark()
    cap = None
    if mark is not None:  # an empty journal has nothing to snapshot
        cap = capture(parts.engine.state, parts.engine.bus, mark, parts.clock.now_ns())
    for op in after:
        await driver.run(op)
    await journal.durable()
    if cap is not None:
        write_snapshot(path, cap.mark, header(cap), encode(cap))
    await parts.engine.stop()
    await journal.close()
    return 0 if mark is None else mark.journal_seq


async def restarted(path: Path, config: Config, *, snapshots: bool) -> tuple[Engine, ReplayStats]:
    """Rebuild an engine from ``path`` as create_server does (journal left open: read only)."""
    journal = Journal(path, FsyncPolicy.NEVER)
    parts = build(config, clock=ManualClock(), journal=journal)
    stats = rebuild(parts.engine, journal, snapshots=snapshots)
    await journal.close()
    return parts.engine, stats


def view(engine: Engine) -> dict[str, Any]:
    """Everything the fold owns, the stream's head and memory, and the journal's position."""
    state = engine.state
    store = state.orders
    exec_ids, base = store.memo.image()
    marks, accounts = state.book.image()
    journal = engine.journal
    assert journal is not None
    return {
        "orders": list(store.orders.items()),
        "sequence": list(store.sequence),
        "by_client": list(store.by_client.items()),
        "submitted": list(store.submitted.items()),
        "open": [(key, list(ids)) for key, ids in store.open.items()],
        "open_orders": engine.open_orders(),
        "memo": (sorted((k, sorted(v)) for k, v in exec_ids.items()), sorted(base.items())),
        "marks": list(marks.items()),
        "accounts": list(accounts.items()),
        # Which accounts hold which symbol decides who a mark re-values.
        "holders": sorted((k, sorted(v)) for k, v in state.book._holders.items()),
        "restrictions": state.trading.restrictions(),
        "prices": list(state.prices.items()),
        "quotes": state.quotes.quotes(),
        "denied": state.denied,
        "ended_lists": sorted(state.ended_lists),
        "held_stops": sorted(state.held_stops.items()),
        "stream": (engine.bus.head, engine.bus.first_retained),
        "retained": engine.bus.retained_events(),
        "journal": (journal.records, journal.next_seq, journal.mark()),
    }


# -- operations for hypothesis (tuples the Driver understands) ---------------------

try:
    from hypothesis import strategies as st

    # Against 3 of paper liquidity per price level: most orders fill in parts.
    _quantities = st.sampled_from([D(1), D("2.5"), D(5), D(7), D(12), D(20)])
    _offsets = st.sampled_from([D(-3), D(-1), D(0), D("0.5"), D(2)])
    _stop_prices = st.sampled_from([D(95), D("97.5")])
    _submit = st.tuples(
        st.just("submit"),
        st.integers(0, 1),
        st.integers(0, 1),
        st.sampled_from([Side.BUY, Side.SELL]),
        _quantities,
        st.sampled_from([OrderType.MARKET, OrderType.LIMIT, OrderType.LIMIT, OrderType.STOP]),
        _offsets,
        st.sampled_from([False, False, False, True]),
    )
    _prices = st.sampled_from([D(95), D("97.5"), D(100), D("102.25"), D(105)])
    _price = st.tuples(st.just("price"), st.integers(0, 1), _prices)
    _quote = st.tuples(st.just("quote"), st.integers(0, 1), _prices)
    _halt = st.tuples(
        st.just("halt"),
        st.integers(0, 1),
        st.sampled_from([TradingMode.HALTED, TradingMode.REDUCING]),
    )
    # Weighted by repetition (one_of draws its branches evenly): mostly submits
    # and price moves, so books build up; halts rarely, so they do not end the game.
    OPS = st.lists(
        st.one_of(
            *[_submit] * 6,
            *[_price] * 2,
            *[_quote] * 2,
            st.tuples(st.just("again"), st.integers(0, 30)),
            st.tuples(st.just("cancel"), st.integers(0, 30)),
            st.tuples(st.just("end_list"), st.integers(0, 30)),
            st.tuples(st.just("held_stop"), st.integers(0, 30), _stop_prices),
            st.tuples(st.just("replace"), st.integers(0, 30), _quantities, _offsets),
            _halt,
            st.tuples(st.just("resume"), st.integers(0, 1)),
        ),
        max_size=30,
    )
except ImportError:  # pragma: no cover - hypothesis is a test dependency
    pass
