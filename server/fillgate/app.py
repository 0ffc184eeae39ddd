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
from fillgate.api.edge import Wrap, add_services
from fillgate.api.errors import Refused
from fillgate.api.library import add_library_service
from fillgate.api.market_data_servicer import MarketDataServicer
from fillgate.api.report_servicer import ReportServicer
from fillgate.api.risk_servicer import RiskServicer
from fillgate.api.security import Security, build_security, check_exposure
from fillgate.api.servicer import AdminServicer, ExecutionServicer
from fillgate.api.session_servicer import SessionServicer
from fillgate.config import Config, ConfigError, load_config
from fillgate.console.auth import Verify
from fillgate.console.server import ConsoleServer
from fillgate.contingent.expiry import Expiries
from fillgate.domain.errors import FillgateError
from fillgate.domain.orders import Order
from fillgate.domain.values import Clock, IdGenerator, SystemClock
from fillgate.engine.account_watch import AccountWatch
from fillgate.engine.brackets import Brackets
from fillgate.engine.checkpoints import Snapshotter
from fillgate.engine.closing import CloseActions
from fillgate.engine.engine import Engine
from fillgate.engine.fold import State
from fillgate.engine.kill_switch import KillSwitch
from fillgate.engine.quote_poller import QuotePoller
from fillgate.engine.reconcile import Reconciler
from fillgate.engine.recovery import rebuild
from fillgate.engine.session_events import SessionEvents
from fillgate.engine.stop_policy import StopLossPolicy
from fillgate.engine.time_limits import attach_time_limits
from fillgate.engine.venue_sessions import VenueSessions
from fillgate.heap import HeapFreezer
from fillgate.journal.journal import FsyncPolicy, Journal
from fillgate.marketdata.feed import FeedError, FeedQuote, PriceFeed, load_feed
from fillgate.marketdata.quotes import FEED
from fillgate.metrics.alerts import Alerter
from fillgate.metrics.staleness import StaleQuotes
from fillgate.metrics.wiring import Observability, alert, observe, watch_quotes
from fillgate.risk.checks import RiskChecks
from fillgate.sessions.market import Sessions
from fillgate.streams.bus import EventBus
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
from fillgate.venues.base import VenueAdapter
from fillgate.venues.factory import build_remote
from fillgate.venues.paper import PaperVenue

log = logging.getLogger("fillgate")

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
    #: The paper price feed ([marketdata] feed), None when none is configured.
    feed: PriceFeed | None = None
    #: Remote venues' quotes, read over REST ([marketdata] venue_quote_interval_s).
    quotes: QuotePoller | None = None
    #: Remote accounts' money, read from the venues ([marketdata] venue_account_interval_s).
    accounts: AccountWatch | None = None


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
        spread_bps=config.marketdata.paper_spread_bps,  # fills at the quotes it shows
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
        marketdata=config.marketdata,
    )
    bus = EventBus(
        retain=config.streams.retain,
        queue_size=config.streams.subscriber_queue,
        gated=journal is not None,
    )
    risk = (
        RiskChecks(
            config.risk,
            universe,
            clock=clock,
            book=state.book,
            quotes=state.quotes,
            max_quote_age_s=config.marketdata.max_quote_age_s,
        )
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
    quotes = QuotePoller(
        engine,
        {
            name: list(a.connection.symbols or config.symbols)
            for name, a in config.accounts.items()
            if a.connection is not None
        },
        config.marketdata.venue_quote_interval_s,
    )
    md = config.marketdata
    accounts = AccountWatch(engine, md.venue_account_interval_s, md.equity_drift_pct)
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
        feed=_feed(config, engine),
        quotes=quotes,
        accounts=accounts,
    )


def _feed(config: Config, engine: Engine) -> PriceFeed | None:
    """The configured paper price feed, its file read and checked now (a bad one stops start-up)."""
    md = config.marketdata
    if not md.feed:
        return None
    try:
        quotes = load_feed(md.feed, config.symbols)
    except FeedError as exc:
        raise ConfigError(f"marketdata.feed: {exc}") from exc

    def deliver(q: FeedQuote) -> None:
        engine.on_quote(q.symbol, bid=q.bid, ask=q.ask, last=q.last, source=FEED)

    return PriceFeed(quotes, deliver, speed=md.feed_speed, loop=md.feed_loop)


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
    if running.observability is not None:
        host = config.metrics.listen.rpartition(":")[0]
        port = running.observability.exporter.port
        log.info("event=metrics_listening address=%s:%s path=/metrics", host, port)
    if running.console is not None:
        host = config.console.listen.rsplit(":", 1)[0]
        print(f"fillgate console on http://{host}:{running.console.port}/", flush=True)
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
    metrics: str | None = None,
    console: str | None = None,
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
    if metrics is not None:
        from dataclasses import replace as _replace_metrics

        config = _replace_metrics(config, metrics=_replace_metrics(config.metrics, listen=metrics))
        problem = config.metrics.problem()
        if problem is not None:
            print(f"error: --metrics {problem}", file=sys.stderr)
            return 2
    if console is not None:  # serve --console HOST:PORT
        from dataclasses import replace as _replace_console

        config = _replace_console(
            config, console=_replace_console(config.console, enabled=True, listen=console)
        )
    import uvloop

    try:
        return uvloop.run(_serve(config, listen, insecure))
    # A file the config names is unusable (the price feed), or the console refuses a
    # non-loopback address without auth.
    except (ConfigError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except FillgateError as exc:  # a start-up refusal (journal in use or corrupt): no traceback
        log.error("event=startup_failed reason=%s detail=%r", exc.reason, exc.message)
        print(f"error: {exc.reason}: {exc.message}", file=sys.stderr)
        return 2
