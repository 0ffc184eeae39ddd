"""With tokens on: who did it is journaled, reads are filtered, strategies are bound (issue 14)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import orjson
import pytest
import pytest_asyncio
from auth_setup import auth_server
from support import StreamReader

from fillgate.app import FillgateServer
from fillgate.journal.log import iter_bodies
from fillgate_client import (
    AsyncFillgateClient,
    PermissionDeniedError,
    UnauthenticatedError,
)


@pytest_asyncio.fixture
async def served(tmp_path: Path) -> AsyncIterator[tuple[FillgateServer, object]]:
    running, tokens = await auth_server(tmp_path)
    try:
        yield running, tokens
    finally:
        await running.stop(grace=0.5)


def client(server: FillgateServer, token: str | None) -> AsyncFillgateClient:
    return AsyncFillgateClient(f"127.0.0.1:{server.port}", timeout=10, token=token)


async def submit(c: AsyncFillgateClient, *args: object, **kwargs: object):  # type: ignore[no-untyped-def]
    return (await c.submit_order(*args, **kwargs)).order  # type: ignore[arg-type]


def journal_rows(server: FillgateServer) -> list[list[object]]:
    """Every record of the server's journal as the JSON array it is stored as."""
    journal = server.parts.engine.journal
    assert journal is not None
    return [orjson.loads(body) for _, body in iter_bodies(Path(journal.path).read_bytes())]


async def test_commands_journal_the_principal_as_auth_by(served) -> None:  # type: ignore[no-untyped-def]
    server, tokens = served
    async with client(server, tokens["trader"]) as trader, client(server, tokens["admin"]) as admin:
        order = await submit(
            trader, "alpha", "BTC-USD", "buy", "0.1", type="limit", limit_price="100"
        )
        await trader.replace_order(order.order_id, limit_price="101")
        await trader.cancel_order(order.order_id)
        await admin.set_reference_price("BTC-USD", "50001")
        await admin.halt("account", "alpha", reason="drill", requested_by="someone-else")
        await admin.resume("account", "alpha", reason="done", requested_by="someone-else")
    await server.parts.engine.durable()
    by = {}
    for row in journal_rows(server):
        kind = row[0]
        if kind == "trading_state":
            by.setdefault(kind, []).append(row[-1])
        elif isinstance(row[-1], dict) and "auth.by" in row[-1]:
            by.setdefault(kind, []).append(row[-1]["auth.by"])
    assert by["accepted"] == ["trader"]
    assert by["replace_requested"] == ["trader"]
    assert by["cancel_requested"] == ["trader"]
    assert by["price"] == ["admin"]
    assert by["trading_state"] == ["admin", "admin"]  # not the free text sent


async def test_audit_reports_name_who_requested(served) -> None:  # type: ignore[no-untyped-def]
    server, tokens = served
    async with client(server, tokens["trader"]) as trader:
        order = await submit(trader, "alpha", "BTC-USD", "buy", "0.1")
    async with client(server, tokens["auditor"]) as auditor:
        reports = await auditor.list_executions(order_id=order.order_id)
    assert reports[0].requested_by == "trader"
    assert {r.requested_by for r in reports[1:]} <= {"", "trader"}


async def test_list_orders_positions_audit_show_only_readable_accounts(served) -> None:  # type: ignore[no-untyped-def]
    server, tokens = served
    async with client(server, tokens["admin"]) as admin:
        await submit(admin, "alpha", "BTC-USD", "buy", "0.1")
        await submit(admin, "paper", "BTC-USD", "buy", "0.1")
    async with client(server, tokens["reader"]) as reader:
        assert {o.account for o in await reader.list_orders()} == {"alpha"}
        assert {a.account for a in await reader.get_positions()} == {"alpha"}
        assert {r.account for r in await reader.list_executions()} == {"alpha"}
        with pytest.raises(PermissionDeniedError) as denied:
            await reader.list_orders(account="paper")
    assert denied.value.metadata["scope"] == "read:paper"


async def test_stream_fills_carries_only_readable_accounts(served) -> None:  # type: ignore[no-untyped-def]
    server, tokens = served
    async with client(server, tokens["reader"]) as reader, client(server, tokens["admin"]) as admin:
        stream = await StreamReader(reader).start()
        await submit(admin, "paper", "BTC-USD", "buy", "0.1")
        last = await submit(admin, "alpha", "BTC-USD", "buy", "0.1")
        await stream.wait_for(lambda s: any(r.order_id == last.order_id for r in s.reports))
        await stream.stop()
    assert {r.account for r in stream.reports} == {"alpha"}


async def test_strategy_bound_token_stamps_its_strategy(served) -> None:  # type: ignore[no-untyped-def]
    server, tokens = served
    async with client(server, tokens["bound"]) as bound:
        order = await submit(bound, "alpha", "BTC-USD", "buy", "0.1")
    assert order.strategy_id == "alpha-strat"


async def test_strategy_bound_token_other_strategy_denied_nothing_placed(served) -> None:  # type: ignore[no-untyped-def]
    server, tokens = served
    async with client(server, tokens["bound"]) as bound:
        with pytest.raises(PermissionDeniedError):
            await submit(bound, "alpha", "BTC-USD", "buy", "0.1", strategy_id="other")
    assert list(server.parts.engine.orders()) == []


async def test_strategy_bound_token_cancel_other_strategys_order_denied(served) -> None:  # type: ignore[no-untyped-def]
    server, tokens = served
    async with client(server, tokens["trader"]) as trader, client(server, tokens["bound"]) as bound:
        order = await submit(
            trader,
            "alpha",
            "BTC-USD",
            "buy",
            "0.1",
            type="limit",
            limit_price="100",
            strategy_id="mine",
        )
        with pytest.raises(PermissionDeniedError):
            await bound.cancel_order(order.order_id)
    assert server.parts.engine.order(order.order_id).is_open  # type: ignore[union-attr]


async def test_trade_other_account_denied_nothing_placed(served) -> None:  # type: ignore[no-untyped-def]
    server, tokens = served
    async with client(server, tokens["trader"]) as trader:
        with pytest.raises(PermissionDeniedError) as denied:
            await submit(trader, "paper", "BTC-USD", "buy", "0.1")
    assert denied.value.reason == "MISSING_SCOPE"
    assert denied.value.metadata["scope"] == "trade:paper"
    assert list(server.parts.engine.orders()) == []


async def test_anonymous_price_move_unauthenticated_price_unchanged(served) -> None:  # type: ignore[no-untyped-def]
    # The reproduction: an anonymous `fillgate price` moved the reference price.
    server, _ = served
    before = server.parts.engine.state.prices["BTC-USD"]
    async with client(server, None) as anonymous:
        with pytest.raises(UnauthenticatedError):
            await anonymous.set_reference_price("BTC-USD", "1.0")
    assert server.parts.engine.state.prices["BTC-USD"] == before


async def test_trader_price_move_denied_needs_admin(served) -> None:  # type: ignore[no-untyped-def]
    server, tokens = served
    async with client(server, tokens["trader"]) as trader:
        with pytest.raises(PermissionDeniedError) as denied:
            await trader.set_reference_price("BTC-USD", "1.0")
    assert denied.value.metadata["scope"] == "admin"
