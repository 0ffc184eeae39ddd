"""The console's aiohttp app: pages, JSON endpoints, the live feed, the controls.

It runs on the server's own event loop, on its own port. Endpoints (all JSON
unless noted; money is decimal strings):

- ``GET  /``                        the page (static HTML/JS/CSS, no build step)
- ``GET  /api/session``             who you are, whether you may act, your CSRF token
- ``POST /api/login``               ``{"token": ...}`` -> session cookie (HttpOnly, SameSite=Strict)
- ``POST /api/logout``
- ``GET  /api/snapshot``            everything the page shows, and the ``head`` sequence
- ``GET  /api/events?after=N``      server-sent events; ids are stream sequence numbers
- ``POST /api/halt``                ``{"scope","target","mode","reason","cancel_open_orders"}``
- ``POST /api/resume``              ``{"scope","target","reason"}``
- ``POST /api/orders/{id}/cancel``
- ``POST /api/accounts/{name}/cancel-all``

Every POST but the login needs the session's CSRF token in ``X-CSRF-Token``;
every POST must be ``application/json`` from the console's own origin.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import orjson
from aiohttp import web

from fillgate.domain.errors import (
    AlreadyExists,
    FailedPrecondition,
    FillgateError,
    InvalidArgument,
    NotFound,
    OutOfRange,
    ResourceExhausted,
    Unavailable,
)
from fillgate.domain.values import Clock
from fillgate.engine.engine import Engine
from fillgate.engine.kill_switch import KillSwitch
from fillgate.engine.reconcile import Reconciler

from . import actions, feed, page
from .auth import LOOPBACK_VIEWER, LoginThrottle, Principal, Sessions, Verify, can_read
from .monitor import Monitor
from .settings import ConsoleConfig, is_loopback, split_listen

log = logging.getLogger("fillgate.console")

STATIC = Path(__file__).parent / "static"
COOKIE = "fillgate_console"
#: The request's principal, set by the guard (None: not logged in).
_WHO: web.RequestKey[Principal | None] = web.RequestKey("who")

#: Domain error -> (HTTP status, the gRPC code name the body carries).
_STATUS: tuple[tuple[type[FillgateError], int, str], ...] = (
    (InvalidArgument, 400, "INVALID_ARGUMENT"),
    (actions.Unauthenticated, 401, "UNAUTHENTICATED"),
    (actions.PermissionDenied, 403, "PERMISSION_DENIED"),
    (NotFound, 404, "NOT_FOUND"),
    (AlreadyExists, 409, "ALREADY_EXISTS"),
    (FailedPrecondition, 409, "FAILED_PRECONDITION"),
    (OutOfRange, 416, "OUT_OF_RANGE"),
    (ResourceExhausted, 429, "RESOURCE_EXHAUSTED"),
    (Unavailable, 503, "UNAVAILABLE"),
)

_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}


def error_body(exc: FillgateError) -> tuple[int, dict[str, Any]]:
    status, code = next(((s, c) for t, s, c in _STATUS if isinstance(exc, t)), (500, "INTERNAL"))
    body: dict[str, Any] = {"code": code, "reason": exc.reason, "message": exc.message}
    if exc.metadata:
        body["metadata"] = exc.metadata
    if isinstance(exc, InvalidArgument):
        body["field_violations"] = [{"field": f, "description": d} for f, d in exc.violations]
    return status, {"error": body}


def _json(data: Any, status: int = 200) -> web.Response:
    return web.Response(
        body=orjson.dumps(data),
        status=status,
        content_type="application/json",
        headers={"Cache-Control": "no-store"},
    )


def _refuse(status: int, code: str, reason: str, message: str) -> web.Response:
    return _json({"error": {"code": code, "reason": reason, "message": message}}, status)


class ConsoleServer:
    """The console on its own port; ``verify`` None makes it read-only (loopback only)."""

    def __init__(
        self,
        settings: ConsoleConfig,
        *,
        engine: Engine,
        kill_switch: KillSwitch,
        clock: Clock,
        verify: Verify | None = None,
        reconciler: Reconciler | None = None,
    ) -> None:
        host, _ = split_listen(settings.listen)
        if verify is None and not is_loopback(host):
            raise ValueError(
                f"console.listen {settings.listen}: without authentication the console "
                "serves loopback only"
            )
        self.settings = settings
        self._engine = engine
        self._kill_switch = kill_switch
        self._verify = verify
        self._reconciler = reconciler
        self.sessions = Sessions(clock, settings.session_ttl_s)
        self._throttle = LoginThrottle(clock)
        self.monitor = Monitor(
            engine, tape_size=settings.tape_size, equity_sample_s=settings.equity_sample_s
        )
        self._runner: web.AppRunner | None = None
        self.port = 0
        self._streams: dict[int, web.Request] = {}
        self._frames = feed.Frames()

    # -- lifecycle ----------------------------------------------------------

    async def start(self) -> int:
        """Open the port; return it."""
        app = web.Application(middlewares=[self._guard], client_max_size=64 * 1024)
        app.add_routes(
            [
                web.get("/", self._index),
                web.static("/static", STATIC, append_version=False),
                web.get("/api/session", self._session),
                web.post("/api/login", self._login),
                web.post("/api/logout", self._logout),
                web.get("/api/snapshot", self._snapshot),
                web.get("/api/events", self._events),
                web.post("/api/halt", self._act(self._halt)),
                web.post("/api/resume", self._act(self._resume)),
                web.post("/api/orders/{order_id}/cancel", self._act(self._cancel)),
                web.post("/api/accounts/{account}/cancel-all", self._act(self._cancel_all)),
            ]
        )
        self.monitor.start()
        self._runner = web.AppRunner(app, handler_cancellation=True, access_log=None)
        await self._runner.setup()
        host, port = split_listen(self.settings.listen)
        site = web.TCPSite(self._runner, host, port, reuse_address=True)
        await site.start()
        server = site._server  # the bound socket tells the port when 0 was asked for
        sockets = getattr(server, "sockets", None) or []
        self.port = sockets[0].getsockname()[1] if sockets else port
        log.info(
            "event=console_listening address=%s:%d auth=%s",
            host,
            self.port,
            "on" if self._verify is not None else "off (read-only)",
        )
        return self.port

    def drop_streams(self) -> None:
        """Close every open event stream's connection (browsers reconnect and resume)."""
        for request in tuple(self._streams.values()):
            if request.transport is not None:
                request.transport.close()

    async def stop(self) -> None:
        self.drop_streams()
        await self.monitor.stop()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # -- who is asking --------------------------------------------------------

    def _principal(self, request: web.Request) -> Principal | None:
        if self._verify is None:
            return LOOPBACK_VIEWER
        session_id = request.cookies.get(COOKIE)
        session = self.sessions.get(session_id) if session_id else None
        return session.principal if session is not None else None

    @web.middleware
    async def _guard(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        """Host and origin checks, the caller's principal, security headers, error bodies."""
        host = request.host.rsplit(":", 1)[0].strip("[]")
        if self._verify is None and not is_loopback(host):  # DNS rebinding onto loopback
            return _refuse(421, "PERMISSION_DENIED", "HOST_NOT_LOOPBACK", "wrong Host header")
        if request.method == "POST":
            refused = self._check_post(request)
            if refused is not None:
                return refused
        request[_WHO] = self._principal(request)
        try:
            response = await handler(request)
        except FillgateError as exc:
            status, body = error_body(exc)
            response = _json(body, status)
        for name, value in _HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    @staticmethod
    def _check_post(request: web.Request) -> web.Response | None:
        origin = request.headers.get("Origin")
        if origin is not None and origin != f"{request.scheme}://{request.host}":
            return _refuse(403, "PERMISSION_DENIED", "CROSS_ORIGIN", "cross-origin request")
        if request.content_type != "application/json":
            return _refuse(415, "INVALID_ARGUMENT", "JSON_REQUIRED", "send application/json")
        return None

    def _reader(self, request: web.Request) -> Principal:
        who: Principal | None = request[_WHO]
        if who is None:
            raise actions.Unauthenticated("UNAUTHENTICATED", "log in with a token first")
        return who

    def _readable(self, who: Principal) -> list[str]:
        return [a for a in sorted(self._engine.universe.accounts) if can_read(who, a)]

    # -- pages and reads ------------------------------------------------------

    async def _index(self, request: web.Request) -> web.StreamResponse:
        return web.FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-store"})

    async def _session(self, request: web.Request) -> web.Response:
        who: Principal | None = request[_WHO]
        csrf = ""
        if self._verify is not None and who is not None:
            session = self.sessions.get(request.cookies.get(COOKIE, ""))
            csrf = session.csrf if session is not None else ""
        return _json(
            {
                "auth": self._verify is not None,
                "authenticated": who is not None,
                "name": who.name if who is not None else "",
                "accounts": self._readable(who) if who is not None else [],
                "csrf": csrf,
            }
        )

    async def _login(self, request: web.Request) -> web.Response:
        if self._verify is None:
            return _refuse(
                404,
                "NOT_FOUND",
                "AUTH_NOT_CONFIGURED",
                "authentication is not configured: the console is read-only",
            )
        remote = request.remote or ""
        if self._throttle.blocked(remote):
            return _refuse(
                429, "RESOURCE_EXHAUSTED", "TOO_MANY_LOGIN_FAILURES", "too many failed logins; wait"
            )
        body = await _body(request)
        token = body.get("token")
        if not isinstance(token, str) or not token:
            raise InvalidArgument([("token", "is required")])
        who = self._verify(token)
        if who is None:
            self._throttle.failed(remote)
            log.warning("event=console_login_refused remote=%s", remote)
            return _refuse(401, "UNAUTHENTICATED", "TOKEN_INVALID", "the token is not valid")
        session_id, session = self.sessions.open(who)
        log.info("event=console_login principal=%s", who.name)
        response = _json({"name": who.name, "csrf": session.csrf})
        response.set_cookie(
            COOKIE,
            session_id,
            max_age=int(self.settings.session_ttl_s),
            path="/",
            httponly=True,
            samesite="Strict",
            secure=request.secure,
        )
        return response

    async def _logout(self, request: web.Request) -> web.Response:
        session_id = request.cookies.get(COOKIE, "")
        session = self.sessions.get(session_id) if session_id else None
        if session is not None and session.csrf_ok(request.headers.get("X-CSRF-Token", "")):
            self.sessions.close(session_id)
        response = _json({})
        response.del_cookie(COOKIE, path="/")
        return response

    async def _snapshot(self, request: web.Request) -> web.Response:
        who = self._reader(request)
        await self._engine.durable()  # like every answer: show nothing a crash could take back
        return _json(self.snapshot(self._readable(who)))

    def snapshot(self, accounts: list[str]) -> dict[str, Any]:
        """Everything the page shows for ``accounts``, consistent (nothing awaits)."""
        return page.snapshot(self._engine, self.monitor, accounts, self._reconciler)

    async def _events(self, request: web.Request) -> web.StreamResponse:
        who = self._reader(request)
        readable = self._readable(who)
        if not readable:
            raise actions.PermissionDenied("PERMISSION_DENIED", f"{who.name} may read no account")
        every = len(readable) == len(self._engine.universe.accounts)
        self._streams[id(request)] = request
        try:
            return await feed.stream(
                request,
                self._engine,
                frozenset() if every else frozenset(readable),
                self.settings.heartbeat_s,
                self._frames,
            )
        finally:
            self._streams.pop(id(request), None)

    # -- controls -------------------------------------------------------------

    def _act(
        self, action: Callable[[web.Request, Principal], Awaitable[dict[str, Any]]]
    ) -> Callable[[web.Request], Awaitable[web.Response]]:
        """Wrap a control: a session with a valid CSRF token, then the action."""

        async def handler(request: web.Request) -> web.Response:
            if self._verify is None:
                return _refuse(
                    403,
                    "PERMISSION_DENIED",
                    "CONSOLE_READ_ONLY",
                    "the console is read-only: no authentication is configured",
                )
            session_id = request.cookies.get(COOKIE, "")
            session = self.sessions.get(session_id) if session_id else None
            if session is None:
                return _refuse(401, "UNAUTHENTICATED", "NO_SESSION", "log in with a token first")
            if not session.csrf_ok(request.headers.get("X-CSRF-Token", "")):
                return _refuse(
                    403, "PERMISSION_DENIED", "CSRF_TOKEN_INVALID", "missing or wrong X-CSRF-Token"
                )
            # Shielded: a browser that goes away mid-halt must not leave the halt half done
            # (the server cancels a handler whose client disconnects, which ends idle feeds).
            return _json(await asyncio.shield(action(request, session.principal)))

        return handler

    async def _halt(self, request: web.Request, who: Principal) -> dict[str, Any]:
        return await actions.halt(self._kill_switch, who, await _body(request))

    async def _resume(self, request: web.Request, who: Principal) -> dict[str, Any]:
        return await actions.resume(self._kill_switch, who, await _body(request))

    async def _cancel(self, request: web.Request, who: Principal) -> dict[str, Any]:
        return await actions.cancel(self._engine, who, request.match_info["order_id"])

    async def _cancel_all(self, request: web.Request, who: Principal) -> dict[str, Any]:
        return await actions.cancel_all(self._engine, who, request.match_info["account"])


async def _body(request: web.Request) -> dict[str, Any]:
    try:
        body = orjson.loads(await request.read())
    except orjson.JSONDecodeError:
        raise InvalidArgument([("body", "is not valid JSON")]) from None
    if not isinstance(body, dict):
        raise InvalidArgument([("body", "must be a JSON object")])
    return body
