"""The one place that wires config -> components -> grpc.aio server, and runs it on uvloop."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
from google.protobuf.internal import api_implementation
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection, reflection_pb2_grpc

from fillgate.api.admission import Admission
from fillgate.api.audit_servicer import AuditServicer
from fillgate.api.commands import order_ref
from fillgate.api.contingent_servicer import ContingentServicer
from fillgate.api.edge import add_services
from fillgate.api.library import add_library_service
from fillgate.api.risk_servicer import RiskServicer
from fillgate.api.security import Security, build_security, check_exposure
from fillgate.api.servicer import AdminServicer, ExecutionServicer
from fillgate.api.session_servicer import SessionServicer
from fillgate.config import Config, ConfigError, load_config
from fillgate.contingent.expiry import Expiries
from fillgate.domain.errors import FillgateError
from fillgate.domain.orders import Order
from fillgate.domain.values import Clock, IdGenerator, SystemClock
from fillgate.engine.brackets import Brackets
from fillgate.engine.checkpoints import Snapshotter
from fillgate.engine.closing import CloseActions
from fillgate.engine.engine import Engine
from fillgate.engine.fold import State
from fillgate.engine.kill_switch import KillSwitch
from fillgate.engine.reconcile import Reconciler
from fillgate.engine.recovery import rebuild
from fillgate.engine.session_events import SessionEvents
from fillgate.engine.stop_policy import StopLossPolicy
from fillgate.engine.time_limits import attach_time_limits
from fillgate.engine.venue_sessions import VenueSessions
from fillgate.heap import HeapFreezer
from fillgate.journal.journal import FsyncPolicy, Journal
from fillgate.risk.checks import RiskChecks
from fillgate.sessions.market import Sessions
from fillgate.streams.bus import EventBus
from fillgate.v1 import (
    admin_service_pb2,
    audit_service_pb2,
    contingent_service_pb2,
    execution_service_pb2,
    risk_service_pb2,
    session_service_pb2,
)
from fillgate.venues.base import VenueAdapter
from fillgate.venues.factory import build_remote
from fillgate.venues.paper import PaperVenue

log = logging.getLogger("fillgate")

SERVICE_NAMES = (
    execution_service_pb2.DESCRIPTOR.services_by_name["ExecutionService"].full_name,
    admin_service_pb2.DESCRIPTOR.services_by_name["AdminService"].full_name,
    risk_service_pb2.DESCRIPTOR.services_by_name["RiskService"].full_name,
    audit_service_pb2.DESCRIPTOR.services_by_name["AuditService"].full_name,
    session_service_pb2.DESCRIPTOR.services_by_name["SessionService"].full_name,
    contingent_service_pb2.DESCRIPTOR.services_by_name["ContingentService"].full_name,
)


@dataclass
class Components:
    """Everything the server is made of, for tests and embedding."""

    config: Config
    clock: Clock
    engine: Engine
    kill_switch: KillSwitch
    paper: PaperVenue
    reconciler: Reconciler
    sessions: Sessions
    venue_sessions: VenueSessions
    closing: CloseActions
    session_events: SessionEvents
    #: Order time limits (expire_time / expire_after).
    expiries: Expiries
    #: Brackets: entry + stop-loss + take-profits, emulated by fillgate.
    brackets: Brackets


def build(config: Config, clock: Clock | None = None, journal: Journal | None = None) -> Components:
    """Wire the components; nothing starts yet. Without a journal, state lives in memory."""
    clock = clock or SystemClock()
    ids = IdGenerator(clock)
    sessions = Sessions(config.sessions, config.symbols)
    sessions.warm(clock.now_ns())
    paper = PaperVenue(
        symbols=config.symbols,
        config=config.paper,
        clock=clock,
        ids=ids,
        session_close=sessions.day_close_ns,
    )
    venues: dict[str, VenueAdapter] = {}
    for name, account in config.accounts.items():
        if account.connection is None:
            venues[name] = paper
        else:
            refs = account.credentials
            venues[name] = build_remote(
                account.connection,
                key_env=refs.key_env,
                secret_env=refs.secret_env,
                key_file=refs.key_file,
                secret_file=refs.secret_file,
                clock=clock,
            )
    universe = config.universe()
    state = State(
        symbols=config.symbols,
        starting_cash={name: a.starting_cash for name, a in config.accounts.items()},
    )
    bus = EventBus(
        retain=config.streams.retain,
        queue_size=config.streams.subscriber_queue,
        gated=journal is not None,
    )
    risk = (
        RiskChecks(config.risk, universe, clock=clock, book=state.book)
        if config.risk.enabled
        else None
    )
    engine = Engine(
        universe=universe,
        state=state,
        clock=clock,
        ids=ids,
        venues=venues,
        bus=bus,
        journal=journal,
        risk=risk,
        sessions=sessions,
    )
    if journal is not None:
        journal.on_durable = bus.release
    kill_switch = KillSwitch(engine)
    if risk is not None:
        risk.breakers.connect(publish=engine.emit, trip=kill_switch.trip)
    reconciler = Reconciler(
        engine,
        clock,
        {
            name: a.connection.reconcile_interval_s
            for name, a in config.accounts.items()
            if a.connection is not None
        },
    )
    venue_sessions = VenueSessions(
        engine,
        sessions,
        {
            name: list(a.connection.symbols)
            for name, a in config.accounts.items()
            if a.connection is not None
        },
        config.sessions.venue_check_interval_s,
    )
    closing = CloseActions(
        engine,
        sessions,
        {
            name: s.cancel_at_close_s
            for name, s in config.sessions.symbols.items()
            if s.cancel_at_close_s is not None
        },
        {
            name: a.flatten_before_close_s
            for name, a in config.sessions.accounts.items()
            if a.flatten_at_close
        },
    )
    return Components(
        config,
        clock,
        engine,
        kill_switch,
        paper,
        reconciler,
        sessions,
        venue_sessions,
        closing,
        SessionEvents(engine, sessions),
        expiries=attach_time_limits(engine),
        brackets=Brackets(engine),
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

    @property
    def address(self) -> str:
        host = self.parts.config.server.listen.rsplit(":", 1)[0]
        return f"{host}:{self.port}"

    async def stop(self, grace: float | None = None) -> None:
        """Stop accepting calls, end streams (clients resume), drain in-flight calls."""
        grace = self.parts.config.server.shutdown_grace_s if grace is None else grace
        await self._health.enter_graceful_shutdown()
        await self.admission.stop()  # its probe would only meet a closing server
        stopping = asyncio.ensure_future(self.server.stop(grace))
        await asyncio.sleep(0)
        self.parts.engine.bus.close()
        await stopping
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
) -> FillgateServer:
    """Build, bind and start a server; ``listen`` overrides the config (port 0 = any free).

    A non-loopback address without TLS and authentication is refused unless
    ``insecure`` (``api/security.py``).

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
            SessionServicer(parts.engine, parts.sessions),
            ContingentServicer(parts.engine, parts.brackets),
        ],
        wrap=lambda method, handler: admission.wrap(method, security.guard.wrap(method, handler)),
    )
    health_servicer = health.aio.HealthServicer()
    add_library_service(
        server,
        lambda s: health_pb2_grpc.add_HealthServicer_to_server(health_servicer, s),
        admission.wrap,
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
    address = parts.config.server.listen
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
    await parts.engine.start()
    await parts.reconciler.start()
    await parts.venue_sessions.start()
    parts.closing.start()
    parts.session_events.start()
    await server.start()
    admission.start(probe_target, security.probe_access())
    for name in ("", *SERVICE_NAMES):
        await health_servicer.set(name, health_pb2.HealthCheckResponse.SERVING)
    running = FillgateServer(server, port, parts, health_servicer, admission, security)
    running.snapshotter = snapshotter
    return running


def _local_target(listen: str, port: int) -> str:
    """Where this process reaches its own server (for the admission queue probe)."""
    host = listen.rsplit(":", 1)[0]
    return f"{ {'0.0.0.0': '127.0.0.1', '[::]': '[::1]', '': '127.0.0.1'}.get(host, host) }:{port}"


def open_journal(config: Config) -> Journal | None:
    """Return the configured journal (not yet opened), or None when it is off."""
    if not config.journal.enabled:
        return None
    return Journal(
        Path(config.journal.path),
        FsyncPolicy(config.journal.fsync),
        interval_s=config.journal.interval_s,
    )


def _check_runtime() -> None:
    if api_implementation.Type() != "upb":
        log.warning(
            "event=slow_protobuf backend=%s hint='install protobuf wheels with the upb backend'",
            api_implementation.Type(),
        )


async def _serve(config: Config, listen: str | None, insecure: bool = False) -> int:
    running = await create_server(config, listen=listen, insecure=insecure)
    freezer = HeapFreezer(config.server.gc_freeze_interval_s, running.admission.busy)
    freezer.start()  # the replayed state is frozen at once, before clients are told the address
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    if running.security is not None:  # revocation without a restart
        loop.add_signal_handler(signal.SIGHUP, running.security.reload_tokens)
    journal = running.parts.engine.journal
    log.info(
        "event=listening address=%s auth=%s tls=%s accounts=%s symbols=%s journal=%s fsync=%s",
        running.address,
        config.auth.mode,
        "mutual" if config.auth.tls_client_ca else config.auth.tls,
        ",".join(f"{name}:{a.venue}" for name, a in config.accounts.items()),
        ",".join(config.symbols),
        journal.path if journal is not None else "off",
        journal.policy.value if journal is not None else "-",
    )
    mode = config.auth.mode if config.auth.enabled else "off (loopback only)"
    tls = "mutual" if config.auth.tls_client_ca else ("on" if config.auth.tls else "off")
    print(f"fillgate listening on {running.address} (auth {mode}, tls {tls})", flush=True)
    await stop.wait()
    freezer.stop()
    log.info("event=shutdown_started grace_s=%s", config.server.shutdown_grace_s)
    await running.stop()
    log.info("event=shutdown_complete")
    return 0


def run_server(
    config_path: str | None = None,
    listen: str | None = None,
    journal: str | None = None,
    insecure: bool = False,
) -> int:
    """Run the server until SIGTERM/SIGINT; return the process exit code."""
    logging.basicConfig(
        level=os.environ.get("FILLGATE_LOG_LEVEL", "INFO").upper(),
        format="%(asctime)s level=%(levelname)s logger=%(name)s %(message)s",
        stream=sys.stderr,
    )
    _check_runtime()
    try:
        config = load_config(config_path or os.environ.get("FILLGATE_CONFIG") or None)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if journal is not None:
        from dataclasses import replace as _replace

        setting = (
            _replace(config.journal, enabled=False)
            if journal == "off"
            else _replace(config.journal, enabled=True, path=journal)
        )
        config = _replace(config, journal=setting)
    import uvloop

    try:
        return uvloop.run(_serve(config, listen, insecure))
    except FillgateError as exc:  # a start-up refusal (journal in use or corrupt): no traceback
        log.error("event=startup_failed reason=%s detail=%r", exc.reason, exc.message)
        print(f"error: {exc.reason}: {exc.message}", file=sys.stderr)
        return 2
