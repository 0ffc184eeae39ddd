"""The ``[auth]`` section: how callers prove who they are, and TLS.

.. code-block:: toml

    [auth]
    mode = "token"                  # "off" (loopback only), "token" or "mtls"
    token_file = "data/tokens.json" # hashes only; re-read on SIGHUP
    tls_cert = "certs/server.pem"   # server certificate chain (PEM); with tls_key turns TLS on
    tls_key = "certs/server.key"    # its private key (a file: never inline)
    tls_client_ca = "certs/ca.pem"  # mode "mtls": clients must present a certificate it signed
    reflection = true               # serve gRPC reflection (without credentials)

    [auth.principals."spiffe://fillgate/strategy/alpha"]  # mode "mtls": identity -> scopes
    scopes = ["trade:main"]
    strategy_id = "alpha"
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from fillgate.auth.principal import Principal, ScopeError, check_scope

MODES = ("off", "token", "mtls")


class AuthSettingsError(ValueError):
    """``[auth]`` is inconsistent; the message names the key."""


@dataclass(frozen=True, slots=True, kw_only=True)
class AuthSettings:
    """``[auth]``: see the module docstring."""

    mode: str = "off"
    token_file: str = "data/tokens.json"
    tls_cert: str = ""
    tls_key: str = ""
    tls_client_ca: str = ""
    reflection: bool = True
    #: Failed authentications a peer (host) may make per window before it is refused outright.
    max_failures: int = 10
    failure_window_s: float = 10.0
    #: mTLS identity (URI SAN, else CN) -> its principal.
    principals: Mapping[str, Principal] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def enabled(self) -> bool:
        return self.mode != "off"

    @property
    def tls(self) -> bool:
        return bool(self.tls_cert)


_KEYS = {
    "mode",
    "token_file",
    "tls_cert",
    "tls_key",
    "tls_client_ca",
    "reflection",
    "max_failures",
    "failure_window_s",
    "principals",
}


def _str(where: str, value: Any) -> str:
    if not isinstance(value, str):
        raise AuthSettingsError(f"{where}: must be a string")
    return value


def parse_auth(raw: Mapping[str, Any]) -> AuthSettings:
    """Parse and check ``[auth]`` (a TOML table)."""
    unknown = set(raw) - _KEYS
    if unknown:
        raise AuthSettingsError(f"auth: unknown key(s) {', '.join(sorted(unknown))}")
    mode = _str("auth.mode", raw.get("mode", "off"))
    if mode not in MODES:
        raise AuthSettingsError(f"auth.mode: must be one of {', '.join(MODES)}")
    principals: dict[str, Principal] = {}
    table = raw.get("principals", {})
    if not isinstance(table, Mapping):
        raise AuthSettingsError("auth.principals: must be a table")
    for identity, body in table.items():
        where = f"auth.principals.{identity}"
        if not isinstance(body, Mapping) or set(body) - {"scopes", "strategy_id"}:
            raise AuthSettingsError(f"{where}: only scopes and strategy_id")
        scopes = body.get("scopes", [])
        if not isinstance(scopes, list) or not scopes:
            raise AuthSettingsError(f"{where}.scopes: a non-empty list")
        try:
            checked = frozenset(check_scope(_str(f"{where}.scopes", s)) for s in scopes)
        except ScopeError as exc:
            raise AuthSettingsError(f"{where}.scopes: {exc}") from None
        strategy = _str(f"{where}.strategy_id", body.get("strategy_id", ""))
        principals[identity] = Principal(identity, checked, strategy)
    reflection = raw.get("reflection", True)
    if not isinstance(reflection, bool):
        raise AuthSettingsError("auth.reflection: must be true or false")
    max_failures = raw.get("max_failures", 10)
    window = raw.get("failure_window_s", 10.0)
    if not isinstance(max_failures, int) or max_failures < 1:
        raise AuthSettingsError("auth.max_failures: an integer >= 1")
    if not isinstance(window, int | float) or window <= 0:
        raise AuthSettingsError("auth.failure_window_s: a number > 0")
    settings = AuthSettings(
        mode=mode,
        token_file=_str("auth.token_file", raw.get("token_file", "data/tokens.json")),
        tls_cert=_str("auth.tls_cert", raw.get("tls_cert", "")),
        tls_key=_str("auth.tls_key", raw.get("tls_key", "")),
        tls_client_ca=_str("auth.tls_client_ca", raw.get("tls_client_ca", "")),
        reflection=reflection,
        max_failures=max_failures,
        failure_window_s=float(window),
        principals=MappingProxyType(principals),
    )
    if bool(settings.tls_cert) != bool(settings.tls_key):
        raise AuthSettingsError("auth.tls_cert and auth.tls_key: set both or neither")
    if mode == "mtls" and not (settings.tls and settings.tls_client_ca):
        raise AuthSettingsError('auth.mode "mtls" needs tls_cert, tls_key and tls_client_ca')
    if settings.tls_client_ca and mode != "mtls":
        raise AuthSettingsError('auth.tls_client_ca: only with mode = "mtls"')
    return settings
