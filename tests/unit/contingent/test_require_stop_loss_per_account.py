"""`[accounts.X] require_stop_loss` overrides `[contingent] require_stop_loss` for X alone."""

from __future__ import annotations

from decimal import Decimal as D
from typing import Any

import pytest

from fillgate.app import build
from fillgate.config import ConfigError, config_from_dict
from fillgate.domain.commands import SubmitOrder
from fillgate.domain.enums import OrderState, OrderType, Side, TimeInForce
from fillgate.domain.errors import FailedPrecondition
from fillgate.domain.values import ManualClock
from fillgate.engine.stop_policy import StopLossPolicy

SYMBOLS = {"XYZ": {"reference_price": "100", "price_precision": 2, "quantity_precision": 4}}


def _config(strict: Any, *, default: str = "off") -> Any:
    return config_from_dict(
        {
            "accounts": {"strict": {"require_stop_loss": strict}, "plain": {}},
            "symbols": SYMBOLS,
            "contingent": {"require_stop_loss": default},
        }
    )


@pytest.fixture
async def started():
    made = []

    async def _start(strict: str, default: str) -> StopLossPolicy:
        parts = build(_config(strict, default=default), clock=ManualClock())
        await parts.engine.start()
        made.append(parts)
        return StopLossPolicy(parts.engine, parts.brackets, parts.config.contingent)

    yield _start
    for parts in made:
        await parts.engine.stop()


def _cmd(account: str) -> SubmitOrder:
    return SubmitOrder(
        account=account,
        symbol="XYZ",
        side=Side.BUY,
        quantity=D(1),
        type=OrderType.MARKET,
        time_in_force=TimeInForce.GTC,
        client_order_id=f"{account}-1",
    )


async def test_require_stop_loss_account_deny_over_global_off_denies_that_account(started):
    policy = await started("deny", "off")

    with pytest.raises(FailedPrecondition) as info:
        await policy.submit(_cmd("strict"))

    assert info.value.reason == "STOP_LOSS_REQUIRED"


async def test_require_stop_loss_account_deny_over_global_off_leaves_others_free(started):
    policy = await started("deny", "off")

    placed = await policy.submit(_cmd("plain"))

    assert placed.order.state is OrderState.FILLED


async def test_require_stop_loss_account_off_over_global_deny_submits_plain_order(started):
    policy = await started("off", "deny")

    placed = await policy.submit(_cmd("strict"))

    assert placed.order.state is OrderState.FILLED
    assert not placed.order.tags


async def test_require_stop_loss_account_off_over_global_deny_still_denies_others(started):
    policy = await started("off", "deny")

    with pytest.raises(FailedPrecondition):
        await policy.submit(_cmd("plain"))


async def test_require_stop_loss_account_attach_over_global_off_attaches_a_stop(started):
    policy = await started("attach", "off")

    placed = await policy.submit(_cmd("strict"))

    assert dict(placed.order.tags)["ct.sl"] == "percent:2"


def test_require_stop_loss_account_unknown_value_config_error_names_account_and_choices():
    with pytest.raises(ConfigError) as info:
        _config("sometimes")

    assert str(info.value) == (
        "accounts.strict.require_stop_loss: 'sometimes' is not one of off, deny, attach"
    )


def test_require_stop_loss_account_not_a_string_config_error_names_key():
    with pytest.raises(
        ConfigError, match=r"^accounts\.strict\.require_stop_loss: must be a string"
    ):
        _config(True)
