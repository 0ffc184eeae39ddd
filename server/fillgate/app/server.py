"""Components -> a started grpc.aio server: services, wrappers, ports, the parts' start and stop."""

from __future__ import annotations

import asyncio
from typing import Any

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection, reflection_pb2_grpc

from fillgate.api.admission import Admission
from fillgate.api.audit_servicer import AuditServicer
from fillgate.api.commands import order_ref
from fillgate.api.contingent_servicer import ContingentServicer
from fillgate.api.edge import Wrap, add_services
from fillgate.api.errors import Refused
from fillgate.api.library import add_library_service
from fillgate.api.market_data_servicer import MarketDataServicer
from fillgate.api.report_servicer import ReportServicer
from fillgate.api.risk_servicer import RiskServicer
from fillgate.api.security import Security, build_security, check_exposure
from fillgate.api.servicer import AdminServicer, ExecutionServicer
from fillgate.api.session_servicer import SessionServicer
from fillgate.app.assembly import Components, build, open_journal
from fillgate.config import Config
from fillgate.console.auth import Verify
from fillgate.console.server import ConsoleServer
from fillgate.domain.errors import FillgateError
from fillgate.domain.orders import Order
from fillgate.domain.values import Clock
from fillgate.engine.checkpoints import Snapshotter
from fillgate.engine.recovery import rebuild
from fillgate.engine.stop_policy import StopLossPolicy
from fillgate.journal.journal import Journal
from fillgate.metrics.alerts import Alerter
from fillgate.metrics.staleness import StaleQuotes
from fillgate.metrics.wiring import Observability, alert, observe, watch_quotes
from fillgate.v1 import (
    admin_service_pb2,
    audit_service_pb2,
    contingent_service_pb2,
    execution_service_pb2,
    market_data_service_pb2,
    report_service_pb2,
    risk_service_pb2,
    session_service_pb2,
)

SERVICE_NAMES = (
    execution_service_pb2.DESCRIPTOR.services_by_name["ExecutionService"].full_name,
    admin_service_pb2.DESCRIPTOR.services_by_name["AdminService"].full_name,
    risk_service_pb2.DESCRIPTOR.services_by_name["RiskService"].full_name,
    audit_service_pb2.DESCRIPTOR.services_by_name["AuditService"].full_name,
    report_service_pb2.DESCRIPTOR.services_by_name["ReportService"].full_name,
    session_service_pb2.DESCRIPTOR.services_by_name["SessionService"].full_name,
    market_data_service_pb2.DESCRIPTOR.services_by_name["MarketDataService"].full_name,
    contingent_service_pb2.DESCRIPTOR.services_by_name["ContingentService"].full_name,
)


class FillgateServer:
    """A started server: its port, its components, and a graceful stop."""

    def __init__(
        self,
        server: grpc.aio.Server,
        port: int,
        parts: Components,
        health: health.aio.HealthServicer,
        admission: Admission,
        security: Security | None = None,
    ) -> None:
        self.server = server
        self.port = port
        self.parts = parts
        self._health = health
        self.admission = admission
        self.security = security
        #: Takes the journal's snapshots (None without a journal).
        self.snapshotter: Snapshotter | None = None
        #: Metrics and /metrics (None unless ``[metrics] listen`` is set).
        self.observability: Observability | None = None
        #: Operator alerts (None when ``[alerts] enabled`` is false).
        self.alerter: Alerter | None = None
        #: The web console (None unless enabled).
        self.console: ConsoleServer | None = None

    @property
    def address(self) -> str:
        host = self.parts.config.server.listen.rsplit(":", 1)[0]
        return f"{host}:{self.port}"

    async def stop(self, grace: float | None = None) -> None:
        """Stop accepting calls, end streams (clients resume), drain in-flight calls."""
        grace = self.parts.config.server.shutdown_grace_s if grace is None else grace
        await self._health.enter_graceful_shutdown()
        if self.console is not None:
            await self.console.stop()
        await self.admission.stop()  # its probe would only meet a closing server
        if self.observability is not None:
            await self.observability.stop()
        if self.alerter is not None:
            await self.alerter.stop()
        stopping = asyncio.ensure_future(self.server.stop(grace))
        await asyncio.sleep(0)
        self.parts.engine.bus.close()
        await stopping
        if self.parts.feed is not None:
            await self.parts.feed.stop()
        if self.parts.quotes is not None:
            await self.parts.quotes.stop()
        if self.parts.accounts is not None:
            await self.parts.accounts.stop()
        await self.parts.kill_switch.settle()  # a breaker's cancel/flatten in progress
        await self.parts.reconciler.stop()
        await self.parts.venue_sessions.stop()
        await self.parts.closing.stop()
        self.parts.session_events.stop()
        await self.parts.engine.stop()
        if self.snapshotter is not None:
            await self.snapshotter.close()
        if self.parts.engine.journal is not None:
            await self.parts.engine.journal.close()


