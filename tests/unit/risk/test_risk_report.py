"""The GetRiskState picture: every configured limit with its usage, every breaker."""

from __future__ import annotations

from decimal import Decimal as D

from fillgate.domain.enums import Breaker, BreakerState, OrderType, TradingMode
from fillgate.risk.report import risk_state

RISK = {
    "max_order_notional": "50000",
    "max_position_quantity": "100",
    "max_open_positions": 5,
    "max_gross_exposure_pct_equity": "50",
    "max_leverage": "2",
    "orders_per_second": "10",
    "order_burst": 4,
    "max_total_gross_exposure": "900000",
    "symbols": {"XYZ": {"tick_size": "0.05", "max_position_quantity": "40"}},
    "strategies": {"momo": {"orders_per_second": "1"}},
    "breakers": {"daily_loss": {"limit": "500", "mode": "REDUCING", "flatten_positions": True}},
}


def rows(state, account: str = "acct-a") -> dict[tuple[str, str], tuple[D, D | None]]:
    (acc,) = [a for a in state.accounts if a.account == account]
    return {(r.name, r.subject): (r.limit, r.usage) for r in acc.limits}


async def test_risk_state_lists_configured_limits_with_usage(make_harness):
    h = await make_harness(risk=RISK)
    await h.build_position(30)
    await h.submit(type=OrderType.LIMIT, limit_price="90", quantity=5)

    got = rows(risk_state(h.engine.risk, ["acct-a"]))

    assert got[("max_order_notional", "")] == (50000, None)
    assert got[("max_position_quantity", "")] == (100, 35)
    assert got[("max_position_quantity", "XYZ")] == (40, 35)
    assert got[("tick_size", "XYZ")] == (D("0.05"), None)
    assert got[("max_open_positions", "")] == (5, 1)
    assert got[("max_gross_exposure_pct_equity", "")] == (50, D("0.35"))
    assert got[("max_leverage", "")] == (2, D("0.0035"))
    assert got[("orders_per_second", "")] == (10, None)
    assert got[("order_burst", "")] == (4, 2)
    assert got[("buying_power", "")] == (1000000, 3500)
    assert got[("orders_per_second", "momo")] == (1, None)
    assert got[("order_burst", "momo")] == (1, 0)


async def test_risk_state_global_limit_sums_all_accounts(make_harness):
    h = await make_harness(risk=RISK)
    await h.build_position(10, account="acct-a")
    await h.build_position(20, account="acct-b", symbol="ABC")

    state = risk_state(h.engine.risk, ["acct-a", "acct-b"])

    (total,) = state.global_limits
    assert (total.name, total.limit, total.usage) == ("max_total_gross_exposure", 900000, 2000)
    assert [a.account for a in state.accounts] == ["acct-a", "acct-b"]


async def test_risk_state_shows_every_breaker_and_a_trip(make_harness):
    h = await make_harness(risk=RISK)
    await h.build_position(10)
    h.price(40)
    await h.parts.kill_switch.settle()

    (acc,) = risk_state(h.engine.risk, ["acct-a"]).accounts

    states = {b.breaker: b for b in acc.breakers}
    assert list(states) == list(Breaker)
    loss = states[Breaker.DAILY_LOSS]
    assert (loss.state, loss.value, loss.limit, loss.mode) == (
        BreakerState.TRIPPED,
        600,
        500,
        TradingMode.REDUCING,
    )
    assert loss.flatten_positions and "over the limit 500" in loss.tripped.message
    assert states[Breaker.DRAWDOWN].state is BreakerState.DISABLED
    assert (acc.day_start_equity, acc.equity) == (1000000, 999400)


async def test_risk_state_default_config_shows_buying_power_only(harness):
    (acc,) = risk_state(harness.engine.risk, ["acct-a"]).accounts

    assert [(r.name, r.limit) for r in acc.limits] == [
        ("margin_rate", 1),
        ("buying_power", 1000000),
    ]
