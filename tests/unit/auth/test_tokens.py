"""Bearer tokens: random, stored as hashes, expiring, revocable, re-read from their file."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from fillgate.auth.tokens import MAX_TOKEN_CHARS, TokenFileError, TokenStore, split_token

NOW = 1_700_000_000_000_000_000
S = 1_000_000_000


def make(tmp_path: Path, **kwargs: object) -> tuple[TokenStore, str]:
    store = TokenStore(tmp_path / "tokens.json")
    token, _ = store.create(name="alice", scopes=["trade:main"], now_ns=NOW, **kwargs)  # type: ignore[arg-type]
    store.save()
    return store, token


def test_create_token_has_256_random_bits_and_verifies(tmp_path: Path) -> None:
    store, token = make(tmp_path)
    prefix, token_id, secret = token.split("_", 2)
    assert prefix == "fgt" and len(token_id) == 12
    assert len(secret) >= 43  # 32 bytes, URL-safe base64
    principal = store.verify(token, NOW)
    assert principal is not None and principal.name == "alice"
    assert principal.can_trade("main") and not principal.can_trade("other")


def test_create_two_tokens_differ(tmp_path: Path) -> None:
    store, token = make(tmp_path)
    other, _ = store.create(name="alice", scopes=["trade:main"], now_ns=NOW)
    assert other != token


def test_save_file_holds_only_the_hash_and_is_owner_only(tmp_path: Path) -> None:
    _, token = make(tmp_path)
    path = tmp_path / "tokens.json"
    text = path.read_text()
    secret = token.split("_", 2)[2]
    assert secret not in text and token not in text
    assert json.loads(text)["tokens"][0]["hash"]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_verify_wrong_secret_refused(tmp_path: Path) -> None:
    store, token = make(tmp_path)
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    assert store.check(tampered, NOW) == (None, "unknown")


def test_verify_after_expiry_refused(tmp_path: Path) -> None:
    store, token = make(tmp_path, expires_ns=NOW + 10 * S)
    assert store.verify(token, NOW + 9 * S) is not None
    assert store.check(token, NOW + 10 * S) == (None, "expired")


def test_verify_idle_past_limit_refused(tmp_path: Path) -> None:
    store, token = make(tmp_path, idle_expiry_s=60)
    assert store.verify(token, NOW + 30 * S) is not None
    assert store.verify(token, NOW + 80 * S) is not None  # 50 s after the last use
    assert store.check(token, NOW + 141 * S) == (None, "idle")


def test_revoke_then_reload_refuses_token_in_other_store(tmp_path: Path) -> None:
    server, token = make(tmp_path)
    cli = TokenStore.load(tmp_path / "tokens.json")
    assert [r.name for r in cli.revoke("alice", NOW)] == ["alice"]
    cli.save()
    assert server.verify(token, NOW) is not None  # not re-read yet
    server.reload()
    assert server.check(token, NOW) == (None, "revoked")


@pytest.mark.parametrize(
    "presented",
    ["", "fgt", "fgt__", "Bearer x", "fgt_0123456789ab_", "x" * (MAX_TOKEN_CHARS + 1), "fgt_é_x"],
)
def test_split_malformed_token_none(presented: str) -> None:
    assert split_token(presented) is None


def test_load_corrupt_file_raises_without_content(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    path.write_text('{"version": 1, "tokens": [{"id": "sekrit-value"}]}')
    with pytest.raises(TokenFileError) as caught:
        TokenStore.load(path)
    assert "sekrit" not in str(caught.value)


def test_create_bad_scope_raises(tmp_path: Path) -> None:
    store = TokenStore(tmp_path / "tokens.json")
    with pytest.raises(ValueError):
        store.create(name="x", scopes=["trade"], now_ns=NOW)
