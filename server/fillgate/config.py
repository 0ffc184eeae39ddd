"""Frozen, validated configuration: one TOML file, and defaults that run with no file at all.

Unknown keys are errors (a typo must not silently fall back to a default).
Secrets never live here: later venue sections name environment variables.

Example::

    [server]
    listen = "127.0.0.1:50051"

    [accounts.paper]
    venue = "paper"
    starting_cash = "1000000"

    [symbols.BTC-USD]
    reference_price = "50000"
    price_precision = 2
    quantity_precision = 6

    [paper]
    fee_rate = "0.0001"
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from decimal import Decimal
from pathlib import Path
from types import MappingProxyType
from typing import Any

from fillgate.auth.settings import AuthSettings, AuthSettingsError, parse_auth
from fillgate.console.settings import ConsoleConfig
from fillgate.console.settings import settings_problem as console_problem
from fillgate.contingent.settings import ContingentConfig
from fillgate.contingent.settings import settings_problem as contingent_problem
from fillgate.domain.symbols import SymbolConfig
from fillgate.domain.universe import Universe
from fillgate.domain.values import DecimalFormatError, decimal_places, parse_decimal
from fillgate.marketdata.settings import MARK_SOURCES, MarketDataConfig
from fillgate.metrics.settings import AlertsConfig, MetricsConfig
from fillgate.risk.settings import (
    AccountLimits,
    BreakersConfig,
    RiskConfig,
    StrategyLimits,
    SymbolRules,
)
from fillgate.risk.settings import settings_problem as risk_problem
from fillgate.sessions.settings import AccountSession, SessionsConfig, SymbolSession
from fillgate.sessions.settings import settings_problem as sessions_problem
from fillgate.venues.driver import VenueSettings
from fillgate.venues.paper import PaperConfig
from fillgate.venues.settings import (
    CONNECTION_KEYS,
    CREDENTIAL_KEYS,
    REMOTE_VENUES,
    CredentialRefs,
    SettingsProblem,
    check_connection,
)


class ConfigError(ValueError):
    """The configuration is invalid; the message names the key."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ServerConfig:
    """The gRPC listener."""

    #: host:port to listen on; port 0 picks a free port.
    listen: str = "127.0.0.1:50051"
    #: Seconds in-flight calls get to finish on SIGTERM/SIGINT.
    shutdown_grace_s: float = 5.0
    #: Calls in flight beyond this are refused with RESOURCE_EXHAUSTED (load shedding).
    max_concurrent_rpcs: int = 1000
    #: Seconds between freezes of the heap (collect, then gc.freeze(), at a quiet moment) that
    #: keep long-lived state out of GC pauses; 0 = off. See fillgate/heap.py.
    gc_freeze_interval_s: float = 0.25
    #: Admission control (fillgate/api/admission.py): SubmitOrder/ReplaceOrder calls in flight
    #: beyond this are refused with RESOURCE_EXHAUSTED SERVER_OVERLOADED; 0 = no limit.
    admission_max_in_flight_orders: int = 32
    #: Orders and reads are refused while the event loop runs this late; 0 = no limit.
    admission_max_loop_lag_ms: float = 20.0
    #: ... or while orders wait this long in gRPC core before a handler runs (timed by a
    #: SubmitOrder the server sends itself every 20 ms, refused at the edge); 0 = no limit
    #: and no probe.
    admission_max_queue_delay_ms: float = 20.0
    #: The retry_after_ms a refusal suggests.
    admission_retry_after_ms: int = 50


@dataclass(frozen=True, slots=True, kw_only=True)
class AccountConfig:
    """A trading account and the venue its orders go to."""

    name: str
    venue: str = "paper"
    starting_cash: Decimal = Decimal(1_000_000)
    #: How a remote venue is reached (None for paper).
    connection: VenueSettings | None = None
    credentials: CredentialRefs = field(default_factory=CredentialRefs)
    #: This account's ``require_stop_loss`` ("off", "deny", "attach"); None: [contingent]'s.
    require_stop_loss: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class StreamConfig:
    """The fill stream's memory bounds."""

    #: Events kept in memory for resume.
    retain: int = 100_000
    #: Events a subscriber may have queued before it is cut off with RESOURCE_EXHAUSTED.
    subscriber_queue: int = 10_000


