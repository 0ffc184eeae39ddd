"""Properties (hypothesis) of brackets over random price paths and partial fills.

After every price move, once the bracket has settled:
- a position is never unprotected: what the bracket holds open is exactly the
  stop-loss's leaves quantity;
- no exit increases or flips exposure: the position stays on the entry's side;
- no protective order outlives its position: with nothing open and the entry
  ended, no member is open.
"""

from __future__ import annotations

from decimal import Decimal as D
from typing import Any

import uvloop
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fillgate.app import build
from fillgate.config import config_from_dict
from fillgate.contingent.spec import BracketSpec, Exit, ExitKind, TakeProfit, role_of
from fillgate.domain.commands import SetReferencePrice, SubmitOrder
from fillgate.domain.enums import OrderType, Side, TimeInForce
from fillgate.domain.values import ManualClock

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

paths = st.lists(st.integers(88, 112).map(D), min_size=1, max_size=25)
ladders = st.lists(
    st.tuples(st.integers(1, 8).map(D), st.sampled_from([D("0.25"), D("0.5")])),
    max_size=3,
).filter(lambda rungs: sum(f for _, f in rungs) <= 1)


async def _started(liquidity: str | None) -> Any:
    xyz: dict[str, Any] = {"reference_price": "100", "price_precision": 2, "quantity_precision": 0}
    if liquidity is not None:
        xyz["paper_liquidity"] = liquidity
    config = config_from_dict({"accounts": {"acct-a": {}}, "symbols": {"XYZ": xyz}})
    parts = build(config, clock=ManualClock())
    await parts.engine.start()
    return parts


def _check(parts: Any, list_id: str, side: Side) -> None:
    found = parts.brackets.get(list_id)
    exited = sum((m.filled_quantity for m in found.members), D(0))
    open_qty = found.entry.filled_quantity - exited
    position = parts.engine.book.quantity("acct-a", "XYZ")
    sign = 1 if side is Side.BUY else -1
    assert position == sign * open_qty, "the bracket is the account's only position"
    assert open_qty >= 0, "an exit flipped the position"
    stops = [m for m in found.members if m.is_open and role_of(m)[1] == "sl"]
    if open_qty > 0:
        assert len(stops) == 1, "an open position without its stop-loss"
        assert stops[0].leaves_quantity == open_qty, "the stop does not cover what is open"
    elif not found.entry.is_open:
        assert not [m for m in found.members if m.is_open], "a member outlived its position"


@SETTINGS
@given(
    side=st.sampled_from([Side.BUY, Side.SELL]),
    quantity=st.integers(1, 9).map(D),
    liquidity=st.sampled_from([None, "1", "2"]),
    stop_offset=st.integers(1, 8).map(D),
    stop_kind=st.sampled_from([ExitKind.OFFSET, ExitKind.TRAIL]),
    rungs=ladders,
    path=paths,
)
def test_bracket_never_unprotected_and_never_flips(
    side, quantity, liquidity, stop_offset, stop_kind, rungs, path
):
    async def scenario() -> None:
        parts = await _started(liquidity)
        spec = BracketSpec(
            Exit(stop_kind, stop_offset),
            tuple(TakeProfit(Exit(ExitKind.OFFSET, o), fraction=f) for o, f in rungs),
        )
        entry = SubmitOrder(
            account="acct-a",
            symbol="XYZ",
            side=side,
            quantity=quantity,
            type=OrderType.MARKET,
            time_in_force=TimeInForce.GTC,
            client_order_id="entry",
        )
        list_id = (await parts.brackets.submit(entry, spec)).list_id
        _check(parts, list_id, side)
        for price in path:
            parts.engine.set_reference_price(SetReferencePrice(symbol="XYZ", price=price))
            await parts.brackets.settle()
            _check(parts, list_id, side)
        await parts.engine.stop()

    uvloop.run(scenario())
