"""The fold is the only truth: live state equals the state rebuilt from the journal.

For random sequences of commands (submits of every type, cancels, replaces),
price moves, venue reports (fills, partial fills, cancels, rejects, replaces),
halts, resumes and breaker trips, a fresh engine replaying the journal ends in
the same state as the live one, and the reports read back from history equal
the reports streamed live, field for field.
"""

from __future__ import annotations

import asyncio
import contextlib
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fillgate.app import Components, build
from fillgate.config import config_from_dict
from fillgate.domain import events as ev
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
from fillgate.domain.reports import ExecutionReport
from fillgate.domain.values import ManualClock
from fillgate.engine.fold import State
from fillgate.engine.history import iter_stream_events
from fillgate.engine.recovery import replay
from fillgate.journal.journal import FsyncPolicy, Journal

ACCOUNTS = ("a", "b")
SYMBOLS = ("XYZ", "ABC")
CONFIG = {
    "accounts": {"a": {"starting_cash": "100000"}, "b": {"starting_cash": "100000"}},
    "symbols": {
        "XYZ": {
            "reference_price": "100",
            "price_precision": 2,
            "quantity_precision": 2,
            "paper_liquidity": "3",
        },
        "ABC": {"reference_price": "50", "price_precision": 2, "quantity_precision": 0},
    },
    "paper": {"fee_rate": "0.001"},
    # A daily-loss breaker that price moves can trip: trips are events the fold applies.
    "risk": {"breakers": {"daily_loss": {"limit": "400", "mode": "REDUCING"}}},
}

prices = st.integers(min_value=80, max_value=120).map(Decimal)
quantities = st.integers(min_value=1, max_value=8).map(Decimal)
pick = st.integers(min_value=0, max_value=1_000)

submits = st.tuples(
    st.just("submit"),
    st.sampled_from(ACCOUNTS),
    st.sampled_from(SYMBOLS),
    st.sampled_from(Side),
    quantities,
    st.sampled_from(OrderType),
    st.sampled_from([TimeInForce.GTC, TimeInForce.GTC, TimeInForce.IOC, TimeInForce.FOK]),
    prices,
    prices,
    st.sampled_from([False, False, False, True]),  # reduce-only
)
others = st.one_of(
    st.tuples(st.just("price"), st.sampled_from(SYMBOLS), prices),
    st.tuples(st.just("cancel"), pick),
    st.tuples(st.just("replace"), pick, quantities, prices),
    st.tuples(st.just("venue_fill"), pick, st.integers(min_value=1, max_value=3), prices),
    st.tuples(st.just("venue_cancel"), pick),
    st.tuples(st.just("venue_reject"), pick),
    st.tuples(st.just("venue_replaced"), pick, quantities, prices),
    st.tuples(
        st.just("halt"),
        st.sampled_from([HaltScope.ACCOUNT, HaltScope.SYMBOL, HaltScope.ALL]),
        st.sampled_from([TradingMode.HALTED, TradingMode.REDUCING]),
        st.booleans(),
    ),
    st.tuples(st.just("resume")),
)
# Half of the steps are submits, so that orders exist for the rest to act on.
actions = st.booleans().flatmap(lambda submit: submits if submit else others)


