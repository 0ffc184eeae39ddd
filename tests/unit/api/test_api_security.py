"""Safe defaults: loopback without auth, nothing else without TLS and auth unless insecure."""

from __future__ import annotations

import grpc
import pytest

from fillgate.api.authorization import no_rule
from fillgate.api.guard import Guard
from fillgate.api.security import check_exposure, is_loopback
from fillgate.auth.settings import AuthSettings
from fillgate.domain.errors import FailedPrecondition

SECURE = AuthSettings(mode="token", tls_cert="s.pem", tls_key="s.key")


@pytest.mark.parametrize(
    ("listen", "loopback"),
    [
        ("127.0.0.1:1", True),
        ("127.0.0.2:1", True),
        ("[::1]:1", True),
        ("localhost:1", True),
        ("0.0.0.0:1", False),
        ("[::]:1", False),
        (":1", False),
        ("10.1.2.3:1", False),
        ("example.com:1", False),
    ],
)
def test_is_loopback(listen: str, loopback: bool) -> None:
    assert is_loopback(listen) is loopback


@pytest.mark.parametrize(
    "settings",
    [AuthSettings(), AuthSettings(mode="token"), AuthSettings(tls_cert="c", tls_key="k")],
)
def test_check_exposure_non_loopback_without_tls_and_auth_refused(settings: AuthSettings) -> None:
    with pytest.raises(FailedPrecondition) as refused:
        check_exposure("0.0.0.0:6000", settings, insecure=False)
    assert refused.value.reason == "INSECURE_LISTENER"


def test_check_exposure_non_loopback_with_tls_and_auth_allowed() -> None:
    check_exposure("0.0.0.0:6000", SECURE, insecure=False)


def test_check_exposure_insecure_allowed_with_critical_warning(log_events) -> None:  # type: ignore[no-untyped-def]
    check_exposure("0.0.0.0:6000", AuthSettings(), insecure=True)
    assert log_events("insecure_listener")


def test_check_exposure_loopback_without_auth_says_so(log_events) -> None:  # type: ignore[no-untyped-def]
    check_exposure("127.0.0.1:50051", AuthSettings(), insecure=False)
    assert log_events("auth_off")


async def test_guard_rpc_without_rule_refused_even_with_auth_off() -> None:
    async def behavior(request: object, context: object) -> str:
        return "ran"

    class Context:
        def __init__(self) -> None:
            self.code = None

        def set_code(self, code: object) -> None:
            self.code = code

        def set_details(self, details: object) -> None:
            pass

        def set_trailing_metadata(self, trailers: object) -> None:
            pass

    handler = grpc.unary_unary_rpc_method_handler(behavior)
    wrapped = Guard(None, None).wrap("/fillgate.v1.NewService/Unruled", handler)  # type: ignore[arg-type]
    context = Context()
    assert await wrapped.unary_unary(object(), context) is None
    assert context.code == grpc.StatusCode.PERMISSION_DENIED
    assert no_rule("/x/Y").reason == "NO_AUTHORIZATION_RULE"
