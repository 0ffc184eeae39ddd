"""The require_stop_loss account policy ([contingent]): deny, or attach a default bracket."""

from __future__ import annotations

from decimal import Decimal as D
from typing import Any

import pytest

from fillgate.app import build
from fillgate.config import ConfigError, config_from_dict
from fillgate.contingent.spec import role_of
from fillgate.domain.commands import SubmitOrder
from fillgate.domain.enums import OrderState, OrderType, Side, TimeInForce
from fillgate.domain.errors import FailedPrecondition
from fillgate.domain.values import ManualClock
from fillgate.engine.stop_policy import StopLossPolicy


def _config(**contingent: Any):
    return config_from_dict(
        {
            "accounts": {"acct-a": {}},
            "symbols": {
                "XYZ": {"reference_price": "100", "price_precision": 2, "quantity_precision": 4}
            },
            "contingent": contingent,
        }
    )


def _policy(parts: Any) -> StopLossPolicy:
    return StopLossPolicy(parts.engine, parts.brackets, parts.config.contingent)


@pytest.fixture
async def started():
    made = []

    async def _start(**contingent: Any):
        parts = build(_config(**contingent), clock=ManualClock())
        await parts.engine.start()
        made.append(parts)
        return parts

    yield _start
    for parts in made:
        await parts.engine.stop()


def _cmd(cid: str, side: Side = Side.BUY, quantity: str = "2", **kw: Any) -> SubmitOrder:
    return SubmitOrder(
        account="acct-a",
        symbol="XYZ",
        side=side,
        quantity=D(quantity),
        type=OrderType.MARKET,
        time_in_force=TimeInForce.GTC,
        client_order_id=cid,
        **kw,
    )


async def test_require_stop_loss_deny_refuses_an_opening_order(started):
    parts = await started(require_stop_loss="deny")

    with pytest.raises(FailedPrecondition) as info:
        await _policy(parts).submit(_cmd("c-1"))

    assert info.value.reason == "STOP_LOSS_REQUIRED"
    assert list(parts.engine.orders()) == []
    assert parts.engine.state.denied == 1  # journaled as a denial


async def test_require_stop_loss_deny_lets_a_reducing_order_through(started):
    parts = await started(require_stop_loss="deny")
    await parts.engine.submit(_cmd("open"))  # opened before the policy applied

    result = await _policy(parts).submit(_cmd("close", Side.SELL, "1"))

    assert result.order.state is OrderState.FILLED


async def test_require_stop_loss_attach_turns_the_order_into_a_bracket(started):
    parts = await started(
        require_stop_loss="attach", default_stop_pct="3", take_profit_risk_reward="2"
    )

    result = await _policy(parts).submit(_cmd("c-1"))
    await parts.brackets.settle()

    members = {role_of(m)[1]: m for m in parts.brackets.get(result.order.order_id).members}
    assert members["sl"].stop_price == D(97)
    assert members["tp.1"].limit_price == D(106)


async def test_require_stop_loss_attach_repeat_is_a_duplicate(started):
    parts = await started(require_stop_loss="attach")
    first = await _policy(parts).submit(_cmd("c-1"))

    again = await _policy(parts).submit(_cmd("c-1"))

    assert again.duplicate and again.order.order_id == first.order.order_id


async def test_require_stop_loss_off_submits_plain_orders(started):
    parts = await started()

    result = await _policy(parts).submit(_cmd("c-1"))

    assert result.order.state is OrderState.FILLED
    assert dict(result.order.tags) == {}


def test_require_stop_loss_unknown_value_is_a_config_error():
    with pytest.raises(ConfigError, match="require_stop_loss"):
        _config(require_stop_loss="maybe")
