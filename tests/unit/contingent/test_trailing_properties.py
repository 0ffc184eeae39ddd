"""Property (hypothesis) of trailing stops over random mark paths, with and without an
activation price and a stop-limit: the stop price never moves against the position, and
the stop triggers exactly when the mark crosses it; before activation it stays put.

A model runs beside the real paper venue: per mark, first the resting stop triggers if
the mark reached it, then (when active) the stop moves to the trail behind the best mark.
"""

from __future__ import annotations

from decimal import Decimal as D
from typing import Any

import uvloop
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fillgate.app import build
from fillgate.config import config_from_dict
from fillgate.contingent.spec import BracketSpec, Exit, ExitKind, role_of
from fillgate.contingent.trailing import StopTerms
from fillgate.domain.commands import SetReferencePrice, SubmitOrder
from fillgate.domain.enums import OrderState, OrderType, Side, TimeInForce
from fillgate.domain.values import ManualClock

SETTINGS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
CONFIG = {
    "accounts": {"acct-a": {}},
    "symbols": {"XYZ": {"reference_price": "100", "price_precision": 2, "quantity_precision": 0}},
}


def _stop(parts: Any, list_id: str) -> Any:
    stops = [m for m in parts.brackets.get(list_id).members if role_of(m)[1] == "sl"]
    assert len(stops) == 1, "one stop-loss, never replaced"
    return stops[0]


@SETTINGS
@given(
    side=st.sampled_from([Side.BUY, Side.SELL]),
    trail=st.integers(1, 8).map(D),
    activation=st.none() | st.integers(-6, 10),
    limit_offset=st.none() | st.integers(0, 3).map(D),
    path=st.lists(st.integers(-12, 15).map(D), min_size=1, max_size=20),
)
def test_trailing_stop_never_moves_against_position_and_triggers_on_cross(
    side, trail, activation, limit_offset, path
):
    sign = 1 if side is Side.BUY else -1  # prices are drawn as gains: mirrored for a short

    async def scenario() -> None:
        parts = build(config_from_dict(CONFIG), clock=ManualClock())
        await parts.engine.start()
        try:
            act = None if activation is None else D(100 + sign * activation)
            spec = BracketSpec(
                Exit(ExitKind.TRAIL, trail), terms=StopTerms(limit_offset, False, act)
            )
            entry = SubmitOrder(
                account="acct-a", symbol="XYZ", side=side, quantity=D(3),
                type=OrderType.MARKET, time_in_force=TimeInForce.GTC, client_order_id="e",
            )  # fmt: skip
            list_id = (await parts.brackets.submit(entry, spec)).list_id
            model = D(100) - sign * trail
            active = act is None
            assert _stop(parts, list_id).stop_price == model
            for gain in path:
                mark = D(100) + sign * gain
                parts.engine.set_reference_price(SetReferencePrice(symbol="XYZ", price=mark))
                await parts.brackets.settle()
                stop = _stop(parts, list_id)
                crossed = mark <= model if sign > 0 else mark >= model
                fired = stop.triggered or stop.state is OrderState.FILLED
                assert fired == crossed, f"mark {mark} vs stop {model}: fired={fired}"
                if crossed:
                    return
                active = active or (mark >= act if sign > 0 else mark <= act)  # type: ignore[operator]
                if active:
                    behind = mark - sign * trail
                    model = max(model, behind) if sign > 0 else min(model, behind)
                assert stop.stop_price == model, "the stop is not where the trail puts it"
                if limit_offset is not None:
                    assert stop.limit_price == model - sign * limit_offset
        finally:
            await parts.engine.stop()

    uvloop.run(scenario())
