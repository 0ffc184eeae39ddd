"""Every RPC of every generated service x every kind of caller (issue 14).

The RPCs come from the generated code's service descriptors, so a new RPC
without a line in ``api/authorization.RULES`` fails here.
"""

from __future__ import annotations

import importlib
import pkgutil

import grpc
import pytest
import pytest_asyncio
from auth_setup import auth_server, bearer
from google.protobuf import message_factory
from google.protobuf.descriptor import MethodDescriptor
from wire import CHANNEL_OPTIONS, Answer, call

import fillgate.v1
from fillgate.api.authorization import (
    ADMIN,
    AUDIT,
    AUTHENTICATED,
    LIST,
    OPEN,
    ORDER,
    RULES,
    TRADE,
)

DENIED = grpc.StatusCode.PERMISSION_DENIED
UNAUTH = grpc.StatusCode.UNAUTHENTICATED


def generated_methods() -> list[MethodDescriptor]:
    """Every RPC of every service in every generated module of fillgate.v1."""
    found: dict[str, MethodDescriptor] = {}
    for info in pkgutil.iter_modules(fillgate.v1.__path__):
        if not info.name.endswith("_pb2"):
            continue
        module = importlib.import_module(f"fillgate.v1.{info.name}")
        for service in module.DESCRIPTOR.services_by_name.values():
            for m in service.methods:
                found[f"/{service.full_name}/{m.name}"] = m
    return [found[k] for k in sorted(found)]


METHODS = generated_methods()


def rpc_path(m: MethodDescriptor) -> str:
    return f"/{m.containing_service.full_name}/{m.name}"


def test_rules_every_generated_rpc_has_a_rule() -> None:
    missing = [rpc_path(m) for m in METHODS if rpc_path(m) not in RULES]
    assert missing == [], f"add a line to fillgate/api/authorization.py RULES for {missing}"


def request_for(m: MethodDescriptor) -> bytes:
    """A request naming account "alpha" where its rule reads an account field."""
    request = message_factory.GetMessageClass(m.input_type)()
    rule = RULES.get(rpc_path(m))
    if rule is not None and rule.field == ORDER:
        request.order.account = "alpha"
        request.order.client_order_id = "no-such-order"
    elif rule is not None and rule.field == LIST:
        request.account = "alpha"
        request.list_id = "no-such-list"
    elif rule is not None and rule.many:
        getattr(request, rule.field[:-2]).append("alpha")
    elif rule is not None and rule.field:
        setattr(request, rule.field, "alpha")
    return request.SerializeToString()


#: Per rule kind: (right, wrong scope, wrong account) token names (see auth_setup.TOKENS).
CALLERS = {
    TRADE: ("trader", "reader", "paper-trader"),
    "read": ("reader", "paper-trader", "paper-reader"),
    ADMIN: ("admin", "all-trader", "trader"),
    AUDIT: ("auditor", "all-trader", "trader"),
    AUTHENTICATED: ("reader", "paper-reader", "paper-trader"),
}


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def served(tmp_path_factory):  # type: ignore[no-untyped-def]
    running, tokens = await auth_server(tmp_path_factory.mktemp("matrix"))
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{running.port}", options=CHANNEL_OPTIONS)
    try:
        yield channel, tokens, running
    finally:
        await channel.close()
        await running.stop(grace=0.5)


async def send(channel: grpc.aio.Channel, m: MethodDescriptor, token: str | None) -> Answer:
    metadata = bearer(token) if token is not None else None
    return await call(channel, m, request_for(m), timeout=5, metadata=metadata)


IDS = [rpc_path(m).lstrip("/") for m in METHODS]


@pytest.mark.asyncio(loop_scope="module")
@pytest.mark.parametrize("m", METHODS, ids=IDS)
async def test_rpc_anonymous_expired_revoked_unauthenticated(served, m) -> None:  # type: ignore[no-untyped-def]
    channel, tokens, _ = served
    if RULES[rpc_path(m)].need == OPEN:
        pytest.skip("open RPC: no credentials asked")
    for who in (None, tokens["expired"], tokens["revoked"]):
        answer = await send(channel, m, who)
        assert answer.code == UNAUTH, (who and who[:8], answer)
        assert answer.error_info is not None
        assert answer.error_info.reason in ("MISSING_CREDENTIALS", "INVALID_CREDENTIALS")


@pytest.mark.asyncio(loop_scope="module")
@pytest.mark.parametrize("m", METHODS, ids=IDS)
async def test_rpc_wrong_scope_or_account_denied_right_scope_allowed(served, m) -> None:  # type: ignore[no-untyped-def]
    channel, tokens, running = served
    rule = RULES[rpc_path(m)]
    if rule.need == OPEN:
        pytest.skip("open RPC: no credentials asked")
    right, wrong_scope, wrong_account = CALLERS[rule.need]
    orders_before = len(running.parts.engine.open_orders())
    for who in (wrong_scope, wrong_account):
        answer = await send(channel, m, tokens[who])
        if rule.need == AUTHENTICATED:
            assert answer.code not in (UNAUTH, DENIED), (who, answer)
            continue
        assert answer.code == DENIED, (who, answer)
        info = answer.error_info
        assert info is not None and info.reason == "MISSING_SCOPE"
        assert info.metadata["scope"], info
    answer = await send(channel, m, tokens[right])
    assert answer.code not in (UNAUTH, DENIED, grpc.StatusCode.UNKNOWN), answer
    assert len(running.parts.engine.open_orders()) == orders_before
