"""Put ``[auth]`` together: the guard, the token store, TLS credentials, the safe defaults.

Safe defaults (issue 14): with authentication off the server listens on
loopback only; a non-loopback address needs TLS *and* authentication, or the
server refuses to start unless ``serve --insecure`` is given, and then it warns
loudly at every start.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import grpc

from fillgate.api.admission import ProbeAccess
from fillgate.api.authorization import Authorizer, FindOrder
from fillgate.api.guard import Authenticator, FailureLimiter, Guard
from fillgate.auth.settings import AuthSettings
from fillgate.auth.tls import TlsError, server_credentials
from fillgate.auth.tokens import TokenFileError, TokenStore
from fillgate.domain.errors import FailedPrecondition

log = logging.getLogger("fillgate.auth")


def is_loopback(listen: str) -> bool:
    """Whether ``host:port`` binds only the loopback interface."""
    host = listen.rsplit(":", 1)[0].strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # "", a name, 0.0.0.0: every interface or unknown


def check_exposure(listen: str, settings: AuthSettings, insecure: bool) -> None:
    """Refuse a non-loopback listener without TLS and authentication (unless ``insecure``)."""
    if is_loopback(listen):
        if not settings.enabled:
            log.warning(
                "event=auth_off address=%s note='no authentication: listening on loopback only; "
                "configure [auth] before binding another address'",
                listen,
            )
        return
    if settings.enabled and settings.tls:
        return
    if not insecure:
        raise FailedPrecondition(
            "INSECURE_LISTENER",
            f"refusing to listen on {listen} without TLS and authentication: configure "
            "[auth] mode and tls_cert/tls_key, listen on 127.0.0.1, or pass --insecure",
            {"listen": listen},
        )
    for _ in range(3):  # loud on purpose: it is in every start's log
        log.critical(
            "event=insecure_listener address=%s tls=%s auth=%s note='INSECURE: anyone who can "
            "reach this address can trade; started with --insecure'",
            listen,
            settings.tls,
            settings.mode,
        )


@dataclass
class Security:
    """What the app needs from ``[auth]``."""

    settings: AuthSettings
    guard: Guard
    authenticator: Authenticator | None
    tokens: TokenStore | None
    credentials: grpc.ServerCredentials | None

    def probe_access(self) -> ProbeAccess | None:
        """How the admission probe authenticates (None: as anyone, auth is off)."""
        if self.authenticator is None:
            return None
        metadata = (("authorization", f"Bearer {self.authenticator.internal_token}"),)
        local = (
            grpc.local_channel_credentials(grpc.LocalConnectionType.LOCAL_TCP)
            if self.credentials is not None
            else None
        )
        return ProbeAccess(local, metadata)

    def reload_tokens(self) -> None:
        """Re-read the token file (SIGHUP); a bad file keeps the tokens already loaded."""
        if self.tokens is None:
            return
        try:
            count = self.tokens.reload()
        except TokenFileError as exc:
            log.error("event=tokens_reload_failed error=%s", exc)
            return
        log.info("event=tokens_reloaded tokens=%d", count)


def _warn_if_shared(path: Path) -> None:
    """Warn when others than the owner may read the token file (it holds only hashes,
    but whoever can write it administers the server)."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return
    if mode & 0o077:
        log.warning("event=token_file_shared path=%s mode=%o hint='chmod 600'", path, mode & 0o777)


def build_security(
    settings: AuthSettings, find_order: FindOrder, now_ns: Callable[[], int]
) -> Security:
    """Load tokens and certificates for ``settings`` (raises on an unreadable file)."""
    tokens = None
    authenticator = None
    if settings.enabled:
        if settings.mode == "token":
            try:
                tokens = TokenStore.load(Path(settings.token_file))
            except TokenFileError as exc:
                raise FailedPrecondition("TOKEN_FILE_INVALID", str(exc)) from None
            _warn_if_shared(Path(settings.token_file))
            count = len(tokens.records())
            log.log(
                logging.INFO if count else logging.WARNING,
                "event=tokens_loaded path=%s tokens=%d%s",
                settings.token_file,
                count,
                "" if count else " note='no tokens: every call is refused; fillgate token create'",
            )
        authenticator = Authenticator(
            tokens=tokens,
            identities=settings.principals if settings.mode == "mtls" else None,
            now_ns=now_ns,
            limiter=FailureLimiter(settings.max_failures, settings.failure_window_s),
        )
    credentials = None
    if settings.tls:
        try:
            credentials = server_credentials(
                settings.tls_cert, settings.tls_key, settings.tls_client_ca
            )
        except TlsError as exc:
            raise FailedPrecondition("TLS_FILE_UNREADABLE", str(exc)) from None
    return Security(
        settings, Guard(authenticator, Authorizer(find_order)), authenticator, tokens, credentials
    )
