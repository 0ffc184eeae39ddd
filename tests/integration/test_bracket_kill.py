"""kill -9 mid-bracket: after the restart the protection is still there and still correct."""

from __future__ import annotations

import asyncio
from decimal import Decimal as D
from pathlib import Path

from server_process import Served

from fillgate_client import AsyncFillgateClient, OrderState

NO_SHEDDING = """
[server]
admission_max_in_flight_orders = 0
admission_max_loop_lag_ms = 0
admission_max_queue_delay_ms = 0
"""


def _roles(order_list):
    return {m.tags["ct.role"]: m for m in order_list.members}


async def _place(target: str) -> str:
    async with AsyncFillgateClient(target, timeout=30) as client:
        placed = await client.submit_bracket(
            "paper", "BTC-USD", "buy", D("0.4"), stop_loss="offset:1000",
            take_profits=["offset:1000@0.5", "offset:2000@0.5"], client_order_id="kb-1",
        )  # fmt: skip
        await client.set_reference_price("BTC-USD", D(51000))  # tp.1 fills: the stop shrinks
        for _ in range(200):
            found = await client.get_order_list(placed.list_id)
            if _roles(found)["sl"].quantity == D("0.2"):
                break
            await asyncio.sleep(0.01)
        return placed.list_id


async def _after_restart(target: str, list_id: str) -> None:
    async with AsyncFillgateClient(target, timeout=30) as client:
        found = await client.get_order_list(list_id)
        roles = _roles(found)
        assert found.state == "ACTIVE"
        assert (roles["sl"].state, roles["sl"].quantity) == (OrderState.NEW, D("0.2"))
        assert roles["tp.1"].state is OrderState.FILLED
        assert roles["tp.2"].state is OrderState.NEW
        assert len(found.members) == 3  # nothing placed twice by the re-arm
        again = await client.submit_bracket(
            "paper", "BTC-USD", "buy", D("0.4"), stop_loss="offset:1000",
            take_profits=["offset:1000@0.5", "offset:2000@0.5"], client_order_id="kb-1",
        )  # fmt: skip
        assert again.list_id == list_id  # the same bracket, not a second one

        await client.set_reference_price("BTC-USD", D(48500))  # the stop still protects
        for _ in range(200):
            found = await client.get_order_list(list_id)
            if found.state == "DONE":
                break
            await asyncio.sleep(0.01)
        roles = _roles(found)
        assert roles["sl"].state is OrderState.FILLED
        assert roles["tp.2"].state is OrderState.CANCELED
        (positions,) = await client.get_positions(["paper"])
        assert not [p for p in positions.positions if p.quantity]


def test_bracket_kill_9_mid_bracket_protection_survives_restart(tmp_path: Path):
    journal = tmp_path / "journal"
    server = Served(tmp_path, journal, NO_SHEDDING)
    try:
        list_id = asyncio.run(_place(server.target))
    finally:
        server.kill()
    server = Served(tmp_path, journal, NO_SHEDDING)
    try:
        asyncio.run(_after_restart(server.target, list_id))
    finally:
        server.kill()
