"""A real server with its console on an ephemeral port, and Debian's chromium driven by Playwright.

The browser is /usr/bin/chromium (``apt-get install chromium``); Playwright's own browser
download is never used. Without chromium these tests skip, except in CI
(``FILLGATE_E2E_REQUIRED=1``, set by .ci/run), where they fail.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import pytest_asyncio

from fillgate.app import FillgateServer, create_server
from fillgate.config import config_from_dict
from fillgate_client import AsyncFillgateClient

CHROMIUM = Path(os.environ.get("FILLGATE_CHROMIUM", "/usr/bin/chromium"))
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

CONFIG = {
    "accounts": {"paper": {"starting_cash": "1000000"}, "alpha": {"starting_cash": "50000"}},
    "symbols": {
        "BTC-USD": {"reference_price": "50000", "price_precision": 2, "quantity_precision": 6},
        "ETH-USD": {"reference_price": "3000", "price_precision": 2, "quantity_precision": 5},
    },
    "server": {
        "admission_max_in_flight_orders": 0,
        "admission_max_loop_lag_ms": 0,
        "admission_max_queue_delay_ms": 0,
    },
    "console": {
        "enabled": True,
        "listen": "127.0.0.1:0",
        "heartbeat_s": 1.0,
        "equity_sample_s": 0.1,  # the screenshot's equity curve gets a few points
    },
}


@dataclass(frozen=True)
class Principal:
    """Shaped like the auth room's Principal: a name and scopes (``*`` = every account)."""

    name: str
    scopes: frozenset[str] = frozenset()

    @property
    def is_admin(self) -> bool:
        return "admin" in self.scopes

    def can_read(self, account: str) -> bool:
        s = self.scopes
        return bool({"admin", "audit", f"read:{account}", "read:*"} & s) or self.can_trade(account)

    def can_trade(self, account: str) -> bool:
        return bool({"admin", f"trade:{account}", "trade:*"} & self.scopes)


TOKENS = {
    "ops-token-9f2c": Principal("ops", frozenset({"admin"})),
    "viewer-token-41ab": Principal("viewer", frozenset({"read:paper", "read:alpha"})),
}


def verify(token: str) -> Principal | None:
    return TOKENS.get(token)


@pytest.fixture(scope="session")
def chromium_path() -> Path:
    if not CHROMIUM.exists():
        if os.environ.get("FILLGATE_E2E_REQUIRED") == "1":
            pytest.fail(f"{CHROMIUM} is missing: CI must install chromium (apt-get)")
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)")
    return CHROMIUM


async def _server(tmp_path: Path, auth: bool) -> FillgateServer:
    config = config_from_dict({**CONFIG, "journal": {"path": str(tmp_path / "journal.log")}})
    return await create_server(config, listen="127.0.0.1:0", console_auth=verify if auth else None)


@pytest_asyncio.fixture
async def server(tmp_path: Path) -> AsyncIterator[FillgateServer]:
    """Console with token login (controls enabled for the right scopes)."""
    running = await _server(tmp_path, auth=True)
    try:
        yield running
    finally:
        await running.stop(grace=0.5)


@pytest_asyncio.fixture
async def readonly_server(tmp_path: Path) -> AsyncIterator[FillgateServer]:
    """Console without authentication: read-only, loopback only."""
    running = await _server(tmp_path, auth=False)
    try:
        yield running
    finally:
        await running.stop(grace=0.5)


@pytest_asyncio.fixture
async def client(server: FillgateServer) -> AsyncIterator[AsyncFillgateClient]:
    async with AsyncFillgateClient(f"127.0.0.1:{server.port}", timeout=10) as c:
        yield c


@pytest_asyncio.fixture
async def browser(chromium_path: Path) -> AsyncIterator[object]:
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        launched = await p.chromium.launch(executable_path=str(chromium_path), args=FLAGS)
        try:
            yield launched
        finally:
            await launched.close()
