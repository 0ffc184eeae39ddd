"""Authentication and authorization, put around every handler once, at registration.

This is the "one async server interceptor" of the design, built the way
admission control is (``api/admission.py``): instead of a gRPC interceptor,
whose chain runs on every call and resolves the method each time, the guard
wraps each handler when the server registers it, with that RPC's rule from
``api/authorization.py`` already looked up. Every handler passes through it, so
credentials and scopes are still checked in exactly one place.

Per call: find the caller (a bearer token in the ``authorization`` metadata,
or the mTLS client certificate's identity), refuse with ``UNAUTHENTICATED``
when there is none or it does not verify, check the rule (``PERMISSION_DENIED``
naming the scope needed), then run the handler with the principal bound
(``authorization.current()``). A refusal is answered by setting the status,
not by raising (see ``errors.answer_error``), and touches no state. An open
stream checks its credentials again every :data:`RECHECK_S`, so revoking a
token (and SIGHUP) or its expiry also ends the streams opened with it.

Failed authentications are counted per peer host: past ``max_failures`` in
``window_s`` the host is refused (``RESOURCE_EXHAUSTED``) without looking at its
credentials until the window ends. Failures are logged at most once per
:data:`LOG_INTERVAL_S` with the peer, method and reason, never the credential.
"""

from __future__ import annotations

import hmac
import logging
import secrets
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import Any

import grpc

from fillgate.api.authorization import RULES, Authorizer, Rule, bind, no_rule
from fillgate.api.edge import LogThrottle
from fillgate.api.errors import Refused, abort, answer_error
from fillgate.auth.principal import Principal
from fillgate.auth.tls import identity_of
from fillgate.auth.tokens import TokenStore
from fillgate.domain.errors import FillgateError, ResourceExhausted, Unauthenticated

log = logging.getLogger("fillgate.auth")

LOG_INTERVAL_S = 10.0
_MAX_PEERS = 10_000
_BEARER = "bearer "

#: The internal caller (the admission probe): authenticated, no scope at all.
INTERNAL = Principal("fillgate-internal", frozenset())

Handler = Callable[[Any, Any], Awaitable[Any]]


class FailureLimiter:
    """Count failed authentications per peer host in fixed windows."""

    def __init__(self, max_failures: int, window_s: float) -> None:
        self.max_failures = max_failures
        self.window_s = window_s
        self._peers: dict[str, list[float]] = {}  # host -> [window start, failures]

    def active(self) -> bool:
        """Whether any peer has failed lately (else a call need not look its peer up)."""
        return bool(self._peers)

    def blocked(self, host: str, now: float) -> bool:
        entry = self._peers.get(host)
        if entry is None:
            return False
        if now - entry[0] >= self.window_s:
            del self._peers[host]
            return False
        return entry[1] >= self.max_failures

    def failed(self, host: str, now: float) -> None:
        entry = self._peers.get(host)
        if entry is None or now - entry[0] >= self.window_s:
            if len(self._peers) >= _MAX_PEERS:
                self._peers.clear()  # bounded: a flood of hosts cannot grow it
            self._peers[host] = [now, 1]
        else:
            entry[1] += 1


def peer_host(context: Any) -> str:
    """The caller's host ("ipv4:127.0.0.1" of "ipv4:127.0.0.1:5555"), without the port."""
    peer = str(context.peer() or "")
    return peer.rsplit(":", 1)[0] if peer.count(":") > 1 else peer


_MISSING = Unauthenticated(
    "MISSING_CREDENTIALS", "this server needs credentials: a bearer token in 'authorization'"
)
_INVALID = Unauthenticated("INVALID_CREDENTIALS", "the credentials are invalid, expired or revoked")
_EXPIRED = Unauthenticated(
    "CREDENTIALS_NO_LONGER_VALID",
    "the credentials this stream was opened with expired or were revoked",
)
#: How often an open stream checks that its credentials are still valid.
RECHECK_S = 1.0