@dataclass(frozen=True, slots=True, kw_only=True)
class JournalConfig:
    """The durable event journal."""

    #: Off runs in memory only: a restart forgets everything.
    enabled: bool = True
    #: The journal file; relative paths are relative to the working directory.
    path: str = "data/fillgate.journal"
    #: batch (fsync every group commit), interval (fsync every interval_s), never.
    fsync: str = "batch"
    interval_s: float = 1.0
    #: Write a snapshot of the state every this many journal records (at least as many
    #: as there are orders) and at a clean shutdown, so a start-up replays only the
    #: records after it; 0 turns snapshots off.
    snapshot_every: int = 100_000


def _default_symbols() -> Mapping[str, SymbolConfig]:
    return MappingProxyType(
        {
            s.name: s
            for s in (
                SymbolConfig(name="BTC-USD", reference_price=Decimal(50000), quantity_precision=6),
                SymbolConfig(name="ETH-USD", reference_price=Decimal(3000), quantity_precision=5),
                SymbolConfig(name="AAPL", reference_price=Decimal(190), quantity_precision=0),
                SymbolConfig(
                    name="EUR-USD",
                    reference_price=Decimal("1.085"),
                    price_precision=5,
                    quantity_precision=0,
                ),
            )
        }
    )


def _default_sessions() -> SessionsConfig:
    """The default symbols' calendars: AAPL keeps New York Stock Exchange hours (the rest 24/7)."""
    return SessionsConfig(symbols=MappingProxyType(_DEFAULT_SYMBOL_SESSIONS))


#: Calendars of the built-in symbols, in force while a config file keeps those symbols.
_DEFAULT_SYMBOL_SESSIONS = {"AAPL": SymbolSession(calendar="XNYS")}


def _default_accounts() -> Mapping[str, AccountConfig]:
    return MappingProxyType({"paper": AccountConfig(name="paper")})


@dataclass(frozen=True, slots=True, kw_only=True)
class Config:
    """Everything the server needs to start."""

    server: ServerConfig = field(default_factory=ServerConfig)
    accounts: Mapping[str, AccountConfig] = field(default_factory=_default_accounts)
    symbols: Mapping[str, SymbolConfig] = field(default_factory=_default_symbols)
    paper: PaperConfig = field(default_factory=PaperConfig)
    streams: StreamConfig = field(default_factory=StreamConfig)
    journal: JournalConfig = field(default_factory=JournalConfig)
    risk: RiskConfig = field(default_factory=RiskConfig)
    sessions: SessionsConfig = field(default_factory=_default_sessions)
    marketdata: MarketDataConfig = field(default_factory=MarketDataConfig)
    metrics: MetricsConfig = field(default_factory=MetricsConfig)
    alerts: AlertsConfig = field(default_factory=AlertsConfig)
    auth: AuthSettings = field(default_factory=AuthSettings)
    console: ConsoleConfig = field(default_factory=ConsoleConfig)
    contingent: ContingentConfig = field(default_factory=ContingentConfig)

    def universe(self) -> Universe:
        """The accounts (with their venue) and symbols, as the engine and risk see them."""
        return Universe(
            accounts=MappingProxyType({name: a.venue for name, a in self.accounts.items()}),
            symbols=self.symbols,
        )


def load_config(path: str | Path | None = None) -> Config:
    """Load a TOML config file, or return the defaults when ``path`` is None."""
    if path is None:
        return Config()
    try:
        with open(path, "rb") as f:
            raw = tomllib.load(f)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read config {path}: {exc}") from exc
    return config_from_dict(raw)


