from __future__ import annotations

from fillgate.console.auth import (
    LOOPBACK_VIEWER,
    LoginThrottle,
    Sessions,
    can_change_state,
    can_read,
)
from fillgate.console.settings import is_loopback, split_listen
from fillgate.domain.enums import HaltScope
from fillgate.domain.values import ManualClock


class _P:
    name = "t"

    def __init__(self, *scopes: str) -> None:
        self.scopes = set(scopes)

    @property
    def is_admin(self) -> bool:
        return "admin" in self.scopes

    def can_read(self, account: str) -> bool:
        return f"read:{account}" in self.scopes

    def can_trade(self, account: str) -> bool:
        return f"trade:{account}" in self.scopes


def test_session_after_ttl_is_gone() -> None:
    clock = ManualClock()
    sessions = Sessions(clock, ttl_s=10)
    sid, _ = sessions.open(_P())
    clock.advance(9_000_000_000)
    assert sessions.get(sid) is not None
    clock.advance(2_000_000_000)
    assert sessions.get(sid) is None


def test_session_csrf_wrong_token_is_rejected() -> None:
    sessions = Sessions(ManualClock(), ttl_s=10)
    sid, session = sessions.open(_P())
    assert session.csrf_ok(session.csrf)
    assert not session.csrf_ok("")
    assert not session.csrf_ok(sid)  # the cookie is not the CSRF token


def test_sessions_at_limit_drop_the_oldest() -> None:
    clock = ManualClock()
    sessions = Sessions(clock, ttl_s=100, limit=2)
    first, _ = sessions.open(_P())
    clock.advance(1)
    second, _ = sessions.open(_P())
    third, _ = sessions.open(_P())
    assert sessions.get(first) is None
    assert sessions.get(second) is not None and sessions.get(third) is not None


def test_loopback_viewer_reads_but_cannot_change_state() -> None:
    assert can_read(LOOPBACK_VIEWER, "paper")
    assert not can_change_state(LOOPBACK_VIEWER, HaltScope.ACCOUNT, "paper")


def test_trader_cannot_halt_even_own_account_admin_can() -> None:
    trader = _P("trade:alpha")
    assert can_read(trader, "alpha") and not can_read(trader, "paper")
    assert not can_change_state(
        trader, HaltScope.ACCOUNT, "alpha"
    )  # Halt needs admin over gRPC too
    assert can_change_state(_P("admin"), HaltScope.ALL, "")


def test_listen_without_port_is_refused() -> None:
    assert split_listen("[::1]:8080") == ("::1", 8080)
    assert is_loopback("::1") and is_loopback("localhost") and not is_loopback("0.0.0.0")
    for bad in ("8080", "host:", "host:99999"):
        try:
            split_listen(bad)
        except ValueError:
            continue
        raise AssertionError(bad)


def test_login_throttle_after_failures_blocks_until_window_passes() -> None:
    clock = ManualClock()
    throttle = LoginThrottle(clock, limit=2, window_s=60)
    throttle.failed("1.2.3.4")
    assert not throttle.blocked("1.2.3.4")
    throttle.failed("1.2.3.4")
    assert throttle.blocked("1.2.3.4")
    assert not throttle.blocked("5.6.7.8")
    clock.advance(61_000_000_000)
    assert not throttle.blocked("1.2.3.4")
