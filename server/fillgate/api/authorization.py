"""Authorization: ONE table from RPC to the scope it needs, checked in one place.

Every RPC the server registers is looked up in :data:`RULES` once, when its
handler is registered (``api/guard.py``); an RPC without a line is refused
(``PERMISSION_DENIED``, reason ``NO_AUTHORIZATION_RULE``) and
``tests/integration/test_authorization_matrix.py`` walks every service
descriptor of the generated code, so a new RPC without a rule fails the suite.

Adding an RPC: add ONE line below, keyed by ``/package.Service/Method``:

- ``trade("account")``: the request's ``account`` field names the account traded;
- ``trade(ORDER)`` / ``read(ORDER)``: the request's ``order`` (an OrderRef) names it;
- ``read("account")`` / ``read("accounts[]")``: the account (or list) read; empty
  means "every account the caller may read" and the handler filters with
  :func:`readable_accounts`;
- ``Rule(ADMIN)``, ``Rule(AUDIT)``, ``Rule(AUTHENTICATED)`` (any valid caller),
  ``Rule(OPEN)`` (no credentials: health and reflection only).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from fillgate.auth.principal import ADMIN as ADMIN_SCOPE
from fillgate.auth.principal import ANONYMOUS, Principal
from fillgate.auth.principal import AUDIT as AUDIT_SCOPE
from fillgate.domain.errors import PermissionDenied
from fillgate.domain.orders import Order

OPEN = "open"
AUTHENTICATED = "authenticated"
ADMIN = ADMIN_SCOPE
AUDIT = AUDIT_SCOPE
READ = "read"
TRADE = "trade"
#: The request field that is an OrderRef.
ORDER = "order"
#: The request field that is an order list's id (the list's account is its entry's).
LIST = "list_id"


@dataclass(frozen=True, slots=True)
class Rule:
    """What a caller needs: a kind, and for read/trade the request field naming the account."""

    need: str
    field: str = ""

    @property
    def many(self) -> bool:
        return self.field.endswith("[]")


def read(field: str) -> Rule:
    return Rule(READ, field)


def trade(field: str) -> Rule:
    return Rule(TRADE, field)


_EXEC = "/fillgate.v1.ExecutionService/"
_ADMIN = "/fillgate.v1.AdminService/"
_CT = "/fillgate.v1.ContingentService/"

# fmt: off
RULES: dict[str, Rule] = {
    _EXEC + "SubmitOrder": trade("account"),
    _EXEC + "CancelOrder": trade(ORDER),
    _EXEC + "ReplaceOrder": trade(ORDER),
    _EXEC + "GetOrder": read(ORDER),
    _EXEC + "ListOrders": read("account"),
    _EXEC + "StreamFills": read("accounts[]"),
    _EXEC + "GetPositions": read("accounts[]"),
    _EXEC + "Halt": Rule(ADMIN),
    _EXEC + "Resume": Rule(ADMIN),
    _EXEC + "GetTradingState": Rule(AUTHENTICATED),
    _ADMIN + "SetReferencePrice": Rule(ADMIN),
    _ADMIN + "ListSymbols": Rule(AUTHENTICATED),
    _ADMIN + "Ping": Rule(AUTHENTICATED),
    "/fillgate.v1.AuditService/ListExecutions": read("account"),
    "/fillgate.v1.RiskService/GetRiskState": read("accounts[]"),
    "/fillgate.v1.ReportService/ExecutionQuality": read("account"),
    "/fillgate.v1.ReportService/DailyReport": read("account"),
    "/fillgate.v1.ReportService/ListDenials": read("account"),
    _CT + "SubmitBracket": trade("account"),
    _CT + "SubmitOrderList": trade("account"),
    # A list id names no account: the handler checks the list's account is readable.
    _CT + "GetOrderList": Rule(AUTHENTICATED),
    _CT + "CancelOrderList": trade(LIST),
    # Market hours are the same for every caller: no account is read.
    "/fillgate.v1.SessionService/GetMarketStatus": Rule(AUTHENTICATED),
    "/fillgate.v1.MarketDataService/GetQuotes": Rule(AUTHENTICATED),
    "/fillgate.v1.MarketDataService/GetAccounts": read("accounts[]"),
    # Open: load balancers and orchestrators probe health without credentials; reflection
    # shows only the public contract (turn it off with [auth] reflection = false).
    "/grpc.health.v1.Health/Check": Rule(OPEN),
    "/grpc.health.v1.Health/Watch": Rule(OPEN),
    "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo": Rule(OPEN),
}
# fmt: on


#: The caller of the call being handled; set by the guard before a handler runs.
#: Without authentication (loopback only) nothing is set and every caller is ANONYMOUS.
_principal: ContextVar[Principal] = ContextVar("fillgate_principal", default=ANONYMOUS)


def current() -> Principal:
    """The principal of the call being handled."""
    return _principal.get()


def who() -> str:
    """The name to record as "auth.by": the principal's, "" when authentication is off."""
    principal = _principal.get()
    return "" if principal is ANONYMOUS else principal.name


