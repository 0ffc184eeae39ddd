"""Reports and alerts with authentication on: reports show only readable accounts, and a
burst of failed authentications raises an alert."""

from __future__ import annotations

from pathlib import Path

import pytest
from auth_setup import auth_server
from support import StreamReader

from fillgate_client import Alert, AlertKind, AsyncFillgateClient, PermissionDeniedError


def client(port: int, token: str | None) -> AsyncFillgateClient:
    return AsyncFillgateClient(f"127.0.0.1:{port}", timeout=10, token=token)


async def test_reports_show_only_the_callers_readable_accounts(tmp_path: Path) -> None:
    server, tokens = await auth_server(tmp_path)
    try:
        async with client(server.port, tokens["admin"]) as admin:
            await admin.submit_order("alpha", "BTC-USD", "buy", "0.1")
            await admin.submit_order("paper", "BTC-USD", "buy", "0.1")
        async with client(server.port, tokens["reader"]) as reader:
            quality = await reader.execution_quality(by="account")
            _, daily = await reader.daily_report()
            with pytest.raises(PermissionDeniedError):
                await reader.execution_quality(account="paper")
        async with client(server.port, tokens["admin"]) as admin:
            everything = await admin.execution_quality(by="account")
    finally:
        await server.stop(grace=0.5)
    assert [r.key for r in quality] == ["alpha"]
    assert [r.account for r in daily] == ["alpha"]
    assert [r.key for r in everything] == ["alpha", "paper"]


async def test_auth_failure_burst_raises_alert_on_the_stream(tmp_path: Path) -> None:
    server, tokens = await auth_server(tmp_path)
    assert server.alerter is not None
    try:
        async with client(server.port, tokens["admin"]) as admin:
            reader = await StreamReader(admin).start()
            async with client(server.port, "fgt_not-a-token") as intruder:
                for _ in range(20):  # [alerts] auth_failures defaults to 20
                    with pytest.raises(Exception):  # noqa: B017 - refused, whatever its type
                        await intruder.ping()
            await reader.wait_for(lambda r: any(isinstance(e, Alert) for e in r.events))
            await reader.stop()
    finally:
        await server.stop(grace=0.5)
    (alert,) = [e for e in reader.events if isinstance(e, Alert)]
    assert alert.kind is AlertKind.AUTH_FAILURES
    assert "127.0.0.1" in alert.message
    assert "fgt_not-a-token" not in alert.message