def config_from_dict(raw: Mapping[str, Any]) -> Config:
    """Build a :class:`Config` from parsed TOML, rejecting unknown keys and bad values."""
    _check_keys(
        "",
        raw,
        {
            "server",
            "accounts",
            "symbols",
            "paper",
            "streams",
            "journal",
            "risk",
            "sessions",
            "marketdata",
            "auth",
            "metrics",
            "alerts",
            "console",
            "contingent",
        },
    )
    defaults = Config()
    accounts = defaults.accounts
    if "accounts" in raw:
        accounts = MappingProxyType(
            {
                name: _account(name, body)
                for name, body in _table("accounts", raw["accounts"]).items()
            }
        )
    symbols = defaults.symbols
    if "symbols" in raw:
        symbols = MappingProxyType(
            {
                name: _section(SymbolConfig, f"symbols.{name}", body, name=name)
                for name, body in _table("symbols", raw["symbols"]).items()
            }
        )
    config = Config(
        server=_section(ServerConfig, "server", raw.get("server", {})),
        accounts=accounts,
        symbols=symbols,
        paper=_section(PaperConfig, "paper", raw.get("paper", {})),
        streams=_section(StreamConfig, "streams", raw.get("streams", {})),
        journal=_section(JournalConfig, "journal", raw.get("journal", {})),
        risk=_risk(raw.get("risk", {})),
        sessions=_sessions(raw.get("sessions", {}), default_symbols="symbols" not in raw),
        marketdata=_section(MarketDataConfig, "marketdata", raw.get("marketdata", {})),
        auth=_auth(raw.get("auth", {})),
        metrics=_section(MetricsConfig, "metrics", raw.get("metrics", {})),
        alerts=_section(AlertsConfig, "alerts", raw.get("alerts", {})),
        console=_section(ConsoleConfig, "console", raw.get("console", {})),
        contingent=_section(
            ContingentConfig,
            "contingent",
            raw.get("contingent", {}),
            accounts=MappingProxyType(
                {
                    name: a.require_stop_loss
                    for name, a in accounts.items()
                    if a.require_stop_loss is not None
                }
            ),
        ),
    )
    _validate(config)
    _raise_if(console_problem(config.console))
    return config


def _auth(raw: Any) -> AuthSettings:
    try:
        return parse_auth(_table("auth", raw))
    except AuthSettingsError as exc:
        raise ConfigError(str(exc)) from None


_ACCOUNT_KEYS = {"venue", "starting_cash", "require_stop_loss"}


def _account(name: str, raw: Any) -> AccountConfig:
    """Parse ``[accounts.NAME]``: the account, and for a remote venue how to reach it."""
    where = f"accounts.{name}"
    body = _table(where, raw)
    venue = body.get("venue", "paper")
    if venue == "paper":
        paper: AccountConfig = _section(AccountConfig, where, body, name=name)
        return paper
    if venue not in REMOTE_VENUES:
        raise ConfigError(
            f"{where}.venue: unknown venue {venue!r} (paper, {', '.join(REMOTE_VENUES)})"
        )
    _check_keys(where, body, _ACCOUNT_KEYS | CREDENTIAL_KEYS | CONNECTION_KEYS | {"symbols"})
    symbols = _table(f"{where}.symbols", body.get("symbols", {}))
    for ours, theirs in symbols.items():
        if not isinstance(theirs, str) or not theirs:
            raise ConfigError(f"{where}.symbols.{ours}: must be the venue's symbol as a string")
    connection = _section(
        VenueSettings,
        where,
        {k: v for k, v in body.items() if k in CONNECTION_KEYS},
        account=name,
        venue=venue,
        symbols=MappingProxyType(dict(symbols)),
    )
    credentials = _section(
        CredentialRefs, where, {k: v for k, v in body.items() if k in CREDENTIAL_KEYS}
    )
    account: AccountConfig = _section(
        AccountConfig,
        where,
        {k: v for k, v in body.items() if k in _ACCOUNT_KEYS},
        name=name,
        connection=connection,
        credentials=credentials,
    )
    _validate_connection(where, connection, credentials)
    return account


