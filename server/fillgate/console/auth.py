"""Who is looking at the console, and what they may do.

The console uses the gRPC API's principals and scopes (``read:<account>``,
``trade:<account>``, ``admin``, ``audit``; ``*`` for every account) through a
small protocol of its own that the auth room's ``Principal`` fits as it is,
so a token store plugs in with a one-line adapter::

    verify = lambda token: token_store.verify(token, clock.now_ns())

The rules are the gRPC API's: reading an account needs read (or trade) on it,
canceling its orders needs trade on it, halt and resume need admin.

Without a verifier the console is read-only and serves loopback only: every
visitor is :data:`LOOPBACK_VIEWER`, who may read every account and act on none.

A login trades a token for a session: a random id in an HttpOnly,
SameSite=Strict cookie, and a CSRF token the page sends back in a header on
every action. Neither the token nor the session id ever appears in a page or
a URL, and only the session id's hash is kept in memory.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from fillgate.domain.enums import HaltScope
from fillgate.domain.values import Clock


class Principal(Protocol):
    """An authenticated caller (the auth room's Principal fits as is)."""

    @property
    def name(self) -> str: ...

    @property
    def is_admin(self) -> bool: ...

    def can_read(self, account: str) -> bool: ...

    def can_trade(self, account: str) -> bool: ...


#: Verify a presented token: the principal it names, or None.
Verify = Callable[[str], "Principal | None"]


@dataclass(frozen=True, slots=True)
class Viewer:
    """A principal that may read every account and do nothing else."""

    name: str
    is_admin: bool = False

    def can_read(self, account: str) -> bool:
        return True

    def can_trade(self, account: str) -> bool:
        return False


LOOPBACK_VIEWER = Viewer("loopback-viewer")


def can_read(who: Principal, account: str) -> bool:
    return who.can_read(account) or who.can_trade(account) or who.is_admin


def can_trade(who: Principal, account: str) -> bool:
    return who.can_trade(account) or who.is_admin


def can_change_state(who: Principal, scope: HaltScope, target: str) -> bool:
    """Halt and resume, of any scope, are an admin's (as Halt and Resume over gRPC)."""
    return who.is_admin


@dataclass(slots=True)
class Session:
    principal: Principal
    csrf: str
    expires_ns: int

    def csrf_ok(self, presented: str) -> bool:
        return hmac.compare_digest(self.csrf.encode(), presented.encode())


class Sessions:
    """Login sessions in memory (a restart logs everyone out); single writer."""

    def __init__(self, clock: Clock, ttl_s: float, limit: int = 10_000) -> None:
        self._clock = clock
        self._ttl_ns = int(ttl_s * 1e9)
        self._limit = limit
        self._by_hash: dict[str, Session] = {}

    @staticmethod
    def _key(session_id: str) -> str:
        return hashlib.sha256(session_id.encode()).hexdigest()

    def open(self, principal: Principal) -> tuple[str, Session]:
        """Start a session; return its id (for the cookie only) and the session."""
        now = self._clock.now_ns()
        if len(self._by_hash) >= self._limit:
            self._by_hash = {k: s for k, s in self._by_hash.items() if s.expires_ns > now}
            if len(self._by_hash) >= self._limit:  # still full: the oldest goes
                oldest = min(self._by_hash, key=lambda k: self._by_hash[k].expires_ns)
                del self._by_hash[oldest]
        session_id = secrets.token_urlsafe(32)
        session = Session(principal, secrets.token_urlsafe(32), now + self._ttl_ns)
        self._by_hash[self._key(session_id)] = session
        return session_id, session

    def get(self, session_id: str) -> Session | None:
        key = self._key(session_id)
        session = self._by_hash.get(key)
        if session is not None and session.expires_ns <= self._clock.now_ns():
            del self._by_hash[key]
            return None
        return session

    def close(self, session_id: str) -> None:
        self._by_hash.pop(self._key(session_id), None)


class LoginThrottle:
    """Refuse logins from an address after ``limit`` failures within ``window_s``.

    Tokens are long random secrets, so this is not what keeps them safe; it
    keeps a guessing loop from burning the event loop's time.
    """

    def __init__(self, clock: Clock, limit: int = 5, window_s: float = 60.0) -> None:
        self._clock = clock
        self._limit = limit
        self._window_ns = int(window_s * 1e9)
        self._failures: dict[str, list[int]] = {}

    def blocked(self, remote: str) -> bool:
        now = self._clock.now_ns()
        recent = [t for t in self._failures.get(remote, ()) if t > now - self._window_ns]
        if recent:
            self._failures[remote] = recent
        else:
            self._failures.pop(remote, None)
        return len(recent) >= self._limit

    def failed(self, remote: str) -> None:
        if len(self._failures) > 10_000:  # bounded: forget everyone rather than grow
            self._failures.clear()
        self._failures.setdefault(remote, []).append(self._clock.now_ns())
