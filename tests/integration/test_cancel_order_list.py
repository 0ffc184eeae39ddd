"""CancelOrderList end to end (issue 13): a list ended on purpose stays ended.

Its working members are canceled, its fills and position stay, the bracket
runner never re-places its stop, also after a kill -9 (journal replay) and
after a restart from a snapshot.
"""

from __future__ import annotations

import asyncio
import io
import json
from decimal import Decimal as D
from pathlib import Path

import grpc
import pytest
from server_process import Served

from fillgate.journal.snapshots import list_snapshots
from fillgate_client import (
    AsyncFillgateClient,
    ExecType,
    FillgateClient,
    InvalidArgumentError,
    ListLeg,
    NotFoundError,
    OrderState,
    cli,
)
from fillgate_client.cli_contingent import _orderlist
from fillgate_client.contingent import contingent_grpc, contingent_pb

NO_SHEDDING = """
[server]
admission_max_in_flight_orders = 0
admission_max_loop_lag_ms = 0
admission_max_queue_delay_ms = 0
"""


def _roles(order_list):
    return {m.tags["ct.role"]: m for m in order_list.members}


async def _bracket(client):
    return await client.submit_bracket(
        "paper", "BTC-USD", "buy", D("0.2"), stop_loss="offset:1000",
        take_profits=["offset:1000@1"],
    )  # fmt: skip


async def _position(client) -> D:
    (positions,) = await client.get_positions(["paper"])
    return sum((p.quantity for p in positions.positions if p.symbol == "BTC-USD"), D(0))


async def test_cancel_order_list_bracket_cancels_stop_and_take_profit_position_stays(client):
    placed = await _bracket(client)

    ended = await client.cancel_order_list(placed.list_id)

    roles = _roles(ended)
    assert ended.state == "CANCELED"
    assert (roles["sl"].state, roles["tp.1"].state) == (OrderState.CANCELED, OrderState.CANCELED)
    assert ended.entry.state is OrderState.FILLED
    assert await _position(client) == D("0.2")


async def test_cancel_order_list_bracket_stop_not_replaced_when_prices_move(client):
    placed = await _bracket(client)
    await client.cancel_order_list(placed.list_id)

    for price in (D(49500), D(50500), D(49000)):  # events the runner would have re-armed on
        await client.set_reference_price("BTC-USD", price)
    await asyncio.sleep(0.2)
    found = await client.get_order_list(placed.list_id)

    assert found.state == "CANCELED"
    assert len(found.members) == 2
    assert await client.list_orders(account="paper", open_only=True) == []
    assert await _position(client) == D("0.2")


async def test_cancel_order_list_repeat_answers_same_list_without_new_cancels(client):
    placed = await _bracket(client)
    first = await client.cancel_order_list(placed.list_id)

    again = await client.cancel_order_list(placed.list_id)

    assert again == first  # every member's version too: no new cancel was sent


async def test_cancel_order_list_member_cancels_show_on_the_stream(client, open_stream):
    reader = await open_stream(accounts=["paper"])
    placed = await _bracket(client)
    members = {m.order_id for m in placed.members}

    await client.cancel_order_list(placed.list_id)

    def canceled(r):  # type: ignore[no-untyped-def]
        return {e.order_id for e in r.reports if e.exec_type is ExecType.CANCELED}

    await reader.wait_for(lambda r: members <= canceled(r))
    assert members <= canceled(reader)


async def test_cancel_order_list_unknown_id_is_not_found(client):
    with pytest.raises(NotFoundError) as err:
        await client.cancel_order_list("O-nope-1")

    assert err.value.reason == "ORDER_LIST_NOT_FOUND"


async def test_cancel_order_list_other_account_named_is_not_found(client):
    placed = await _bracket(client)

    with pytest.raises(NotFoundError):
        await client.cancel_order_list(placed.list_id, account="other")

    assert (await client.get_order_list(placed.list_id)).state == "ACTIVE"


async def test_cancel_order_list_empty_id_is_invalid_argument_naming_list_id(client):
    with pytest.raises(InvalidArgumentError) as err:
        await client.cancel_order_list("")

    assert {f for f, _ in err.value.field_violations} == {"list_id"}


async def test_cancel_order_list_too_long_id_is_invalid_argument_over_raw_grpc(client):
    request = contingent_pb.CancelOrderListRequest(list_id="x" * 65)

    async with grpc.aio.insecure_channel(client.target) as channel:
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await contingent_grpc.ContingentServiceStub(channel).CancelOrderList(request)

    assert err.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert "list_id" in err.value.details()


async def test_cancel_order_list_oco_cancels_every_resting_leg(client):
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

    ended = await client.cancel_order_list(placed.list_id)
    await client.set_reference_price("BTC-USD", D(51500))  # would have filled leg 1
    await asyncio.sleep(0.1)
    found = await client.get_order_list(placed.list_id)

    assert (ended.state, found.state) == ("CANCELED", "CANCELED")
    assert found.entry.state is OrderState.CANCELED
    assert [m.state for m in found.members] == [OrderState.CANCELED]
    assert await _position(client) == D("0.2")


# -- restarts: a child server, killed with SIGKILL or stopped with a snapshot ------------


async def _place_and_end(target: str) -> str:
    async with AsyncFillgateClient(target, timeout=30) as client:
        placed = await _bracket(client)
        ended = await client.cancel_order_list(placed.list_id)
        assert ended.state == "CANCELED"
        return placed.list_id


async def _still_ended(target: str, list_id: str) -> None:
    async with AsyncFillgateClient(target, timeout=30) as client:
        await client.set_reference_price("BTC-USD", D(49800))  # an event for the runner
        await asyncio.sleep(0.3)
        found = await client.get_order_list(list_id)
        assert found.state == "CANCELED"
        assert len(found.members) == 2  # the stop not placed again
        assert await client.list_orders(account="paper", open_only=True) == []
        assert await _position(client) == D("0.2")


def test_cancel_order_list_after_kill_9_list_stays_ended(tmp_path: Path):
    journal = tmp_path / "journal"
    server = Served(tmp_path, journal, NO_SHEDDING)
    try:
        list_id = asyncio.run(_place_and_end(server.target))
    finally:
        server.kill()
    server = Served(tmp_path, journal, NO_SHEDDING)
    try:
        asyncio.run(_still_ended(server.target, list_id))
    finally:
        server.kill()


def test_cancel_order_list_after_restart_from_snapshot_list_stays_ended(tmp_path: Path):
    journal = tmp_path / "journal"
    server = Served(tmp_path, journal, NO_SHEDDING)
    try:
        list_id = asyncio.run(_place_and_end(server.target))
    finally:
        server.stop()  # graceful: a shutdown snapshot the restart starts from
    assert list_snapshots(journal)
    server = Served(tmp_path, journal, NO_SHEDDING)
    try:
        asyncio.run(_still_ended(server.target, list_id))
    finally:
        server.kill()


async def test_cli_orderlist_cancel_ends_the_list_through_the_sync_client(client):
    placed = await _bracket(client)
    args = cli.build_parser().parse_args(["--json", "orderlist", "cancel", placed.list_id])
    out = io.StringIO()

    def run() -> int:
        with FillgateClient(client.target, timeout=10) as sync:
            return _orderlist(sync, args, out)

    code = await asyncio.to_thread(run)

    assert code == 0
    assert json.loads(out.getvalue())["state"] == "CANCELED"
    assert (await client.get_order_list(placed.list_id)).state == "CANCELED"
