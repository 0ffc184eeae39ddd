"""Order rate limits: a token bucket per account and per strategy (RESOURCE_EXHAUSTED)."""

from __future__ import annotations

import pytest
from risk_helpers import BOUNDARY, accepted, denied

from fillgate.domain.enums import HaltScope, OrderType, TradingMode
from fillgate.domain.errors import ResourceExhausted

MS = 1_000_000
ACCOUNT_RATE = {"orders_per_second": "2", "order_burst": 3}


async def _spend(h, count: int, **order) -> None:
    for _ in range(count):
        await accepted(h, **order)


@pytest.mark.parametrize(("count", "deny"), [(2, False), (3, False), (4, True)], ids=BOUNDARY)
async def test_account_rate_burst_boundary(make_harness, count, deny):
    h = await make_harness(risk=ACCOUNT_RATE)
    await _spend(h, count - 1)

    if deny:
        exc = await denied(
            h, "ORDER_RATE_EXCEEDS_MAX_PER_ACCOUNT", kind=ResourceExhausted, limit="2"
        )
        assert exc.metadata["burst"] == "3"
        assert exc.metadata["retry_after_ms"] == "500"
    else:
        await accepted(h)


@pytest.mark.parametrize(("wait_ms", "deny"), [(499, True), (500, False), (501, False)])
async def test_account_rate_refill_boundary_one_token_per_half_second(make_harness, wait_ms, deny):
    h = await make_harness(risk=ACCOUNT_RATE)
    await _spend(h, 3)
    h.parts.clock.advance(wait_ms * MS)

    if deny:
        await denied(h, "ORDER_RATE_EXCEEDS_MAX_PER_ACCOUNT", kind=ResourceExhausted)
    else:
        await accepted(h)


async def test_account_rate_is_per_account(make_harness):
    h = await make_harness(risk=ACCOUNT_RATE)
    await _spend(h, 3)

    await accepted(h, account="acct-b")


async def test_account_rate_burst_defaults_to_one_second_of_orders(make_harness):
    h = await make_harness(risk={"orders_per_second": "2"})
    await _spend(h, 2)

    await denied(h, "ORDER_RATE_EXCEEDS_MAX_PER_ACCOUNT", kind=ResourceExhausted)


async def test_strategy_rate_is_shared_across_accounts(make_harness):
    h = await make_harness(
        risk={"strategies": {"momo": {"orders_per_second": "1", "order_burst": 1}}}
    )
    await accepted(h, strategy_id="momo")

    exc = await denied(
        h,
        "ORDER_RATE_EXCEEDS_MAX_PER_STRATEGY",
        kind=ResourceExhausted,
        account="acct-b",
        strategy_id="momo",
    )

    assert exc.metadata["strategy"] == "momo"
    await accepted(h, strategy_id="other")
    await accepted(h)


async def test_strategy_and_account_buckets_both_apply(make_harness):
    h = await make_harness(
        risk={
            "orders_per_second": "1",
            "order_burst": 1,
            "strategies": {"momo": {"orders_per_second": "100"}},
        }
    )
    await accepted(h, strategy_id="momo")

    await denied(
        h, "ORDER_RATE_EXCEEDS_MAX_PER_ACCOUNT", kind=ResourceExhausted, strategy_id="momo"
    )


async def test_denied_order_spends_no_token(make_harness):
    h = await make_harness(risk={**ACCOUNT_RATE, "max_order_quantity": "5"})
    for _ in range(5):
        await denied(h, "QUANTITY_EXCEEDS_MAX_PER_ORDER", quantity=6)

    await _spend(h, 3)


async def test_flatten_is_not_rate_limited(make_harness):
    h = await make_harness(risk=ACCOUNT_RATE)
    await _spend(h, 3)

    result = await h.halt(TradingMode.HALTED, HaltScope.ACCOUNT, "acct-a", flatten_positions=True)

    assert [o.quantity for o in result.flattened] == [3]
    assert h.position() == 0


async def test_replace_spends_a_token(make_harness):
    h = await make_harness(risk={"orders_per_second": "1", "order_burst": 2})
    order = await accepted(h, type=OrderType.LIMIT, limit_price="90")
    await h.replace(order.order_id, limit_price="91")

    with pytest.raises(ResourceExhausted):
        await h.replace(order.order_id, limit_price="92")