def _validate_connection(where: str, c: VenueSettings, refs: CredentialRefs) -> None:
    """Ask the venue's own rules (:mod:`fillgate.venues.settings`); name the key they refuse."""
    try:
        check_connection(c, refs)
    except SettingsProblem as problem:
        key = f".{problem.key}" if problem.key else ""
        raise ConfigError(f"{where}{key}: {problem.message}") from None


def _table(where: str, value: Any) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ConfigError(f"{where}: must be a table")
    return value


def _check_keys(where: str, raw: Mapping[str, Any], allowed: set[str]) -> None:
    unknown = sorted(set(raw) - allowed)
    if unknown:
        prefix = f"{where}: " if where else ""
        raise ConfigError(f"{prefix}unknown key(s) {', '.join(unknown)}")


def _section(cls: type[Any], where: str, raw: Any, **fixed: Any) -> Any:
    body = _table(where, raw)
    kinds = {f.name: f for f in fields(cls)}
    _check_keys(where, body, set(kinds) - set(fixed))
    values: dict[str, Any] = dict(fixed)
    for key, value in body.items():
        values[key] = _coerce(f"{where}.{key}", str(kinds[key].type), value)
    return cls(**values)


def _coerce(where: str, kind: str, value: Any) -> Any:
    if "Decimal" in kind:
        if value is None and "None" in kind:
            return None
        if isinstance(value, float) or not isinstance(value, str | int):
            raise ConfigError(f'{where}: write decimals as strings, e.g. "0.01" (got {value!r})')
        try:
            return parse_decimal(str(value), allow_zero=True)
        except DecimalFormatError as exc:
            raise ConfigError(f"{where}: {exc}") from exc
    if kind in ("int", "int | None"):
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise ConfigError(f"{where}: must be a non-negative integer (got {value!r})")
        return value
    if kind == "float":
        if not isinstance(value, int | float) or isinstance(value, bool) or value < 0:
            raise ConfigError(f"{where}: must be a non-negative number (got {value!r})")
        return float(value)
    if kind == "bool":
        if not isinstance(value, bool):
            raise ConfigError(f"{where}: must be true or false (got {value!r})")
        return value
    if kind in ("str", "str | None"):
        if not isinstance(value, str):
            raise ConfigError(f"{where}: must be a string (got {value!r})")
        return value
    if kind == "tuple[str, ...]":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{where}: must be a list of strings (got {value!r})")
        return tuple(value)
    raise ConfigError(f"{where}: unsupported setting")


def _validate(config: Config) -> None:
    if not config.accounts:
        raise ConfigError("accounts: at least one account is required")
    if not config.symbols:
        raise ConfigError("symbols: at least one symbol is required")
    for acc in config.accounts.values():
        for ours in acc.connection.symbols if acc.connection else ():
            if ours not in config.symbols:
                raise ConfigError(f"accounts.{acc.name}.symbols.{ours}: unknown symbol")
    for sym in config.symbols.values():
        if sym.reference_price <= 0:
            raise ConfigError(f"symbols.{sym.name}.reference_price: must be positive")
        if sym.price_precision > 12 or sym.quantity_precision > 12:
            raise ConfigError(f"symbols.{sym.name}: precisions must be at most 12")
        if decimal_places(sym.reference_price) > sym.price_precision:
            raise ConfigError(
                f"symbols.{sym.name}.reference_price: more decimal places than price_precision"
            )
    if config.journal.fsync not in ("batch", "interval", "never"):
        raise ConfigError("journal.fsync: must be batch, interval or never")
    if config.journal.snapshot_every < 0:
        raise ConfigError("journal.snapshot_every: must be 0 (off) or a number of records")
    if config.streams.retain < 1 or config.streams.subscriber_queue < 1:
        raise ConfigError("streams: retain and subscriber_queue must be at least 1")
    _raise_if(risk_problem(config.risk, config.accounts, config.symbols))
    _raise_if(sessions_problem(config.sessions, config.accounts, config.symbols))
    _validate_rooms(config)
    _raise_if(contingent_problem(config.contingent))


