"""Config -> components: the engine, its rooms, venues and tasks around them (nothing starts)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from fillgate.config import Config, ConfigError
from fillgate.contingent.expiry import Expiries
from fillgate.domain.values import Clock, IdGenerator, SystemClock
from fillgate.engine.account_watch import AccountWatch
from fillgate.engine.brackets import Brackets
from fillgate.engine.closing import CloseActions
from fillgate.engine.engine import Engine
from fillgate.engine.fold import State
from fillgate.engine.kill_switch import KillSwitch
from fillgate.engine.quote_poller import QuotePoller
from fillgate.engine.reconcile import Reconciler
from fillgate.engine.session_events import SessionEvents
from fillgate.engine.time_limits import attach_time_limits
from fillgate.engine.venue_sessions import VenueSessions
from fillgate.journal.journal import FsyncPolicy, Journal
from fillgate.marketdata.feed import FeedError, FeedQuote, PriceFeed, load_feed
from fillgate.marketdata.quotes import FEED
from fillgate.risk.checks import RiskChecks
from fillgate.sessions.market import Sessions
from fillgate.streams.bus import EventBus
from fillgate.venues.base import VenueAdapter
from fillgate.venues.factory import build_remote
from fillgate.venues.paper import PaperVenue


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
    brackets = Brackets(engine)
    reconciler.settle = brackets.settled  # exits bound before the venue's orders are listed
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
        brackets=brackets,
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


def open_journal(config: Config) -> Journal | None:
    """Return the configured journal (not yet opened), or None when it is off."""
    if not config.journal.enabled:
        return None
    return Journal(
        Path(config.journal.path),
        FsyncPolicy(config.journal.fsync),
        interval_s=config.journal.interval_s,
    )
