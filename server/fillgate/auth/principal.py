"""Who is calling, and what they may do: a principal and its scopes.

Scopes (``api/authorization.py`` says which one each RPC needs):

==================  ==================================================================
scope               grants
==================  ==================================================================
``read:<account>``  see the account's orders, fills, positions, risk and history
``trade:<account>`` submit, cancel and replace the account's orders (and read it)
``admin``           everything: halt/resume of any scope, reference prices, tokens
``audit``           read every account (``read:*``) and its history; no trading
==================  ==================================================================

``<account>`` may be ``*``: every account. A principal bound to a strategy
(``strategy_id``) stamps it on its orders and may not submit for another.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

ADMIN = "admin"
AUDIT = "audit"
WILDCARD = "*"
READ = "read"
TRADE = "trade"

#: A scope as written in a token file or config: admin, audit, read:<account>, trade:<account>.
SCOPE_PATTERN = re.compile(r"^(admin|audit|(read|trade):(\*|[A-Za-z0-9][A-Za-z0-9._-]{0,63}))$")


class ScopeError(ValueError):
    """A scope string is not one of the forms in the module docstring."""


def check_scope(scope: str) -> str:
    """Return ``scope`` if it is well formed, else raise :class:`ScopeError`."""
    if not SCOPE_PATTERN.match(scope):
        raise ScopeError(
            f"{scope!r} is not a scope (admin, audit, read:<account>, trade:<account>, "
            "<account> may be *)"
        )
    return scope


@dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated caller: a name for the journal, scopes, an optional strategy binding."""

    #: Recorded with every command it sends ("auth.by" in the journal).
    name: str
    scopes: frozenset[str]
    #: When set, the principal's orders carry this strategy_id and no other.
    strategy_id: str = ""

    @property
    def is_admin(self) -> bool:
        return ADMIN in self.scopes

    def can_read(self, account: str) -> bool:
        """Whether the principal may see ``account``."""
        s = self.scopes
        return (
            ADMIN in s
            or AUDIT in s
            or f"read:{account}" in s
            or f"trade:{account}" in s
            or "read:*" in s
            or "trade:*" in s
        )

    def can_trade(self, account: str) -> bool:
        """Whether the principal may submit, cancel and replace orders of ``account``."""
        s = self.scopes
        return ADMIN in s or f"trade:{account}" in s or "trade:*" in s

    def reads_everything(self) -> bool:
        return self.can_read(WILDCARD)

    def readable(self, accounts: Iterable[str]) -> list[str]:
        """The accounts of ``accounts`` the principal may read, in order."""
        return [a for a in accounts if self.can_read(a)]


#: The caller when authentication is off (loopback only): may do everything, as before.
ANONYMOUS = Principal("anonymous", frozenset({ADMIN}))
