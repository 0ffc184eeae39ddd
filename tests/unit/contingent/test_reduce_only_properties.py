"""Property (hypothesis): no reduce-only order ever increases or flips a position.

Random sequences of reduce-only resting orders (limits and stops), plain
orders on either side that move the position under them, partial liquidity
and price moves on the paper venue. Every fill of a reduce-only order, read
back from the stream in order, must shrink the absolute position without
crossing flat.
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
from fillgate.domain import events as ev
from fillgate.domain.commands import SetReferencePrice, SubmitOrder
from fillgate.domain.enums import OrderType, Side, TimeInForce
from fillgate.domain.errors import FillgateError
from fillgate.domain.reports import ExecutionReport
from fillgate.domain.values import ManualClock

SETTINGS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])

sides = st.sampled_from([Side.BUY, Side.SELL])
quantities = st.integers(1, 10).map(D)
offsets = st.integers(-6, 6).map(D)
protect_op = st.tuples(
    st.just("protect"),
    sides,
    quantities,
    st.sampled_from([OrderType.LIMIT, OrderType.STOP]),
    offsets,
)
plain_op = st.tuples(st.just("plain"), sides, quantities)
price_op = st.tuples(st.just("price"), st.integers(88, 112).map(D))
ops = st.lists(st.one_of(protect_op, plain_op, price_op), min_size=3, max_size=30)


async def _started(liquidity: str | None) -> Any:
    xyz: dict[str, Any] = {"reference_price": "100", "price_precision": 2, "quantity_precision": 0}
    if liquidity is not None:
        xyz["paper_liquidity"] = liquidity
    config = config_from_dict({"accounts": {"acct-a": {}}, "symbols": {"XYZ": xyz}})
    parts = build(config, clock=ManualClock())
    await parts.engine.start()
    return parts


async def _run(parts: Any, op: tuple[Any, ...], ids: Any) -> None:
    engine = parts.engine
    price = engine.symbol("XYZ").reference_price
    with contextlib.suppress(FillgateError):
        if op[0] == "price":
            engine.set_reference_price(SetReferencePrice(symbol="XYZ", price=op[1]))
            return
        kind = OrderType.MARKET if op[0] == "plain" else op[3]
        await engine.submit(
            SubmitOrder(
                account="acct-a",
                symbol="XYZ",
                side=op[1],
                quantity=op[2],
                type=kind,
                time_in_force=TimeInForce.GTC,
                client_order_id=f"p-{next(ids)}",
                limit_price=price + op[4] if kind is OrderType.LIMIT else None,
                stop_price=price + op[4] if kind is OrderType.STOP else None,
                reduce_only=op[0] == "protect",
            )
        )


def _reduce_only_fills_shrink(parts: Any) -> None:
    """Replay the stream's fills in order; check each reduce-only fill against the position."""
    position = D(0)
    sub = parts.engine.bus.subscribe(from_sequence=0)
    try:
        for item in sub.backlog:
            report = item.payload
            if not isinstance(report, ExecutionReport) or not isinstance(
                report.event, ev.OrderFilled
            ):
                continue
            signed = report.event.quantity * (1 if report.order.side is Side.BUY else -1)
            after = position + signed
            if report.order.reduce_only:
                assert position != 0, "a reduce-only order filled on a flat position"
                assert abs(after) < abs(position), "a reduce-only fill increased the position"
                assert after * position >= 0, "a reduce-only fill flipped the position"
            position = after
    finally:
        sub.close()
    assert position == parts.engine.book.quantity("acct-a", "XYZ")


@SETTINGS
@given(
    initial=st.integers(-10, 10).filter(bool),
    liquidity=st.sampled_from([None, "3"]),
    sequence=ops,
)
def test_reduce_only_orders_never_increase_or_flip_a_position(initial, liquidity, sequence):
    async def scenario() -> None:
        parts = await _started(liquidity)
        ids = itertools.count(1)
        side = Side.BUY if initial > 0 else Side.SELL
        await _run(parts, ("plain", side, D(abs(initial))), ids)
        for op in sequence:
            await _run(parts, op, ids)
        _reduce_only_fills_shrink(parts)
        await parts.engine.stop()

    uvloop.run(scenario())
