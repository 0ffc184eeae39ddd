"""The console's HTTP endpoints against a real server: sessions, CSRF, the feed's resume."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest
import pytest_asyncio

from fillgate.app import FillgateServer, create_server
from fillgate.config import config_from_dict
from fillgate_client import AsyncFillgateClient

CONFIG = {
    "accounts": {"paper": {"starting_cash": "1000000"}, "alpha": {"starting_cash": "50000"}},
    "symbols": {
        "BTC-USD": {"reference_price": "50000", "price_precision": 2, "quantity_precision": 6},
        "ETH-USD": {"reference_price": "3000", "price_precision": 2, "quantity_precision": 5},
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
    "ops": Principal("ops", frozenset({"admin"})),
    "alpha-trader": Principal("at", frozenset({"trade:alpha"})),
}


async def _start(tmp_path: Path, auth: bool, retain: int = 100_000) -> FillgateServer:
    config = config_from_dict(
        {
            **CONFIG,
            "journal": {"path": str(tmp_path / "journal.log")},
            "streams": {"retain": retain},
            "server": {"admission_max_queue_delay_ms": 0, "admission_max_loop_lag_ms": 0},
            "console": {"enabled": True, "listen": "127.0.0.1:0", "heartbeat_s": 0.2},
        }
    )
    return await create_server(
        config, listen="127.0.0.1:0", console_auth=TOKENS.get if auth else None
    )


@pytest_asyncio.fixture
async def authed(tmp_path: Path) -> AsyncIterator[FillgateServer]:
    running = await _start(tmp_path, auth=True)
    try:
        yield running
    finally:
        await running.stop(grace=0.5)


def _base(server: FillgateServer) -> str:
    assert server.console is not None
    return f"http://127.0.0.1:{server.console.port}"


def _http() -> aiohttp.ClientSession:
    # unsafe=True: keep cookies from an IP address host (127.0.0.1), as a browser does.
    return aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))


async def _login(http: aiohttp.ClientSession, base: str, token: str) -> str:
    async with http.post(f"{base}/api/login", json={"token": token}) as r:
        assert r.status == 200
        cookie = r.headers["Set-Cookie"]
        assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
        return str((await r.json())["csrf"])


async def _events(base: str, after: int, until: int, **headers: str) -> list[int]:
    """Read the feed until sequence ``until``; return the ids received."""
    ids: list[int] = []
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"{base}/api/events", params={"after": str(after)}, headers=headers) as r,
    ):
        assert r.status == 200
        assert r.headers["Content-Type"] == "text/event-stream"
        async with asyncio.timeout(5):
            async for line in r.content:
                if line.startswith(b"id: "):
                    ids.append(int(line[4:]))
                    if ids[-1] >= until:
                        break
    return ids


async def test_console_action_without_csrf_token_is_refused(authed: FillgateServer) -> None:
    base = _base(authed)
    async with _http() as http:
        await _login(http, base, "ops")
        async with http.post(f"{base}/api/halt", json={"scope": "ALL", "reason": "x"}) as r:
            assert r.status == 403
            assert (await r.json())["error"]["reason"] == "CSRF_TOKEN_INVALID"
    assert authed.parts.engine.trading.restrictions() == []


async def test_console_action_from_another_origin_is_refused(authed: FillgateServer) -> None:
    base = _base(authed)
    async with _http() as http:
        csrf = await _login(http, base, "ops")
        headers = {"X-CSRF-Token": csrf, "Origin": "http://evil.example"}
        async with http.post(
            f"{base}/api/halt", json={"scope": "ALL", "reason": "x"}, headers=headers
        ) as r:
            assert r.status == 403
            assert (await r.json())["error"]["reason"] == "CROSS_ORIGIN"
    assert authed.parts.engine.trading.restrictions() == []


async def test_console_read_without_session_is_unauthenticated(authed: FillgateServer) -> None:
    async with aiohttp.ClientSession() as http, http.get(f"{_base(authed)}/api/snapshot") as r:
        assert r.status == 401
        assert (await r.json())["error"]["code"] == "UNAUTHENTICATED"


async def test_console_login_with_bad_token_is_refused(authed: FillgateServer) -> None:
    async with (
        aiohttp.ClientSession() as http,
        http.post(f"{_base(authed)}/api/login", json={"token": "nope"}) as r,
    ):
        assert r.status == 401
        assert "Set-Cookie" not in r.headers


async def test_console_halt_with_bad_scope_names_the_field(authed: FillgateServer) -> None:
    base = _base(authed)
    async with _http() as http:
        csrf = await _login(http, base, "ops")
        async with http.post(
            f"{base}/api/halt",
            json={"scope": "GALAXY", "reason": ""},
            headers={"X-CSRF-Token": csrf},
        ) as r:
            assert r.status == 400
            error = (await r.json())["error"]
    assert error["code"] == "INVALID_ARGUMENT"
    assert {v["field"] for v in error["field_violations"]} == {"scope", "reason"}
    assert authed.parts.engine.trading.restrictions() == []


async def test_console_trader_cancel_all_other_account_is_denied(authed: FillgateServer) -> None:
    base = _base(authed)
    async with AsyncFillgateClient(f"127.0.0.1:{authed.port}", timeout=10) as client:
        await client.submit_order("paper", "BTC-USD", "buy", "0.1", type="limit", limit_price="1")
    async with _http() as http:
        csrf = await _login(http, base, "alpha-trader")
        headers = {"X-CSRF-Token": csrf}
        async with http.post(
            f"{base}/api/accounts/paper/cancel-all", json={}, headers=headers
        ) as r:
            assert r.status == 403
    assert len(authed.parts.engine.open_orders_of("paper")) == 1


async def test_console_cancel_all_cancels_the_accounts_open_orders(authed: FillgateServer) -> None:
    base = _base(authed)
    async with AsyncFillgateClient(f"127.0.0.1:{authed.port}", timeout=10) as client:
        for price in ("1", "2"):
            await client.submit_order(
                "alpha", "ETH-USD", "buy", "0.1", type="limit", limit_price=price
            )
    async with _http() as http:
        csrf = await _login(http, base, "alpha-trader")
        headers = {"X-CSRF-Token": csrf}
        async with http.post(
            f"{base}/api/accounts/alpha/cancel-all", json={}, headers=headers
        ) as r:
            assert r.status == 200
            assert len((await r.json())["canceled"]) == 2
    assert authed.parts.engine.open_orders_of("alpha") == []
    journal = authed.parts.engine.journal
    assert journal is not None
    assert journal.path.read_bytes().count(b'{"auth.by":"console:at"}') == 2  # who, per cancel


async def test_console_feed_resume_older_than_memory_is_served_from_journal(
    tmp_path: Path,
) -> None:
    running = await _start(tmp_path, auth=False, retain=4)
    try:
        async with AsyncFillgateClient(f"127.0.0.1:{running.port}", timeout=10) as client:
            for _ in range(4):
                await client.submit_order("paper", "BTC-USD", "buy", "0.01")
        head = running.parts.engine.bus.head
        assert running.parts.engine.bus.first_retained > 2  # sequence 2 is only in the journal
        ids = await _events(_base(running), 0, head, **{"Last-Event-ID": "1"})
        assert ids == list(range(2, head + 1))
    finally:
        await running.stop(grace=0.5)


async def test_console_feed_with_bad_last_event_id_is_invalid_argument(tmp_path: Path) -> None:
    running = await _start(tmp_path, auth=False)
    try:
        async with (
            aiohttp.ClientSession() as http,
            http.get(f"{_base(running)}/api/events", headers={"Last-Event-ID": "x1"}) as r,
        ):
            assert r.status == 400
            assert (await r.json())["error"]["field_violations"][0]["field"] == "Last-Event-ID"
    finally:
        await running.stop(grace=0.5)


async def test_console_without_auth_refuses_actions(tmp_path: Path) -> None:
    running = await _start(tmp_path, auth=False)
    try:
        async with (
            aiohttp.ClientSession() as http,
            http.post(f"{_base(running)}/api/halt", json={"scope": "ALL", "reason": "x"}) as r,
        ):
            assert r.status == 403
            assert (await r.json())["error"]["reason"] == "CONSOLE_READ_ONLY"
        assert running.parts.engine.trading.restrictions() == []
    finally:
        await running.stop(grace=0.5)


async def test_console_without_auth_on_public_address_refuses_to_start(tmp_path: Path) -> None:
    config = config_from_dict(
        {
            **CONFIG,
            "journal": {"enabled": False},
            "console": {"enabled": True, "listen": "0.0.0.0:0"},
        }
    )
    with pytest.raises(ValueError, match="loopback only"):
        await create_server(config, listen="127.0.0.1:0")


async def test_console_login_with_auth_token_file_acts_as_that_principal(tmp_path: Path) -> None:
    from fillgate.auth.tokens import TokenStore

    store = TokenStore(tmp_path / "tokens.json")
    now = time.time_ns()
    ops, _ = store.create(name="ops", scopes=["admin"], now_ns=now)
    reader, _ = store.create(name="reader", scopes=["read:*"], now_ns=now)
    store.save()
    config = config_from_dict(
        {
            **CONFIG,
            "journal": {"enabled": False},
            "auth": {"mode": "token", "token_file": str(tmp_path / "tokens.json")},
            "console": {"enabled": True, "listen": "127.0.0.1:0"},
        }
    )
    running = await create_server(config, listen="127.0.0.1:0")  # no console_auth: [auth]'s
    base = _base(running)
    try:
        async with _http() as http:
            csrf = await _login(http, base, reader)
            async with http.post(
                f"{base}/api/halt",
                json={"scope": "ALL", "reason": "x"},
                headers={"X-CSRF-Token": csrf},
            ) as r:
                assert r.status == 403  # read:* may look, not halt
        async with _http() as http:
            csrf = await _login(http, base, ops)
            async with http.post(
                f"{base}/api/halt",
                json={"scope": "ALL", "reason": "drill"},
                headers={"X-CSRF-Token": csrf},
            ) as r:
                assert r.status == 200
        (restriction,) = running.parts.engine.trading.restrictions()
        assert restriction.requested_by == "console:ops"
    finally:
        await running.stop(grace=0.5)
