"""Properties over random order sequences (hypothesis).

- Under REDUCING, no sequence of submits, replaces, cancels and price moves
  ever increases the account's absolute exposure, counting working orders as
  if they filled.
- The incrementally kept exposure aggregates always equal a recomputation
  from scratch, and ``rebuild`` (used after a journal replay) agrees.
"""

from __future__ import annotations

import contextlib
import itertools
from decimal import Decimal as D
from typing import Any

import uvloop
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fillgate.app import build
from fillgate.config import config_from_dict
from fillgate.domain.commands import (
    CancelOrder,
    Halt,
    OrderRef,
    ReplaceOrder,
    SetReferencePrice,
    SubmitOrder,
)
from fillgate.domain.enums import HaltScope, OrderType, Side, TimeInForce, TradingMode
from fillgate.domain.errors import FillgateError
from fillgate.domain.values import ManualClock
from fillgate.risk.checks import RiskChecks

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

sides = st.sampled_from([Side.BUY, Side.SELL])
types = st.sampled_from([OrderType.MARKET, OrderType.LIMIT, OrderType.STOP])
quantities = st.integers(1, 12).map(D)
offsets = st.integers(-8, 8).map(D)
submit_op = st.tuples(st.just("submit"), sides, quantities, types, offsets, st.booleans())
cancel_op = st.tuples(st.just("cancel"), st.integers(0, 20))
replace_op = st.tuples(st.just("replace"), st.integers(0, 20), quantities, offsets)
price_op = st.tuples(st.just("price"), st.integers(80, 120).map(D))
ops = st.lists(st.one_of(submit_op, cancel_op, replace_op, price_op), max_size=25)


class Driver:
    """Apply random operations to a started engine; swallow refusals."""

    def __init__(
        self, parts: Any, account: str = "acct-a", symbol: str = "XYZ", ids: Any = None
    ) -> None:
        self.parts = parts
        self.engine = parts.engine
        self.account, self.symbol = account, symbol
        self.ids = ids if ids is not None else itertools.count(1)
        self.placed: list[str] = []

    async def run(self, op: tuple[Any, ...]) -> None:
        with contextlib.suppress(FillgateError):
            await self._run(op)

    async def _run(self, op: tuple[Any, ...]) -> None:
        engine = self.engine
        price = engine.symbol(self.symbol).reference_price
        if op[0] == "submit":
            _, side, qty, type_, offset, reduce_only = op
            result = await engine.submit(
                SubmitOrder(
                    account=self.account,
                    symbol=self.symbol,
                    side=side,
                    quantity=qty,
                    type=type_,
                    time_in_force=TimeInForce.GTC,
                    client_order_id=f"p-{next(self.ids)}",
                    limit_price=price + offset if type_ is OrderType.LIMIT else None,
                    stop_price=price + offset if type_ is OrderType.STOP else None,
                    reduce_only=reduce_only,
                )
            )
            self.placed.append(result.order.order_id)
        elif op[0] == "cancel" and self.placed:
            ref = OrderRef(order_id=self.placed[op[1] % len(self.placed)])
            await engine.cancel(CancelOrder(ref=ref))
        elif op[0] == "replace" and self.placed:
            order = engine.resolve(OrderRef(order_id=self.placed[op[1] % len(self.placed)]))
            limit = price + op[3] if order.type is OrderType.LIMIT else None
            stop = price + op[3] if order.type is OrderType.STOP else None
            ref = OrderRef(order_id=order.order_id)
            await engine.replace(
                ReplaceOrder(ref=ref, quantity=op[2], limit_price=limit, stop_price=stop)
            )
        elif op[0] == "price":
            engine.set_reference_price(SetReferencePrice(symbol=self.symbol, price=op[1]))

    def worst(self) -> D:
        """The absolute position if every working order filled, the worse side."""
        position = self.engine.book.quantity(self.account, self.symbol)
        buys = sells = D(0)
        for o in self.engine.open_orders():
            if (o.account, o.symbol) == (self.account, self.symbol):
                if o.side is Side.BUY:
                    buys += o.leaves_quantity
                else:
                    sells += o.leaves_quantity
        return max(abs(position + buys), abs(position - sells))


