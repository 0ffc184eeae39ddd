"""``[auth]``: modes, TLS files, principals; bad tables are errors naming the key."""

from __future__ import annotations

import pytest

from fillgate.config import ConfigError, config_from_dict


def auth(**body: object):  # type: ignore[no-untyped-def]
    return config_from_dict({"auth": body}).auth


def test_auth_absent_is_off_with_reflection() -> None:
    settings = config_from_dict({}).auth
    assert not settings.enabled and settings.reflection


def test_auth_mtls_principals_parsed_with_scopes_and_strategy() -> None:
    settings = auth(
        mode="mtls",
        tls_cert="s.pem",
        tls_key="s.key",
        tls_client_ca="ca.pem",
        principals={"spiffe://x/alpha": {"scopes": ["trade:a"], "strategy_id": "alpha"}},
    )
    principal = settings.principals["spiffe://x/alpha"]
    assert principal.can_trade("a") and principal.strategy_id == "alpha"


@pytest.mark.parametrize(
    ("body", "names"),
    [
        ({"mode": "password"}, "auth.mode"),
        ({"mode": "token", "tls_cert": "s.pem"}, "auth.tls_cert"),
        ({"mode": "mtls", "tls_cert": "s.pem", "tls_key": "k"}, "mtls"),
        ({"mode": "token", "tls_client_ca": "ca.pem"}, "auth.tls_client_ca"),
        ({"principals": {"x": {"scopes": ["trade"]}}}, "auth.principals.x.scopes"),
        ({"principals": {"x": {"scopes": []}}}, "auth.principals.x.scopes"),
        ({"max_failures": 0}, "auth.max_failures"),
        ({"secret": "inline"}, "auth"),
    ],
)
def test_auth_bad_table_is_an_error_naming_the_key(body: dict[str, object], names: str) -> None:
    with pytest.raises(ConfigError, match=names.replace(".", r"\.")):
        config_from_dict({"auth": body})