def bind(principal: Principal) -> None:
    """Make ``principal`` the caller for the rest of this call (the guard does this)."""
    _principal.set(principal)


def _denied(principal: Principal, scope: str, method: str, why: str) -> PermissionDenied:
    return PermissionDenied(
        "MISSING_SCOPE",
        f"{principal.name} may not call {method.rsplit('/', 1)[-1]}: {why} (needs {scope})",
        {"scope": scope, "principal": principal.name, "method": method},
    )


def no_rule(method: str) -> PermissionDenied:
    return PermissionDenied(
        "NO_AUTHORIZATION_RULE",
        f"{method} has no authorization rule: refused",
        {"method": method},
    )


#: The order an OrderRef message names, or None (unknown, or names none).
FindOrder = Callable[[Any], "Order | None"]


class Authorizer:
    """Check a principal against a rule, for one request (see the module docstring)."""

    def __init__(self, find_order: FindOrder) -> None:
        self._find_order = find_order

    def check(self, method: str, rule: Rule, principal: Principal, request: Any) -> None:
        """Return if the call is allowed; raise PermissionDenied naming the scope it needs."""
        need = rule.need
        if need == OPEN or (need == AUTHENTICATED and principal.scopes):
            return
        if need == AUTHENTICATED:
            raise _denied(principal, "any scope", method, "it has no scope")
        if need in (ADMIN, AUDIT):
            if principal.is_admin or need in principal.scopes:
                return
            raise _denied(principal, need, method, f"it lacks {need}")
        allowed = principal.can_trade if need == TRADE else principal.can_read
        for account in self._accounts(rule, request, principal, method):
            if not allowed(account):
                raise _denied(principal, f"{need}:{account}", method, f"not for {account}")

    def _accounts(
        self, rule: Rule, request: Any, principal: Principal, method: str
    ) -> Iterable[str]:
        if rule.field == ORDER:
            return self._order_account(rule, request.order, principal, method)
        if rule.field == LIST:  # a list's id is its entry's order id
            ref = _ListRef(order_id=request.list_id, account=request.account)
            return self._order_account(rule, ref, principal, method)
        if rule.many:
            named = list(getattr(request, rule.field[:-2]))
        else:
            value = getattr(request, rule.field)
            named = [value] if value else []
        if rule.need == TRADE:
            bound = principal.strategy_id
            if bound and request.strategy_id not in ("", bound):
                raise _denied(
                    principal, f"strategy {bound}", method, "it is bound to another strategy"
                )
        elif not named and not principal.scopes:
            raise _denied(principal, "read:<account>", method, "it can read no account")
        return named  # empty: the handler keeps only readable accounts

    def _order_account(
        self, rule: Rule, ref: Any, principal: Principal, method: str
    ) -> Iterable[str]:
        if not ref.order_id and not ref.account:
            return ()  # names no order: the handler answers INVALID_ARGUMENT
        order = self._find_order(ref)
        if order is None:
            # Unknown id (or a client id): a caller who cannot see every account learns
            # nothing about other accounts' order ids.
            return [ref.account] if ref.account else ["*"]
        bound = principal.strategy_id
        if rule.need == TRADE and bound and order.strategy_id != bound:
            raise _denied(principal, f"strategy {bound}", method, "the order is another strategy's")
        return [order.account]


@dataclass(frozen=True, slots=True)
class _ListRef:
    """An OrderRef-shaped name of a list's entry (what ``FindOrder`` reads)."""

    order_id: str
    account: str
    client_order_id: str = ""


def readable_accounts(
    principal: Principal, requested: Collection[str], configured: Iterable[str]
) -> list[str]:
    """The accounts a listing may show: those requested (all when none), that it may read.

    Raises PermissionDenied when that leaves none (an empty filter would mean "all").
    """
    if requested:
        return list(requested)  # each was authorized by the guard
    if principal.reads_everything():
        return []
    mine = principal.readable(configured)
    if not mine:
        raise PermissionDenied(
            "MISSING_SCOPE",
            f"{principal.name} may read no configured account",
            {"scope": "read:<account>", "principal": principal.name},
        )
    return mine
