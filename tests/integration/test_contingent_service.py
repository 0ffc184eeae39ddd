"""ContingentService end to end: brackets through a real server and the typed client."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from decimal import Decimal as D

import grpc
import pytest

from fillgate.app import create_server
from fillgate.config import config_from_dict
from fillgate_client import (
    AsyncFillgateClient,
    FailedPreconditionError,
    InvalidArgumentError,
    ListLeg,
    NotFoundError,
    OrderState,
)
from fillgate_client.contingent import contingent_grpc, contingent_pb


def _roles(order_list):
    return {m.tags["ct.role"]: m for m in order_list.members}


async def test_submit_bracket_market_entry_comes_back_protected(client):
    placed = await client.submit_bracket(
        "paper", "BTC-USD", "buy", D("0.2"), stop_loss="percent:2",
        take_profits=["offset:1000@0.5", "offset:2000@0.5"],
    )  # fmt: skip

    assert placed.state == "ACTIVE"
    assert placed.entry.state is OrderState.FILLED
    roles = _roles(placed)
    assert (roles["sl"].stop_price, roles["sl"].quantity) == (D(49000), D("0.2"))
    assert [(roles[r].limit_price, roles[r].quantity) for r in ("tp.1", "tp.2")] == [
        (D(51000), D("0.1")),
        (D(52000), D("0.1")),
    ]
    assert all(m.reduce_only and m.tags["ct.list"] == placed.list_id for m in placed.members)


async def test_bracket_take_profit_fill_shrinks_the_stop_seen_through_get_order_list(client):
    placed = await client.submit_bracket(
        "paper", "BTC-USD", "buy", D("0.2"), stop_loss="offset:1000",
        take_profits=["offset:1000@0.5", "offset:2000@0.5"],
    )  # fmt: skip

    await client.set_reference_price("BTC-USD", D(51000))
    stop = await _stop_quantity(client, placed.list_id, D("0.1"))

    assert stop == D("0.1")


async def _stop_quantity(client, list_id, want, tries=100):
    for _ in range(tries):
        found = await client.get_order_list(list_id)
        quantity = _roles(found)["sl"].quantity
        if quantity == want:
            return quantity
        await asyncio.sleep(0.02)
    return quantity


async def test_bracket_member_links_show_in_get_order(client):
    placed = await client.submit_bracket(
        "paper", "BTC-USD", "sell", D("0.1"), stop_loss="offset:500"
    )

    stop = await client.get_order(placed.members[0].order_id)

    assert stop.tags["ct.list"] == placed.list_id
    assert stop.tags["ct.role"] == "sl"
    assert stop.stop_price == D(50500)


async def test_submit_bracket_without_stop_loss_is_invalid_argument_naming_it(client):
    request = contingent_pb.SubmitBracketRequest(
        account="paper", symbol="BTC-USD", side=1, quantity="0.1", type=1, time_in_force=1,
        client_order_id="no-stop",
    )  # fmt: skip

    async with grpc.aio.insecure_channel(client.target) as channel:
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await contingent_grpc.ContingentServiceStub(channel).SubmitBracket(request)

    assert err.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert "stop_loss" in err.value.details()
    assert await client.list_orders(account="paper") == []


async def test_submit_bracket_fractions_over_one_is_invalid_argument(client):
    with pytest.raises(InvalidArgumentError) as err:
        await client.submit_bracket(
            "paper", "BTC-USD", "buy", D("0.1"), stop_loss="offset:10",
            take_profits=["offset:10@0.7", "offset:20@0.7"],
        )  # fmt: skip

    assert {f for f, _ in err.value.field_violations} == {"take_profits"}


async def test_get_order_list_unknown_id_is_not_found(client):
    with pytest.raises(NotFoundError) as err:
        await client.get_order_list("O-nope-1")

    assert err.value.reason == "ORDER_LIST_NOT_FOUND"


async def test_submit_order_under_require_stop_loss_deny_is_failed_precondition(tmp_path):
    config = config_from_dict(
        {
            "accounts": {"paper": {"starting_cash": "1000000"}},
            "symbols": {"BTC-USD": {"reference_price": "50000", "price_precision": 2}},
            "journal": {"path": str(tmp_path / "journal.log")},
            "server": {"admission_max_loop_lag_ms": 0, "admission_max_queue_delay_ms": 0},
            "contingent": {"require_stop_loss": "deny"},
        }
    )
    running = await create_server(config, listen="127.0.0.1:0")
    try:
        async with AsyncFillgateClient(f"127.0.0.1:{running.port}", timeout=10) as client:
            with pytest.raises(FailedPreconditionError) as err:
                await client.submit_order("paper", "BTC-USD", "buy", D("0.1"))
            placed = await client.submit_bracket(
                "paper", "BTC-USD", "buy", D("0.1"), stop_loss="percent:1"
            )
    finally:
        await running.stop(grace=0.5)

    assert err.value.reason == "STOP_LOSS_REQUIRED"
    assert placed.entry.state is OrderState.FILLED and len(placed.members) == 1


async def test_submit_order_list_oco_one_fill_cancels_the_other(client):
    await client.submit_order("paper", "BTC-USD", "buy", D("0.2"))
    placed = await client.submit_order_list(
        "paper",
        "BTC-USD",
        "oco",
        [
            ListLeg(side="sell", quantity="0.2", type="limit", limit_price="51000"),
            ListLeg(side="sell", quantity="0.2", type="stop", stop_price="49000"),
        ],
    )
    assert (placed.contingency, placed.state, len(placed.members)) == ("OCO", "ACTIVE", 1)

    await client.set_reference_price("BTC-USD", D(51000))
    for _ in range(200):
        found = await client.get_order_list(placed.list_id)
        if found.state == "DONE":
            break
        await asyncio.sleep(0.02)

    assert found.entry.state is OrderState.FILLED
    assert found.members[0].state is OrderState.CANCELED
    assert found.members[0].tags == {"ct.list": placed.list_id, "ct.role": "leg.2"}


async def test_submit_order_list_one_leg_is_invalid_argument_naming_legs(client):
    with pytest.raises(InvalidArgumentError) as err:
        await client.submit_order_list(
            "paper", "BTC-USD", "ouo", [ListLeg(side="sell", quantity="1", limit_price="1")]
        )

    assert {f for f, _ in err.value.field_violations} == {"legs"}


async def test_submit_bracket_entry_time_limit_cancels_an_unfilled_entry(client):
    placed = await client.submit_bracket(
        "paper", "BTC-USD", "buy", D("0.1"), stop_loss="offset:500", type="limit",
        limit_price=D(40000), expire_after=timedelta(milliseconds=200),
    )  # fmt: skip
    assert placed.entry.expires_at is not None

    for _ in range(200):
        found = await client.get_order_list(placed.list_id)
        if found.state == "CANCELED":
            break
        await asyncio.sleep(0.02)

    assert found.state == "CANCELED" and found.members == ()


async def _stop_price(client, list_id, want, tries=100):
    for _ in range(tries):
        stop = _roles(await client.get_order_list(list_id))["sl"]
        if stop.stop_price == want:
            break
        await asyncio.sleep(0.02)
    return stop


async def test_submit_bracket_trailing_stop_limit_waits_for_activation_then_trails(client):
    placed = await client.submit_bracket(
        "paper", "BTC-USD", "buy", D("0.1"), stop_loss="trail:1000",
        stop_limit="offset:100", trail_activation_price=D(51000),
    )  # fmt: skip
    await client.set_reference_price("BTC-USD", D(50900))
    waiting = await client.get_order_list(placed.list_id)
    inactive = _roles(waiting)["sl"]

    await client.set_reference_price("BTC-USD", D(51500))
    stop = await _stop_price(client, placed.list_id, D(50500))

    assert (waiting.trail_active, (await client.get_order_list(placed.list_id)).trail_active) == (
        False,
        True,
    )

    assert (inactive.type.name, inactive.stop_price, inactive.limit_price) == (
        "STOP_LIMIT",
        D(49000),
        D(48900),
    )
    assert (stop.stop_price, stop.limit_price) == (D(50500), D(50400))


async def test_submit_bracket_both_stop_limit_offsets_is_invalid_argument_naming_it(client):
    request = contingent_pb.SubmitBracketRequest(
        account="paper", symbol="BTC-USD", side=1, quantity="0.1", type=1, time_in_force=1,
        client_order_id="two-limits", stop_loss=contingent_pb.ExitPrice(trail="100"),
        stop_limit_offset="1", stop_limit_percent="1",
    )  # fmt: skip

    async with grpc.aio.insecure_channel(client.target) as channel:
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await contingent_grpc.ContingentServiceStub(channel).SubmitBracket(request)

    assert err.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert "stop_limit_offset" in err.value.details()
    assert await client.list_orders(account="paper") == []