def _raise_if(problem: str | None) -> None:
    if problem is not None:
        raise ConfigError(problem)


def _validate_rooms(config: Config) -> None:
    """The market-data, metrics and alerts sections."""
    mark_problem = None
    if config.marketdata.mark not in MARK_SOURCES:
        mark_problem = f"must be one of {', '.join(MARK_SOURCES)}"
    for where, problem in (
        ("marketdata.mark", mark_problem),
        ("metrics.listen", config.metrics.problem()),
        ("alerts.webhook_urls", config.alerts.problem()),
        ("alerts.quote_stale_after_s", config.alerts.stale_problem()),
    ):
        if problem is not None:
            raise ConfigError(f"{where}: {problem}")


# -- [risk] ------------------------------------------------------------------

_RISK_TOP = {"enabled", "max_total_gross_exposure"}
_RISK_TABLES = {"accounts", "symbols", "strategies", "breakers"}


def _risk(raw: Any) -> RiskConfig:
    """Parse ``[risk]``: switches, account defaults, then the override tables."""
    body = _table("risk", raw)
    _check_keys("risk", body, _RISK_TOP | _RISK_TABLES | {f.name for f in fields(AccountLimits)})
    general = _section(RiskConfig, "risk", {k: v for k, v in body.items() if k in _RISK_TOP})
    flat = {k: v for k, v in body.items() if k not in _RISK_TOP | _RISK_TABLES}

    def tables(name: str, cls: type[Any], base: Mapping[str, Any]) -> Mapping[str, Any]:
        return MappingProxyType(
            {
                key: _section(cls, f"risk.{name}.{key}", {**base, **_table(key, b)})
                for key, b in _table(f"risk.{name}", body.get(name, {})).items()
            }
        )

    breakers_raw = _table("risk.breakers", body.get("breakers", {}))
    _check_keys("risk.breakers", breakers_raw, {f.name for f in fields(BreakersConfig)})
    kinds = {f.name: type(getattr(BreakersConfig(), f.name)) for f in fields(BreakersConfig)}
    return RiskConfig(
        enabled=general.enabled,
        max_total_gross_exposure=general.max_total_gross_exposure,
        defaults=_section(AccountLimits, "risk", flat),
        accounts=tables("accounts", AccountLimits, flat),
        symbols=tables("symbols", SymbolRules, {}),
        strategies=tables("strategies", StrategyLimits, {}),
        breakers=BreakersConfig(
            **{
                name: _section(kinds[name], f"risk.breakers.{name}", b)
                for name, b in breakers_raw.items()
            }
        ),
    )


# -- [sessions] --------------------------------------------------------------


def _sessions(raw: Any, *, default_symbols: bool = False) -> SessionsConfig:
    """Parse ``[sessions]``: its settings, then its symbols and accounts tables.

    With the built-in symbols (no ``[symbols]`` in the file), a built-in symbol the file
    gives no calendar keeps its default one (AAPL: XNYS).
    """
    body = _table("sessions", raw)
    _check_keys("sessions", body, {"symbols", "accounts", "venue_check_interval_s"})
    top = {k: v for k, v in body.items() if k not in ("symbols", "accounts")}
    general = _section(SessionsConfig, "sessions", top)
    symbols = dict(_DEFAULT_SYMBOL_SESSIONS) if default_symbols else {}
    symbols.update(
        (name, _section(SymbolSession, f"sessions.symbols.{name}", b))
        for name, b in _table("sessions.symbols", body.get("symbols", {})).items()
    )
    return SessionsConfig(
        venue_check_interval_s=general.venue_check_interval_s,
        symbols=MappingProxyType(symbols),
        accounts=MappingProxyType(
            {
                name: _section(AccountSession, f"sessions.accounts.{name}", b)
                for name, b in _table("sessions.accounts", body.get("accounts", {})).items()
            }
        ),
    )