async def create_server(
    config: Config,
    *,
    listen: str | None = None,
    clock: Clock | None = None,
    insecure: bool = False,
    console_auth: Verify | None = None,
) -> FillgateServer:
    """Build, bind and start a server; ``listen`` overrides the config (port 0 = any free).

    A non-loopback address without TLS and authentication is refused unless
    ``insecure`` (``api/security.py``).

    With ``[console] enabled`` the web console starts too. Its logins are the
    ``[auth]`` bearer tokens (``console_auth`` replaces that verifier, for tests);
    without a verifier the console is read-only and serves loopback only.

    With the journal on, the state is rebuilt before the port opens: from the
    newest usable snapshot and the records after it, or from every record.
    """
    check_exposure(listen or config.server.listen, config.auth, insecure)
    journal = open_journal(config)
    parts = build(config, clock, journal)
    engine = parts.engine

    def find_order(ref: Any) -> Order | None:
        try:
            return engine.resolve(order_ref(ref))
        except FillgateError:
            return None

    security = build_security(config.auth, find_order, parts.clock.now_ns)
    console = (  # built first: it refuses a non-loopback address without auth
        ConsoleServer(
            config.console,
            engine=parts.engine,
            kill_switch=parts.kill_switch,
            clock=parts.clock,
            verify=console_auth or _token_verifier(security, parts.clock),
            reconciler=parts.reconciler,
        )
        if config.console.enabled
        else None
    )
    snapshotter = None
    if journal is not None:
        rebuild(parts.engine, journal, snapshots=config.journal.snapshot_every > 0)
        journal.start()
        snapshotter = Snapshotter(parts.engine, journal, config.journal.snapshot_every)
        snapshotter.start()
    if listen is not None:
        from dataclasses import replace

        parts.config = replace(config, server=replace(config.server, listen=listen))
    admission = Admission(
        max_in_flight_orders=config.server.admission_max_in_flight_orders,
        max_loop_lag_s=config.server.admission_max_loop_lag_ms / 1e3,
        max_queue_delay_s=config.server.admission_max_queue_delay_ms / 1e3,
        retry_after_ms=config.server.admission_retry_after_ms,
    )
    observability, alerter = _observing(parts, journal, admission, security)
    wrap, open_wrap = _wrappers(admission, security, observability)
    server = grpc.aio.server(
        options=[
            ("grpc.so_reuseport", 0),
            ("grpc.keepalive_permit_without_calls", 1),
            ("grpc.http2.min_ping_interval_without_data_ms", 5_000),
        ],
        maximum_concurrent_rpcs=config.server.max_concurrent_rpcs,
    )
    add_services(
        server,
        [
            ExecutionServicer(
                parts.engine,
                parts.kill_switch,
                StopLossPolicy(parts.engine, parts.brackets, parts.config.contingent).submit,
            ),
            AdminServicer(parts.engine),
            AuditServicer(parts.engine),
            RiskServicer(parts.engine),
            ReportServicer(parts.engine),
            SessionServicer(parts.engine, parts.sessions),
            MarketDataServicer(
                parts.engine, config.marketdata.max_quote_age_s, config.marketdata.equity_drift_pct
            ),
            ContingentServicer(parts.engine, parts.brackets),
        ],
        wrap=wrap,
    )
    health_servicer = health.aio.HealthServicer()
    add_library_service(
        server,
        lambda s: health_pb2_grpc.add_HealthServicer_to_server(health_servicer, s),
        open_wrap,
    )
    if config.auth.reflection:
        names = (*SERVICE_NAMES, health.SERVICE_NAME, reflection.SERVICE_NAME)
        add_library_service(
            server,
            lambda s: reflection_pb2_grpc.add_ServerReflectionServicer_to_server(
                reflection.aio.ReflectionServicer(names), s
            ),
            security.guard.wrap,
        )
    port, probe_target = _bind(server, parts.config.server.listen, security)
    await _start_parts(parts)
    await server.start()
    if observability is not None:
        await observability.start()
    if alerter is not None:
        alerter.start(parts.engine.adapters(), _stale_quotes(parts, alerter))
    admission.start(probe_target, security.probe_access())
    for name in ("", *SERVICE_NAMES):
        await health_servicer.set(name, health_pb2.HealthCheckResponse.SERVING)
    running = FillgateServer(server, port, parts, health_servicer, admission, security)
    running.snapshotter = snapshotter
    running.observability = observability
    running.alerter = alerter
    if console is not None:
        running.console = console
        await console.start()
    return running