async def _started(liquidity: str | None = None, risk: Any = None) -> Any:
    xyz = {"reference_price": "100", "price_precision": 2, "quantity_precision": 4}
    if liquidity is not None:
        xyz["paper_liquidity"] = liquidity
    config = config_from_dict(
        {
            "accounts": {"acct-a": {}, "acct-b": {}},
            "symbols": {
                "XYZ": xyz,
                "ABC": {"reference_price": "100", "price_precision": 2, "quantity_precision": 0},
            },
            "risk": risk or {},
        }
    )
    parts = build(config, clock=ManualClock())
    await parts.engine.start()
    return parts


@SETTINGS
@given(initial=st.integers(-15, 15).filter(bool), sequence=ops)
def test_reducing_no_order_sequence_increases_absolute_exposure(initial, sequence):
    async def scenario() -> None:
        parts = await _started()
        driver = Driver(parts)
        side = Side.BUY if initial > 0 else Side.SELL
        await driver.run(("submit", side, D(abs(initial)), OrderType.MARKET, D(0), False))
        await parts.kill_switch.halt(
            Halt(scope=HaltScope.ALL, target="", mode=TradingMode.REDUCING, reason="property")
        )
        driver.placed.clear()
        previous = driver.worst()
        assert previous == abs(initial)
        for op in sequence:
            await driver.run(op)
            now = driver.worst()
            assert now <= previous, op
            position = parts.engine.book.quantity("acct-a", "XYZ")
            assert position * initial >= 0, "crossed flat"
            previous = now
        await parts.engine.stop()

    uvloop.run(scenario())


def _brute(risk: RiskChecks, engine: Any) -> dict[str, Any]:
    """Recompute every aggregate from the book and the open orders."""
    slots: dict[tuple[str, str], list[D]] = {}
    for snap in engine.book.snapshots():
        for symbol, pos in snap.positions.items():
            slots.setdefault((snap.account, symbol), [pos.quantity, D(0), D(0)])
    for o in engine.open_orders():
        slot = slots.setdefault((o.account, o.symbol), [D(0), D(0), D(0)])
        slot[1 if o.side is Side.BUY else 2] += o.leaves_quantity
    accounts: dict[str, list[Any]] = {a: [D(0), D(0), 0] for a in engine.universe.accounts}
    total = D(0)
    for (account, symbol), (p, buys, sells) in slots.items():
        gross = max(abs(p + buys), abs(p - sells)) * engine.book.mark(symbol)
        rate = risk.limits.get(account, symbol, "").margin_rate or D(0)
        accounts[account][0] += gross
        accounts[account][1] += gross * rate
        accounts[account][2] += bool(p or buys or sells)
        total += gross
    return {"accounts": accounts, "total": total}


def _kept(risk: RiskChecks) -> dict[str, Any]:
    accounts = {a: [x.gross, x.margin, x.engaged] for a, x in risk.exposure.accounts.items()}
    return {"accounts": accounts, "total": risk.exposure.total_gross}


any_op = st.one_of(submit_op, cancel_op, replace_op, price_op)
interleaved = st.lists(
    st.tuples(st.sampled_from(["acct-a", "acct-b"]), st.sampled_from(["XYZ", "ABC"]), any_op),
    min_size=5,
    max_size=40,
)


@SETTINGS
@given(sequence=interleaved)
def test_exposure_aggregates_equal_recomputation_and_rebuild(sequence):
    async def scenario() -> None:
        parts = await _started(
            liquidity="5", risk={"margin_rate": "0.5", "symbols": {"XYZ": {"margin_rate": "0.1"}}}
        )
        risk = parts.engine.risk
        ids = itertools.count(1)
        drivers: dict[tuple[str, str], Driver] = {}
        for account, symbol, op in sequence:
            key = (account, symbol)
            driver = drivers.get(key) or drivers.setdefault(key, Driver(parts, *key, ids))
            await driver.run(op)
            assert _kept(risk) == _brute(risk, parts.engine), op
        risk.rebuild(parts.engine.open_orders())
        assert _kept(risk) == _brute(risk, parts.engine)
        await parts.engine.stop()

    uvloop.run(scenario())
