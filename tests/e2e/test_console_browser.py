"""The web console in a real browser (headless Debian chromium) against a real server."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

import grpc
import pytest

from fillgate.app import FillgateServer
from fillgate_client import AsyncFillgateClient
from fillgate_client.errors import FillgateError

#: Where the run leaves its screenshots (the README's is docs/console.png).
SHOTS = Path(os.environ.get("FILLGATE_E2E_SHOTS", "build/e2e"))


def console_url(server: FillgateServer) -> str:
    assert server.console is not None
    return f"http://127.0.0.1:{server.console.port}/"


async def login(page, server: FillgateServer, token: str) -> None:  # type: ignore[no-untyped-def]
    await page.goto(console_url(server))
    await page.fill("#token", token)
    await page.click("#login-form button[type=submit]")
    await page.wait_for_selector("#feed.live")


async def _seen(page) -> list[int]:  # type: ignore[no-untyped-def]
    return await page.evaluate("window.fillgate.seen")  # type: ignore[no-any-return]


async def test_console_page_after_grpc_submit_shows_position(
    readonly_server: FillgateServer, browser
) -> None:  # type: ignore[no-untyped-def]
    async with AsyncFillgateClient(f"127.0.0.1:{readonly_server.port}", timeout=10) as client:
        await client.submit_order("paper", "BTC-USD", "buy", "0.25")
    page = await browser.new_page()
    await page.goto(console_url(readonly_server))
    row = page.locator("#positions tr[data-symbol='BTC-USD']")
    await row.wait_for(timeout=5000)
    cells = await row.locator("td").all_inner_texts()
    assert cells[:5] == ["paper", "BTC-USD", "0.25", "50000", "50000"]
    assert "read-only" in await page.inner_text("#who")


async def test_console_fill_appears_in_tape_within_a_second(
    readonly_server: FillgateServer, browser
) -> None:  # type: ignore[no-untyped-def]
    page = await browser.new_page()
    await page.goto(console_url(readonly_server))
    await page.wait_for_selector("#feed.live")
    async with AsyncFillgateClient(f"127.0.0.1:{readonly_server.port}", timeout=10) as client:
        result = await client.submit_order("alpha", "ETH-USD", "sell", "1.5")
        started = time.monotonic()  # the market order has filled (and is durable) by its answer
        await page.locator(f"#tape tr[data-order='{result.order.order_id}']").wait_for(timeout=1000)
    assert time.monotonic() - started < 1.0
    cells = await page.locator(
        f"#tape tr[data-order='{result.order.order_id}'] td"
    ).all_inner_texts()
    assert cells[2:7] == ["alpha", "ETH-USD", "SELL", "1.5", "3000"]


async def test_console_feed_dropped_and_reconnected_loses_and_duplicates_nothing(
    readonly_server: FillgateServer, browser
) -> None:  # type: ignore[no-untyped-def]
    page = await browser.new_page()
    await page.goto(console_url(readonly_server))
    await page.wait_for_selector("#feed.live")
    first_head = await page.evaluate("window.fillgate.snapshot.head")
    async with AsyncFillgateClient(f"127.0.0.1:{readonly_server.port}", timeout=10) as client:
        for i in range(3):
            await client.submit_order("paper", "BTC-USD", "buy", "0.01", client_order_id=f"a{i}")
        assert readonly_server.console is not None
        readonly_server.console.drop_streams()  # the browser's connection is cut mid-stream
        await page.wait_for_selector("#feed.down")
        for i in range(5):  # published while the browser is away
            await client.submit_order("alpha", "ETH-USD", "buy", "0.1", client_order_id=f"b{i}")
    head = readonly_server.parts.engine.bus.head
    async with asyncio.timeout(5):
        while head not in (seen := await _seen(page)):
            await asyncio.sleep(0.05)
    assert seen == list(range(first_head + 1, head + 1))
    assert head - first_head >= 16  # each market order: pending new, new, trade


async def test_console_halt_blocks_next_grpc_submit_with_failed_precondition(
    server: FillgateServer, client: AsyncFillgateClient, browser
) -> None:  # type: ignore[no-untyped-def]
    page = await browser.new_page()
    page.on("dialog", lambda dialog: asyncio.ensure_future(dialog.accept()))
    await login(page, server, "ops-token-9f2c")
    await page.select_option("#halt-scope", "ACCOUNT")
    await page.fill("#halt-target", "paper")
    await page.fill("#halt-reason", "desk drill")
    await page.click("#halt-form button[type=submit]")
    await page.wait_for_selector("#accounts tr[data-account='paper'] td.HALTED")
    with pytest.raises(FillgateError) as caught:
        await client.submit_order("paper", "BTC-USD", "buy", "0.01")
    assert caught.value.code is grpc.StatusCode.FAILED_PRECONDITION
    restrictions = await client.trading_state()
    assert [(r.target, r.requested_by) for r in restrictions] == [("paper", "console:ops")]


async def test_console_action_without_scope_is_refused(
    server: FillgateServer, client: AsyncFillgateClient, browser
) -> None:  # type: ignore[no-untyped-def]
    page = await browser.new_page()
    page.on("dialog", lambda dialog: asyncio.ensure_future(dialog.accept()))
    await login(page, server, "viewer-token-41ab")
    await page.fill("#halt-reason", "not mine to stop")
    await page.click("#halt-form button[type=submit]")
    await page.wait_for_selector("#status.error")
    assert "PERMISSION_DENIED" in await page.inner_text("#status")
    assert await client.trading_state() == []
    result = await client.submit_order("paper", "BTC-USD", "buy", "0.01")
    assert result.order.state.name == "FILLED"


async def test_console_realistic_state_screenshot_is_saved(
    server: FillgateServer, client: AsyncFillgateClient, browser
) -> None:  # type: ignore[no-untyped-def]
    await client.submit_order("paper", "BTC-USD", "buy", "0.5")
    await client.submit_order("paper", "ETH-USD", "buy", "4")
    await client.submit_order("alpha", "ETH-USD", "sell", "2")
    for btc, eth in (("50120", "3010"), ("49870.5", "2995"), ("50260", "2979.5")):
        await client.set_reference_price("BTC-USD", btc)
        await client.set_reference_price("ETH-USD", eth)
        await asyncio.sleep(0.15)  # an equity sample at each price
    await client.set_reference_price("BTC-USD", "50420.50")
    await client.set_reference_price("ETH-USD", "2987.25")
    await client.submit_order("paper", "BTC-USD", "sell", "0.2")
    for i, price in enumerate(("49000", "48500")):
        await client.submit_order(
            "paper",
            "BTC-USD",
            "buy",
            "0.1",
            type="limit",
            limit_price=price,
            client_order_id=f"rest{i}",
        )
    await client.halt("symbol", "ETH-USD", mode="reducing", reason="earnings window")
    page = await browser.new_page(viewport={"width": 1440, "height": 1100})
    await login(page, server, "ops-token-9f2c")
    await page.wait_for_selector("#orders tr[data-order]")
    await page.wait_for_selector("#tape tr[data-seq]")
    SHOTS.mkdir(parents=True, exist_ok=True)
    shot = SHOTS / "console.png"
    await page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    assert await page.locator("#orders tr[data-order]").count() == 2


async def test_console_feed_refused_resume_point_starts_over_from_snapshot(
    readonly_server: FillgateServer, browser
) -> None:  # type: ignore[no-untyped-def]
    page = await browser.new_page()
    await page.goto(console_url(readonly_server))
    await page.wait_for_selector("#feed.live")
    # As after a restart without the journal: the browser's resume point is ahead of the head.
    await page.evaluate("window.fillgate.source.close(); openFeed(999999)")
    await page.wait_for_selector("#feed.down")
    await page.wait_for_selector("#feed.live", timeout=5000)
    head = readonly_server.parts.engine.bus.head
    assert (
        await page.evaluate("window.fillgate.source.url")
        == console_url(readonly_server) + f"api/events?after={head}"
    )
