"""The data-stale watch: one DATA_STALE per outage while the market is open, one DATA_RESUMED."""

from __future__ import annotations

from decimal import Decimal as D

from fillgate.domain.enums import AlertKind
from fillgate.domain.values import ManualClock
from fillgate.marketdata.quotes import FEED, QuoteBook
from fillgate.metrics.settings import AlertsConfig
from fillgate.metrics.staleness import StaleQuotes
from fillgate.metrics.wiring import quote_ages

S = 1_000_000_000


class Market:
    """Quote times and open markets the test sets by hand."""

    def __init__(self, clock: ManualClock) -> None:
        self.clock = clock
        self.last: dict[str, int] = {}
        self.closed: set[str] = set()
        self.alerts: list[tuple[AlertKind, str, D, D]] = []

    def quote(self, symbol: str) -> None:
        self.last[symbol] = self.clock.now_ns()

    def raise_alert(
        self, kind: AlertKind, account: str, symbol: str, value: D, threshold: D, message: str
    ) -> None:
        self.alerts.append((kind, symbol, value, threshold))

    def kinds(self) -> list[AlertKind]:
        return [a[0] for a in self.alerts]


def make(symbols: tuple[str, ...] = ("BTC-USD",), after_s: float = 30.0):  # type: ignore[no-untyped-def]
    clock = ManualClock()
    market = Market(clock)
    watch = StaleQuotes(
        symbols,
        after_s,
        quote_ns=market.last.get,
        is_open=lambda symbol, now: symbol not in market.closed,
        now_ns=clock.now_ns,
        raise_alert=market.raise_alert,
    )
    return watch, market, clock


def run(watch: StaleQuotes, clock: ManualClock, seconds: int) -> None:
    """Tick the watch once a second for ``seconds`` seconds."""
    for _ in range(seconds):
        clock.advance(S)
        watch.check()


def test_stale_quotes_fresh_quotes_raise_nothing():
    watch, market, clock = make()
    for _ in range(120):
        market.quote("BTC-USD")
        run(watch, clock, 1)
    assert market.alerts == []


def test_stale_quotes_silence_past_threshold_raises_data_stale_with_age_and_bound():
    watch, market, clock = make()
    market.quote("BTC-USD")
    run(watch, clock, 30)
    assert market.alerts == [(AlertKind.DATA_STALE, "BTC-USD", D(30), D(30))]


def test_stale_quotes_silence_just_under_threshold_raises_nothing():
    watch, market, clock = make()
    market.quote("BTC-USD")
    run(watch, clock, 29)
    assert market.alerts == []


def test_stale_quotes_long_outage_raises_one_alert_not_one_per_tick():
    watch, market, clock = make()
    market.quote("BTC-USD")
    run(watch, clock, 600)
    assert market.kinds() == [AlertKind.DATA_STALE]


def test_stale_quotes_resumed_quotes_raise_one_data_resumed_with_gap():
    watch, market, clock = make()
    market.quote("BTC-USD")
    run(watch, clock, 45)
    market.quote("BTC-USD")
    run(watch, clock, 1)
    market.quote("BTC-USD")
    run(watch, clock, 5)
    assert market.kinds() == [AlertKind.DATA_STALE, AlertKind.DATA_RESUMED]
    assert market.alerts[1][2] == D(45)


def test_stale_quotes_second_outage_raises_again():
    watch, market, clock = make()
    market.quote("BTC-USD")
    run(watch, clock, 31)
    market.quote("BTC-USD")
    run(watch, clock, 31)
    assert market.kinds() == [AlertKind.DATA_STALE, AlertKind.DATA_RESUMED, AlertKind.DATA_STALE]


def test_stale_quotes_closed_market_raises_nothing():
    watch, market, clock = make(("AAPL",))
    market.closed.add("AAPL")
    market.quote("AAPL")
    run(watch, clock, 3600)
    assert market.alerts == []


def test_stale_quotes_silence_is_counted_from_the_open_not_the_last_close():
    watch, market, clock = make(("AAPL",))
    market.closed.add("AAPL")
    market.quote("AAPL")
    run(watch, clock, 3600)
    market.closed.discard("AAPL")
    run(watch, clock, 29)
    assert market.alerts == []
    run(watch, clock, 1)
    assert market.kinds() == [AlertKind.DATA_STALE]


def test_stale_quotes_source_that_never_quoted_raises_after_threshold_from_start():
    watch, market, clock = make()
    run(watch, clock, 30)
    assert market.alerts == [(AlertKind.DATA_STALE, "BTC-USD", D(30), D(30))]


def test_stale_quotes_one_silent_symbol_alerts_only_for_itself():
    watch, market, clock = make(("BTC-USD", "ETH-USD"))
    for _ in range(40):
        market.quote("ETH-USD")
        run(watch, clock, 1)
    assert [(kind, symbol) for kind, symbol, _, _ in market.alerts] == [
        (AlertKind.DATA_STALE, "BTC-USD")
    ]


def test_stale_quotes_threshold_zero_is_off():
    watch, market, clock = make(after_s=0)
    run(watch, clock, 600)
    assert market.alerts == []


def test_alerts_config_negative_or_infinite_stale_bound_is_a_problem():
    assert AlertsConfig(quote_stale_after_s=-1).stale_problem() is not None
    assert AlertsConfig(quote_stale_after_s=float("inf")).stale_problem() is not None
    assert AlertsConfig().stale_problem() is None


def test_quote_ages_live_quotes_by_symbol_and_source_reference_left_out():
    book = QuoteBook({"BTC-USD": D(50000), "ETH-USD": D(3000)})
    book.on_quote("BTC-USD", bid=D(1), ask=D(3), last=None, ts_ns=10 * S, source=FEED)

    assert quote_ages(book.quotes(), 12 * S + S // 2) == {("BTC-USD", "feed"): 2.5}