class Scenario:
    """Drive one live engine with a journal; every refused command is fine."""

    def __init__(self, parts: Components, clock: ManualClock) -> None:
        self.parts = parts
        self.engine = parts.engine
        self.clock = clock
        self.count = 0
        self.halts: list[tuple[HaltScope, str]] = []

    def _open(self, index: int) -> Any:
        orders = self.engine.open_orders()
        return orders[index % len(orders)] if orders else None

    async def run(self, action: tuple[Any, ...]) -> None:
        self.clock.advance(1_000_000)
        kind, *args = action
        # Denied or refused is fine: the journal and the state must still agree.
        with contextlib.suppress(FillgateError):
            await getattr(self, kind)(*args)

    async def submit(self, account, symbol, side, qty, type_, tif, limit, stop, reduce) -> None:  # type: ignore[no-untyped-def]
        self.count += 1
        await self.engine.submit(
            SubmitOrder(
                account=account,
                symbol=symbol,
                side=side,
                quantity=qty,
                type=type_,
                time_in_force=tif,
                client_order_id=f"c-{self.count}",
                limit_price=limit if type_.needs_limit else None,
                stop_price=stop if type_.needs_stop else None,
                reduce_only=reduce,
            )
        )

    async def price(self, symbol: str, price: Decimal) -> None:
        self.engine.set_reference_price(SetReferencePrice(symbol=symbol, price=price))
        await self.parts.kill_switch.settle()

    async def cancel(self, index: int) -> None:
        order = self._open(index)
        if order is not None:
            await self.engine.cancel(CancelOrder(ref=OrderRef(order_id=order.order_id)))

    async def replace(self, index: int, qty: Decimal, price: Decimal) -> None:
        order = self._open(index)
        if order is not None:
            limit = price if order.type.needs_limit else None
            stop = price if order.type.needs_stop else None
            cmd = ReplaceOrder(
                ref=OrderRef(order_id=order.order_id),
                quantity=qty + order.filled_quantity,
                limit_price=limit,
                stop_price=stop,
            )
            await self.engine.replace(cmd)

    async def venue_fill(self, index: int, qty: int, price: Decimal) -> None:
        order = self._open(index)
        if order is not None:
            self.count += 1
            quantity = min(Decimal(qty), order.leaves_quantity)
            self.engine.on_venue_event(
                ev.OrderFilled(
                    order_id=order.order_id,
                    ts_ns=self.clock.now_ns(),
                    venue_exec_id=f"T-{self.count}",
                    quantity=quantity,
                    price=price,
                    fee=Decimal("0.01"),
                )
            )
            await self.parts.kill_switch.settle()

    async def venue_cancel(self, index: int) -> None:
        order = self._open(index)
        if order is not None:
            self.engine.on_venue_event(
                ev.OrderCanceled(
                    order_id=order.order_id, ts_ns=self.clock.now_ns(), reason="venue canceled"
                )
            )

    async def venue_reject(self, index: int) -> None:
        order = self._open(index)
        if order is not None:
            self.engine.on_venue_event(
                ev.OrderRejected(
                    order_id=order.order_id, ts_ns=self.clock.now_ns(), reason="venue rejected"
                )
            )

    async def venue_replaced(self, index: int, qty: Decimal, price: Decimal) -> None:
        order = self._open(index)
        if order is not None:
            self.engine.on_venue_event(
                ev.OrderReplaced(
                    order_id=order.order_id,
                    ts_ns=self.clock.now_ns(),
                    quantity=qty + order.filled_quantity,
                    limit_price=price if order.type.needs_limit else None,
                    stop_price=price if order.type.needs_stop else None,
                )
            )

    async def halt(self, scope: HaltScope, mode: TradingMode, cancel: bool) -> None:
        target = {HaltScope.ACCOUNT: "a", HaltScope.SYMBOL: "XYZ", HaltScope.ALL: ""}[scope]
        await self.parts.kill_switch.halt(
            Halt(scope=scope, target=target, mode=mode, reason="test", cancel_open_orders=cancel)
        )

    async def resume(self) -> None:
        for restriction in self.engine.trading.restrictions():
            self.parts.kill_switch.resume(
                Resume(scope=restriction.scope, target=restriction.target, reason="test")
            )


def _state(state: State) -> dict[str, Any]:
    """Everything the fold keeps, in comparable form (snapshot versions aside)."""
    store = state.orders
    return {
        "orders": store.orders,
        "sequence": store.sequence,
        "by_client": store.by_client,
        "submitted": store.submitted,
        "open": {k: list(v) for k, v in store.open.items() if v},
        "memo": (store.memo._exec_ids, store.memo._base),
        "positions": {
            s.account: (s.cash, s.positions, s.realized_pnl, s.fees) for s in state.book.snapshots()
        },
        "marks": {symbol: state.book.mark(symbol) for symbol in SYMBOLS},
        "trading": state.trading.restrictions(),
        "prices": state.prices,
        "denied": state.denied,
    }


def _reports(items: list[Any]) -> list[Any]:
    out = []
    for item in items:
        payload = item.payload
        if isinstance(payload, ExecutionReport):  # only the latency stamp differs
            payload = (payload.exec_id, payload.exec_type, payload.order, payload.event)
        out.append((item.sequence, item.account, item.symbol, payload))
    return out


async def _scenario(path: Path, steps: list[tuple[Any, ...]]) -> None:
    config = config_from_dict(CONFIG)
    clock = ManualClock()
    journal = Journal(path, FsyncPolicy.NEVER)
    list(journal.open())
    journal.start()
    live = build(config, clock=clock, journal=journal)
    await live.engine.start()
    scenario = Scenario(live, clock)
    for step in steps:
        await scenario.run(step)
    await live.kill_switch.settle()
    await live.engine.durable()
    live_stream = list(live.engine.bus.subscribe(from_sequence=0).backlog)
    await live.engine.stop()
    await journal.close()

    again = Journal(path, FsyncPolicy.NEVER)
    rebuilt = build(config, clock=ManualClock(), journal=again)
    replay(rebuilt.engine, again.open(), total=again.records)
    assert _state(rebuilt.engine.state) == _state(live.engine.state)
    assert rebuilt.engine.bus.head == live.engine.bus.head
    await again.close()

    history = [item for _, item in iter_stream_events(path, live.engine.state.blank()) if item]
    assert _reports(history) == _reports(live_stream)


@settings(
    max_examples=400,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(steps=st.lists(actions, min_size=10, max_size=60))
def test_fold_replayed_journal_and_history_equal_the_live_state_and_stream(
    steps: list[tuple[Any, ...]],
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        asyncio.run(_scenario(Path(tmp) / "journal.log", steps))
