"""The shared venue runtime's failure handling, driven through the engine against the Binance fake.

Rate limits, retries and unknown outcomes are the same code for every venue
(``fillgate.venues.runtime``); one venue is enough to pin them down.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from fakes.binance import FakeBinance

from fillgate.app import Components, build
from fillgate.config import config_from_dict
from fillgate.domain.commands import SubmitOrder
from fillgate.domain.enums import OrderState, OrderType, Side, TimeInForce
from fillgate.domain.orders import Order

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture
async def rig(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[tuple[FakeBinance, Components]]:
    fake = FakeBinance()
    await fake.start()
    for key, value in fake.environment().items():
        monkeypatch.setenv(key, value)
    table = {**fake.account_table(), "resolve_timeout_s": 0.6}
    parts = build(
        config_from_dict({"accounts": {"acct": table}, "symbols": {fake.symbol: fake.symbol_table}})
    )
    await parts.engine.start()
    await parts.reconciler.start()
    yield fake, parts
    await parts.reconciler.stop()
    await parts.engine.stop()
    await fake.stop()


async def _submit(parts: Components, fake: FakeBinance, client_order_id: str) -> Order:
    result = await parts.engine.submit(
        SubmitOrder(
            account="acct",
            symbol=fake.symbol,
            side=Side.BUY,
            quantity=fake.quantity,
            type=OrderType.MARKET,
            time_in_force=TimeInForce.IOC,
            client_order_id=client_order_id,
        )
    )
    return result.order


async def _settled(parts: Components, order_id: str, timeout: float = 5.0) -> Order:
    deadline = time.monotonic() + timeout
    while True:
        order = parts.engine.order(order_id)
        assert order is not None
        if order.state.is_terminal or time.monotonic() > deadline:
            return order
        await asyncio.sleep(0.02)


def _order_posts(fake: FakeBinance) -> list[Any]:
    return [r for r in fake.requests if r.method == "POST" and r.path == "/api/v3/order"]


async def test_runtime_rate_limited_submit_waits_retry_after_then_places_once(rig) -> None:
    fake, parts = rig
    fake.fail(
        "POST",
        "/api/v3/order",
        429,
        {"code": -1003, "msg": "Too many requests."},
        headers={"Retry-After": "1"},
    )
    started = time.monotonic()

    order = await _settled(parts, (await _submit(parts, fake, "rl-1")).order_id)

    assert order.state is OrderState.FILLED
    assert time.monotonic() - started >= 1.0
    assert len(_order_posts(fake)) == 2  # the refused attempt, then the one that placed it
    assert [o.client_id for o in fake.orders()] == ["rl-1"]


async def test_runtime_unanswered_submit_the_venue_never_got_is_rejected_not_resent(rig) -> None:
    fake, parts = rig
    fake.fail("POST", "/api/v3/order", 503, "<html>bad gateway</html>")

    order = await _settled(parts, (await _submit(parts, fake, "lost-1")).order_id)

    assert order.state is OrderState.REJECTED
    assert order.reason.startswith("UNKNOWN_OUTCOME_NOT_PLACED")
    assert len(_order_posts(fake)) == 1
    assert fake.orders() == []


async def test_runtime_unanswered_submit_the_venue_got_is_found_not_resent(rig) -> None:
    fake, parts = rig
    fake.lose_next_order_response()

    order = await _settled(parts, (await _submit(parts, fake, "found-1")).order_id)

    assert order.state is OrderState.FILLED
    assert len(_order_posts(fake)) == 1
    assert order.filled_quantity == fake.quantity


async def test_runtime_venue_rejection_is_not_retried(rig) -> None:
    fake, parts = rig
    fake.reject_next_order()

    order = await _settled(parts, (await _submit(parts, fake, "rej-1")).order_id)

    assert order.state is OrderState.REJECTED
    assert "-2010" in order.reason
    assert len(_order_posts(fake)) == 1


async def test_runtime_transient_read_failures_are_retried_with_backoff(rig) -> None:
    fake, parts = rig
    fake.fail("GET", "/api/v3/openOrders", 503, "<html>unavailable</html>", times=2)

    drifts = await parts.reconciler.reconcile("acct")

    assert drifts == []
    assert "acct" not in parts.engine.blocked
    reads = [r for r in fake.requests if r.path == "/api/v3/openOrders"]
    assert len(reads) >= 3


async def test_runtime_secrets_never_reach_order_reasons_or_logs(rig, caplog) -> None:
    fake, parts = rig
    fake.fail("POST", "/api/v3/order", 400, {"code": -1013, "msg": "Filter failure: LOT_SIZE"})

    order = await _settled(parts, (await _submit(parts, fake, "sec-1")).order_id)

    assert order.state is OrderState.REJECTED
    for secret in (fake.api_key, fake.api_secret):
        assert secret not in order.reason
        assert secret not in caplog.text
    assert "signature=" not in order.reason or "signature=***" in order.reason
