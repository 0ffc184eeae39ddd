"""Bearer tokens: created once, stored only as hashes, verified in constant time.

A token reads ``fgt_<id>_<secret>``: ``id`` (12 hex digits) finds the stored
record, ``secret`` is 32 random bytes from :mod:`secrets` (256 bits,
URL-safe base64). Only the SHA-256 of the secret is stored; a presented secret
is hashed and compared with :func:`hmac.compare_digest`. A fast hash is right
here: the secret is random, not a password, so there is nothing to brute-force
from the hash, and a slow one would cost every call.

The token file is JSON, written atomically with mode 0600; the server reads it
at start and again on SIGHUP (:meth:`TokenStore.reload`), so a revocation takes
effect without a restart. Idle expiry counts from the last successful use
seen by this process (from its start, after a restart).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from fillgate.auth.principal import Principal, check_scope

PREFIX = "fgt"
ID_HEX = 12
SECRET_BYTES = 32
#: Longest credential looked at; anything longer is refused unread.
MAX_TOKEN_CHARS = 128
FILE_VERSION = 1
_VERIFIED_LIMIT = 4096
_NS = 1_000_000_000


class TokenFileError(ValueError):
    """The token file cannot be read or is not a token file (the message names no secret)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class TokenRecord:
    """What the token file keeps about one token: never the token itself."""

    id: str
    name: str
    #: SHA-256 of the secret part, hex.
    hash: str
    scopes: tuple[str, ...]
    strategy_id: str = ""
    created_ns: int
    #: 0 = never expires.
    expires_ns: int = 0
    #: Refused after this many seconds without a successful use; 0 = off.
    idle_expiry_s: int = 0
    #: When it was revoked; 0 = not revoked.
    revoked_ns: int = 0

    def principal(self) -> Principal:
        return Principal(self.name, frozenset(self.scopes), self.strategy_id)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("ascii")).hexdigest()


def split_token(presented: str) -> tuple[str, str] | None:
    """Return (id, secret) of a well-formed token, else None (never raises)."""
    if len(presented) > MAX_TOKEN_CHARS or not presented.isascii():
        return None
    parts = presented.split("_", 2)
    if len(parts) != 3 or parts[0] != PREFIX or len(parts[1]) != ID_HEX or not parts[2]:
        return None
    return parts[1], parts[2]


