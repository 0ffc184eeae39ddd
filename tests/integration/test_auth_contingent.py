"""ContingentService with tokens on: trade scope per account, the principal journaled,
lists of unreadable accounts hidden (issues 13 and 14)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import orjson
import pytest
import pytest_asyncio
from auth_setup import auth_server

from fillgate.app import FillgateServer
from fillgate.journal.log import iter_bodies
from fillgate_client import AsyncFillgateClient, NotFoundError, PermissionDeniedError


@pytest_asyncio.fixture
async def served(tmp_path: Path) -> AsyncIterator[tuple[FillgateServer, object]]:
    running, tokens = await auth_server(tmp_path)
    try:
        yield running, tokens
    finally:
        await running.stop(grace=0.5)


def client(server: FillgateServer, token: str) -> AsyncFillgateClient:
    return AsyncFillgateClient(f"127.0.0.1:{server.port}", timeout=10, token=token)


async def test_bracket_by_trader_of_the_account_records_the_principal(served) -> None:  # type: ignore[no-untyped-def]
    server, tokens = served
    async with client(server, tokens["trader"]) as trader:
        placed = await trader.submit_bracket(
            "alpha", "BTC-USD", "buy", "0.01", stop_loss="percent:2"
        )
    await server.parts.engine.durable()

    assert placed.members  # armed
    journal = server.parts.engine.journal
    assert journal is not None
    rows = [orjson.loads(body) for _, body in iter_bodies(Path(journal.path).read_bytes())]
    accepted = {r[5]: r[-1] for r in rows if r[0] == "accepted"}  # order id -> trailing object
    assert accepted[placed.list_id]["auth.by"] == "trader"
    member = accepted[placed.members[0].order_id]
    # Fillgate's own order: no principal recorded (its trailing object, if any, holds
    # other rooms' extras such as the arrival price).
    assert not isinstance(member, dict) or "auth.by" not in member


async def test_bracket_for_another_account_is_permission_denied(served) -> None:  # type: ignore[no-untyped-def]
    server, tokens = served
    async with client(server, tokens["trader"]) as trader:
        with pytest.raises(PermissionDeniedError):
            await trader.submit_bracket("paper", "BTC-USD", "buy", "0.01", stop_loss="percent:2")

    assert list(server.parts.engine.orders()) == []


async def test_order_list_of_an_unreadable_account_is_not_found(served) -> None:  # type: ignore[no-untyped-def]
    server, tokens = served
    async with client(server, tokens["paper-trader"]) as owner:
        placed = await owner.submit_bracket(
            "paper", "BTC-USD", "buy", "0.01", stop_loss="percent:2"
        )
    async with client(server, tokens["reader"]) as other:
        with pytest.raises(NotFoundError):
            await other.get_order_list(placed.list_id)


async def _paper_bracket(server: FillgateServer, tokens) -> str:  # type: ignore[no-untyped-def]
    async with client(server, tokens["paper-trader"]) as owner:
        placed = await owner.submit_bracket(
            "paper", "BTC-USD", "buy", "0.01", stop_loss="percent:2"
        )
    return placed.list_id


@pytest.mark.parametrize("who", ["trader", "paper-reader"])
async def test_cancel_order_list_without_trade_on_its_account_is_denied(served, who) -> None:  # type: ignore[no-untyped-def]
    server, tokens = served
    list_id = await _paper_bracket(server, tokens)

    async with client(server, tokens[who]) as other:
        with pytest.raises(PermissionDeniedError) as err:
            await other.cancel_order_list(list_id)

    assert err.value.metadata["scope"] == "trade:paper"
    assert server.parts.brackets.get(list_id).state == "ACTIVE"


async def test_cancel_order_list_by_trader_of_its_account_records_the_principal(served) -> None:  # type: ignore[no-untyped-def]
    server, tokens = served
    list_id = await _paper_bracket(server, tokens)

    async with client(server, tokens["paper-trader"]) as owner:
        ended = await owner.cancel_order_list(list_id)

    journal = server.parts.engine.journal
    assert journal is not None
    rows = [orjson.loads(body) for _, body in iter_bodies(Path(journal.path).read_bytes())]
    assert ended.state == "CANCELED"
    assert [r[5:] for r in rows if r[0] == "ct.list_ended"] == [
        [list_id, {"auth.by": "paper-trader"}]
    ]


async def test_cancel_order_list_unknown_id_without_wildcard_is_denied(served) -> None:  # type: ignore[no-untyped-def]
    server, tokens = served
    async with client(server, tokens["trader"]) as trader:
        with pytest.raises(PermissionDeniedError):
            await trader.cancel_order_list("O-nope-1")
        with pytest.raises(NotFoundError):  # naming an account it trades: not found
            await trader.cancel_order_list("O-nope-1", account="alpha")