def _bind(server: grpc.aio.Server, address: str, security: Security) -> tuple[int, str]:
    """Open the listening port; return it and the address the admission probe calls."""
    if security.credentials is None:
        port = server.add_insecure_port(address)
    else:
        port = server.add_secure_port(address, security.credentials)
    if port == 0:
        raise OSError(f"cannot listen on {address}")
    probe_target = _local_target(address, port)
    if security.credentials is not None:
        # The admission probe cannot present a client certificate: it reaches the server
        # on a second, loopback-only port with local credentials (and the internal token).
        local = server.add_secure_port(
            "127.0.0.1:0", grpc.local_server_credentials(grpc.LocalConnectionType.LOCAL_TCP)
        )
        probe_target = f"127.0.0.1:{local}"
    return port, probe_target


async def _start_parts(parts: Components) -> None:
    """Start the engine and what runs beside it: reconciliation, sessions, market data."""
    await parts.engine.start()
    await parts.reconciler.start()
    await parts.venue_sessions.start()
    parts.closing.start()
    parts.session_events.start()
    for task in (parts.feed, parts.quotes, parts.accounts):
        if task is not None:
            task.start()


def _observing(
    parts: Components, journal: Journal | None, admission: Admission, security: Security
) -> tuple[Observability | None, Alerter | None]:
    """Metrics (when ``[metrics] listen`` is set) and alerts, hooked into the components."""
    config = parts.config
    observability = None
    if config.metrics.listen:
        observability = observe(parts.engine, journal, admission, config.metrics.listen, Refused)
    alerter = alert(config.alerts, parts.engine, journal, parts.clock, observability)
    if alerter is not None and security.authenticator is not None:
        security.authenticator.on_failure = alerter.auth_failure
    if alerter is not None:
        parts.brackets.on_close_given_up = alerter.protection_failed
    return observability, alerter


def _stale_quotes(parts: Components, alerter: Alerter) -> StaleQuotes:
    """The data-stale watch: the symbols the price feed or a venue's quotes keep live."""
    live = parts.quotes.watched() if parts.quotes is not None else set()
    if parts.feed is not None:
        live |= {q.symbol for q in parts.feed.quotes}
    sessions = parts.sessions
    return watch_quotes(
        parts.config.alerts,
        parts.engine,
        alerter,
        live,
        lambda symbol, now_ns: sessions.status(symbol, now_ns).is_open,
    )


def _wrappers(
    admission: Admission, security: Security, observability: Observability | None
) -> tuple[Wrap, Wrap]:
    """What goes around each handler at registration: ours, and the open health checks."""
    guard = security.guard

    def guarded(path: str, handler: grpc.RpcMethodHandler) -> grpc.RpcMethodHandler:
        return admission.wrap(path, guard.wrap(path, handler))

    wrap: Wrap = guarded
    open_wrap: Wrap = admission.wrap  # health checks: no authentication
    if observability is not None:
        # Metrics outermost: they count every call, shed or refused ones too.
        wrap = observability.measured(wrap)
        open_wrap = observability.measured(open_wrap)
    return wrap, open_wrap


def _token_verifier(security: Security, clock: Clock) -> Verify | None:
    """The console's logins: the same bearer tokens as the gRPC API (None without tokens)."""
    tokens = security.tokens
    if tokens is None:
        return None
    return lambda presented: tokens.verify(presented, clock.now_ns())


def _local_target(listen: str, port: int) -> str:
    """Where this process reaches its own server (for the admission queue probe)."""
    host = listen.rsplit(":", 1)[0]
    return f"{ {'0.0.0.0': '127.0.0.1', '[::]': '[::1]', '': '127.0.0.1'}.get(host, host) }:{port}"