class TokenStore:
    """The tokens a server accepts, loaded from (and saved to) one JSON file."""

    def __init__(self, path: Path | None = None, records: list[TokenRecord] | None = None) -> None:
        self.path = path
        self._records: dict[str, TokenRecord] = {}
        self._principals: dict[str, Principal] = {}
        self._last_used: dict[str, int] = {}
        # Tokens that verified once -> their id, so a strategy's every call does not hash
        # again (~5 us on a busy loop). A hit needs the exact token, which only its holder
        # has; the first check of every token is the constant-time one. Memory only,
        # bounded, emptied whenever the records change (reload, revoke).
        self._verified: dict[str, str] = {}
        self._set(records or [])

    def _set(self, records: list[TokenRecord]) -> None:
        self._records = {r.id: r for r in records}
        self._principals = {r.id: r.principal() for r in records}
        self._verified = {}

    @classmethod
    def load(cls, path: Path) -> TokenStore:
        """Read a token file; a missing file is an empty store (``save`` creates it)."""
        store = cls(path)
        store.reload()
        return store

    def reload(self) -> int:
        """Read the file again (SIGHUP); return the number of tokens now accepted."""
        if self.path is None:
            return len(self._records)
        self._set(read_file(self.path))
        return len(self._records)

    def records(self) -> list[TokenRecord]:
        return sorted(self._records.values(), key=lambda r: r.created_ns)

    def check(self, presented: str, now_ns: int) -> tuple[Principal | None, str]:
        """Return the token's principal, or None and why (a reason code, never the secret)."""
        token_id = self._verified.get(presented)
        if token_id is None:
            parts = split_token(presented)
            if parts is None:
                return None, "malformed"
            token_id, secret = parts
            known = self._records.get(token_id)
            if known is None or not hmac.compare_digest(_digest(secret), known.hash):
                return None, "unknown"
            if len(self._verified) >= _VERIFIED_LIMIT:
                self._verified.clear()
            self._verified[presented] = token_id
        record = self._records[token_id]
        if record.revoked_ns:
            return None, "revoked"
        if record.expires_ns and now_ns >= record.expires_ns:
            return None, "expired"
        if record.idle_expiry_s:
            last = self._last_used.setdefault(token_id, max(record.created_ns, now_ns))
            if now_ns - last > record.idle_expiry_s * _NS:
                return None, "idle"
            self._last_used[token_id] = now_ns
        return self._principals[token_id], ""

    def verify(self, presented: str, now_ns: int) -> Principal | None:
        """Return the token's principal, or None when it does not verify."""
        return self.check(presented, now_ns)[0]

    def create(
        self,
        *,
        name: str,
        scopes: list[str],
        now_ns: int,
        expires_ns: int = 0,
        strategy_id: str = "",
        idle_expiry_s: int = 0,
    ) -> tuple[str, TokenRecord]:
        """Make a token; return it (shown once, never stored) and its record."""
        if not name or len(name) > 64 or not name.isprintable():
            raise TokenFileError("name: 1 to 64 printable characters")
        if not scopes:
            raise TokenFileError("scopes: at least one")
        for s in scopes:
            check_scope(s)
        while True:
            token_id = secrets.token_hex(ID_HEX // 2)
            if token_id not in self._records:
                break
        secret = secrets.token_urlsafe(SECRET_BYTES)
        record = TokenRecord(
            id=token_id,
            name=name,
            hash=_digest(secret),
            scopes=tuple(sorted(set(scopes))),
            strategy_id=strategy_id,
            created_ns=now_ns,
            expires_ns=expires_ns,
            idle_expiry_s=idle_expiry_s,
        )
        self._set([*self._records.values(), record])
        return f"{PREFIX}_{token_id}_{secret}", record

    def revoke(self, id_or_name: str, now_ns: int) -> list[TokenRecord]:
        """Revoke the token with this id, or every live token with this name; return them."""
        hits = [
            r
            for r in self._records.values()
            if not r.revoked_ns and (r.id == id_or_name or r.name == id_or_name)
        ]
        changed = {r.id: replace(r, revoked_ns=now_ns) for r in hits}
        self._set([changed.get(r.id, r) for r in self._records.values()])
        return list(changed.values())

    def save(self) -> None:
        """Write the file atomically, readable by its owner only."""
        if self.path is None:
            raise TokenFileError("this token store has no file")
        write_file(self.path, self.records())


def read_file(path: Path) -> list[TokenRecord]:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise TokenFileError(f"{path}: cannot read ({exc.strerror})") from None
    try:
        body = json.loads(raw)
        if body.get("version") != FILE_VERSION:
            raise TokenFileError(f"{path}: not a version {FILE_VERSION} token file")
        records = [_record(item) for item in body["tokens"]]
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        if isinstance(exc, TokenFileError):
            raise
        raise TokenFileError(f"{path}: not a token file ({type(exc).__name__})") from None
    return records


def _record(item: dict[str, Any]) -> TokenRecord:
    record = TokenRecord(
        id=str(item["id"]),
        name=str(item["name"]),
        hash=str(item["hash"]),
        scopes=tuple(check_scope(str(s)) for s in item["scopes"]),
        strategy_id=str(item.get("strategy_id", "")),
        created_ns=int(item["created_ns"]),
        expires_ns=int(item.get("expires_ns", 0)),
        idle_expiry_s=int(item.get("idle_expiry_s", 0)),
        revoked_ns=int(item.get("revoked_ns", 0)),
    )
    if len(record.id) != ID_HEX or len(record.hash) != 64:
        raise ValueError("bad id or hash")
    return record


def write_file(path: Path, records: list[TokenRecord]) -> None:
    body = {"version": FILE_VERSION, "tokens": [_jsonable(r) for r in records]}
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        json.dump(body, out, indent=1)
        out.flush()
        os.fsync(out.fileno())
    os.chmod(tmp, 0o600)  # an existing tmp file kept its old mode
    os.replace(tmp, path)


def _jsonable(r: TokenRecord) -> dict[str, Any]:
    d = asdict(r)
    d["scopes"] = list(r.scopes)
    return d