class Authenticator:
    """Turn a call's credentials into a principal (tokens, or mTLS identities)."""

    def __init__(
        self,
        *,
        tokens: TokenStore | None,
        identities: Mapping[str, Principal] | None,
        now_ns: Callable[[], int],
        limiter: FailureLimiter,
    ) -> None:
        self.tokens = tokens
        self.identities = identities
        self._now_ns = now_ns
        self.limiter = limiter
        #: A token only this process knows, for its own probe (see api/admission.py).
        self.internal_token = "fgi_" + secrets.token_urlsafe(32)
        self._internal = self.internal_token.encode()
        self._throttle = LogThrottle(LOG_INTERVAL_S)
        self.failures = 0
        self._refused = ResourceExhausted(
            "AUTH_RATE_LIMITED",
            f"too many failed authentications from this host; retry in {limiter.window_s:g} s",
            {"window_s": f"{limiter.window_s:g}"},
        )

    def authenticate(self, context: Any, method: str) -> Principal | FillgateError:
        """The caller's principal, or the error to answer (never raises)."""
        limiter = self.limiter
        if limiter.active() and limiter.blocked(peer_host(context), time.monotonic()):
            return self._refused
        principal, reason = self._identify(context)
        if principal is not None:
            return principal
        self.failures += 1
        host = peer_host(context)
        limiter.failed(host, time.monotonic())
        if self._throttle.allow():
            log.warning(
                "event=auth_failed peer=%s method=%s reason=%s suppressed=%d",
                host,
                method,
                reason,
                self._throttle.suppressed,
            )
            self._throttle.suppressed = 0
        return _MISSING if reason in ("missing", "no_certificate") else _INVALID

    def recheck(self, context: Any) -> str | None:
        """None while the call's credentials still verify, else why not (for open streams)."""
        principal, reason = self._identify(context)
        return None if principal is not None else reason or "invalid"

    def _identify(self, context: Any) -> tuple[Principal | None, str]:
        presented = None
        for item in context.invocation_metadata() or ():
            if item[0] == "authorization":
                presented = item[1]
                break
        if presented is not None and not isinstance(presented, str):
            return None, "malformed"
        if presented is not None and presented.startswith("Bearer fgi_"):
            ok = hmac.compare_digest(presented[7:].encode("utf-8", "replace"), self._internal)
            return (INTERNAL, "") if ok else (None, "unknown")
        if self.identities is not None:
            return self._certificate(context)
        if presented is None:
            return None, "missing"
        if presented[:7].lower() != _BEARER:
            return None, "malformed"
        assert self.tokens is not None
        return self.tokens.check(presented[7:].strip(), self._now_ns())

    def _certificate(self, context: Any) -> tuple[Principal | None, str]:
        assert self.identities is not None
        pems = context.auth_context().get("x509_pem_cert")
        if not pems:
            return None, "no_certificate"
        identity = identity_of(pems[0])
        if identity is None:
            return None, "no_identity"
        # A certificate the CA signed but config does not name may call only open RPCs.
        return self.identities.get(identity) or Principal(identity, frozenset()), ""


class Guard:
    """Wrap handlers with authentication and their rule's authorization (module docstring)."""

    def __init__(self, authenticator: Authenticator | None, authorizer: Authorizer) -> None:
        self.authenticator = authenticator
        self.authorizer = authorizer

    def wrap(self, method: str, handler: grpc.RpcMethodHandler) -> grpc.RpcMethodHandler:
        """Put the guard around ``method``'s handler; an RPC with no rule is always refused."""
        rule = RULES.get(method)
        if rule is None:
            return _refusing(handler, no_rule(method))
        if self.authenticator is None or rule.need == "open":
            return handler  # auth off: ANONYMOUS; open: no credentials asked
        if handler.unary_unary is not None:
            return handler._replace(unary_unary=self._unary(method, rule, handler.unary_unary))
        if handler.unary_stream is not None:
            return handler._replace(unary_stream=self._stream(method, rule, handler.unary_stream))
        return _refusing(handler, no_rule(method))  # client streams: none are served

    def _admit(self, method: str, rule: Rule, request: Any, context: Any) -> FillgateError | None:
        assert self.authenticator is not None
        principal = self.authenticator.authenticate(context, method)
        if not isinstance(principal, Principal):
            return principal
        if type(request) is not Refused:  # a refused body is answered INVALID_ARGUMENT
            try:
                self.authorizer.check(method, rule, principal, request)
            except FillgateError as exc:
                exc.__traceback__ = None
                return exc
        bind(principal)
        return None

    def _unary(self, method: str, rule: Rule, behavior: Handler) -> Handler:
        admit = self._admit

        async def guarded(request: Any, context: Any) -> Any:
            error = admit(method, rule, request, context)
            if error is not None:
                answer_error(context, error)
                return None
            return await behavior(request, context)

        return guarded

    def _stream(
        self, method: str, rule: Rule, behavior: Callable[[Any, Any], AsyncIterator[Any]]
    ) -> Callable[[Any, Any], AsyncIterator[Any]]:
        admit = self._admit

        authenticator = self.authenticator
        assert authenticator is not None

        async def guarded(request: Any, context: Any) -> AsyncIterator[Any]:
            error = admit(method, rule, request, context)
            if error is not None:
                await abort(context, error)
            # A stream outlives its credentials' check: look again every RECHECK_S (a
            # stream carries a heartbeat at least every hour, by default every 5 s), so a
            # token revoked (and reloaded) or expired ends the streams opened with it.
            due = time.monotonic() + RECHECK_S
            async for item in behavior(request, context):
                if time.monotonic() >= due:
                    if authenticator.recheck(context) is not None:
                        await abort(context, _EXPIRED)
                    due = time.monotonic() + RECHECK_S
                yield item

        return guarded


def _refusing(handler: grpc.RpcMethodHandler, error: FillgateError) -> grpc.RpcMethodHandler:
    async def unary(request: Any, context: Any) -> Any:
        answer_error(context, error)
        return None

    async def stream(request: Any, context: Any) -> AsyncIterator[Any]:
        await abort(context, error)
        yield None  # pragma: no cover - abort raises

    if handler.unary_unary is not None:
        return handler._replace(unary_unary=unary)
    if handler.unary_stream is not None:
        return handler._replace(unary_stream=stream)
    return handler
