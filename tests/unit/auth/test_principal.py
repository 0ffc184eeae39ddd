"""Scopes: admin covers everything, trade covers read, audit reads everything, * is any account."""

from __future__ import annotations

import pytest

from fillgate.auth.principal import Principal, ScopeError, check_scope


def p(*scopes: str) -> Principal:
    return Principal("x", frozenset(scopes))


def test_admin_reads_and_trades_any_account() -> None:
    assert p("admin").can_trade("a") and p("admin").can_read("b")


def test_trade_scope_reads_its_account_only() -> None:
    assert p("trade:a").can_read("a") and not p("trade:a").can_read("b")


def test_read_scope_cannot_trade() -> None:
    assert not p("read:a").can_trade("a")


def test_audit_reads_everything_trades_nothing() -> None:
    assert p("audit").reads_everything() and not p("audit").can_trade("a")


def test_wildcard_trade_covers_every_account() -> None:
    assert p("trade:*").can_trade("zz") and p("trade:*").reads_everything()


def test_readable_keeps_only_readable_accounts() -> None:
    assert p("read:b").readable(["a", "b", "c"]) == ["b"]


@pytest.mark.parametrize("scope", ["trade", "read:", "admin:x", "trade:a b", "write:a", ""])
def test_check_scope_malformed_raises(scope: str) -> None:
    with pytest.raises(ScopeError):
        check_scope(scope)
