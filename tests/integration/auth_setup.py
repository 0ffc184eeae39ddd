"""Servers with authentication on, and the tokens to call them with (issue 14 tests)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from support import CONFIG

from fillgate.app import FillgateServer, create_server
from fillgate.auth.tokens import TokenStore
from fillgate.config import config_from_dict

QUIET_ADMISSION = {
    "admission_max_in_flight_orders": 0,
    "admission_max_loop_lag_ms": 0,
    "admission_max_queue_delay_ms": 0,
}

#: name -> scopes of the tokens every auth test server knows.
TOKENS: dict[str, list[str]] = {
    "admin": ["admin"],
    "auditor": ["audit"],
    "trader": ["trade:alpha"],
    "reader": ["read:alpha"],
    "paper-trader": ["trade:paper"],
    "paper-reader": ["read:paper"],
    "all-trader": ["trade:*"],
}


@dataclass
class Tokens:
    """The tokens written to a test server's token file, by name."""

    path: Path
    by_name: dict[str, str] = field(default_factory=dict)

    def __getitem__(self, name: str) -> str:
        return self.by_name[name]


def write_tokens(path: Path, *, strategy: str = "alpha-strat") -> Tokens:
    """A token file with :data:`TOKENS`, a strategy-bound, an expired and a revoked token."""
    store = TokenStore(path)
    now = time.time_ns()
    out = Tokens(path)
    for name, scopes in TOKENS.items():
        out.by_name[name], _ = store.create(name=name, scopes=scopes, now_ns=now)
    out.by_name["bound"], _ = store.create(
        name="bound", scopes=["trade:alpha"], now_ns=now, strategy_id=strategy
    )
    out.by_name["expired"], _ = store.create(
        name="expired", scopes=["admin"], now_ns=now - 10**10, expires_ns=now - 1
    )
    out.by_name["revoked"], _ = store.create(name="revoked", scopes=["admin"], now_ns=now)
    store.revoke("revoked", now)
    store.save()
    return out


async def auth_server(
    tmp_path: Path, *, auth: dict[str, Any] | None = None, journal: bool = True, **server: Any
) -> tuple[FillgateServer, Tokens]:
    """Start a token-authenticated server on 127.0.0.1:0; return it and its tokens."""
    tokens = write_tokens(tmp_path / "tokens.json")
    config = config_from_dict(
        {
            **CONFIG,
            "journal": {"path": str(tmp_path / "journal.log"), "enabled": journal},
            "server": {**QUIET_ADMISSION, **server},
            "auth": {
                "mode": "token",
                "token_file": str(tokens.path),
                "max_failures": 100_000,
                **(auth or {}),
            },
        }
    )
    running = await create_server(config, listen="127.0.0.1:0")
    return running, tokens


def bearer(token: str) -> tuple[tuple[str, str], ...]:
    return (("authorization", f"Bearer {token}"),)
