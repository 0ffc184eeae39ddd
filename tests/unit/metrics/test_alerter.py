"""The alerter: which events raise alerts, and that raising never runs inside the engine."""

from __future__ import annotations

import asyncio
from decimal import Decimal as D

import orjson

from fillgate.domain import events as ev
from fillgate.domain.enums import AlertKind, Breaker, OrderType, Side, TimeInForce, TradingMode
from fillgate.domain.orders import Order
from fillgate.metrics.alerts import Alerter, alert_json, slippage_bps
from fillgate.metrics.settings import AlertsConfig


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def make(config: AlertsConfig | None = None) -> tuple[Alerter, list[ev.AlertRaised], Clock]:
    raised: list[ev.AlertRaised] = []
    clock = Clock()
    alerter = Alerter(config or AlertsConfig(), raised.append, lambda: 7, monotonic=clock)
    return alerter, raised, clock


def order(side: Side = Side.BUY, arrival: str | None = "100") -> Order:
    return Order(
        order_id="o1",
        client_order_id="c1",
        account="paper",
        symbol="XYZ",
        side=side,
        type=OrderType.MARKET,
        time_in_force=TimeInForce.IOC,
        quantity=D(1),
        arrival_price=None if arrival is None else D(arrival),
    )


def fill(price: str) -> ev.OrderFilled:
    return ev.OrderFilled(
        order_id="o1", ts_ns=1, venue_exec_id="e", quantity=D(1), price=D(price), fee=D(0)
    )


async def settle() -> None:
    await asyncio.sleep(0)


def test_slippage_bps_buy_above_and_sell_below_arrival_are_costs():
    assert slippage_bps(Side.BUY, D("100.6"), D(100)) == D("60.00")
    assert slippage_bps(Side.SELL, D("99.4"), D(100)) == D("60.00")
    assert slippage_bps(Side.BUY, D("99"), D(100)) == D("-100.00")


async def test_alert_fill_slippage_over_threshold_raises_after_the_event():
    alerter, raised, _ = make()
    alerter.on_event(fill("100.6"), order())
    assert raised == []  # not from inside the engine's publish
    await settle()
    (alert,) = raised
    assert (alert.kind, alert.account, alert.symbol) == (AlertKind.SLIPPAGE, "paper", "XYZ")
    assert (alert.value, alert.threshold) == (D("60.00"), D(50))


async def test_alert_fill_slippage_at_threshold_or_gain_raises_nothing():
    alerter, raised, _ = make()
    alerter.on_event(fill("100.5"), order())
    alerter.on_event(fill("90"), order())
    alerter.on_event(fill("200"), order(arrival=None))
    await settle()
    assert raised == []


async def test_alert_breaker_trip_raises_breaker_alert():
    alerter, raised, _ = make()
    trip = ev.BreakerTripped(
        breaker=Breaker.DAILY_LOSS,
        account="paper",
        symbol="",
        mode=TradingMode.HALTED,
        cancel_open_orders=True,
        flatten_positions=False,
        value=D(-6000),
        limit=D(5000),
        message="daily loss",
        ts_ns=1,
    )
    alerter.on_event(trip, None)
    await settle()
    assert [a.kind for a in raised] == [AlertKind.BREAKER_TRIPPED]


async def test_alert_reconcile_failure_raises_but_other_drift_does_not():
    alerter, raised, _ = make()
    for kind in ("reconcile_failed", "position"):
        drift = ev.VenueDrift(
            account="paper", symbol="", kind=kind, ours="", venue="", message="m", ts_ns=1
        )
        alerter.on_event(drift, None)
    await settle()
    assert [a.kind for a in raised] == [AlertKind.RECONCILE_FAILED]


async def test_alert_slow_fsync_raises_once_per_quiet_period():
    alerter, raised, clock = make(AlertsConfig(journal_fsync_ms=100.0))
    alerter.on_fsync(0.05)
    alerter.on_fsync(0.3)
    alerter.on_fsync(0.4)
    clock.now += 61
    alerter.on_fsync(0.5)
    await settle()
    assert [a.value for a in raised] == [D("300.000"), D("500.000")]


async def test_alert_auth_failure_burst_raises_once_per_window():
    alerter, raised, _ = make(AlertsConfig(auth_failures=3, auth_window_s=10))
    for _ in range(5):
        alerter.auth_failure("10.0.0.1:5000")
    alerter.auth_failure("10.0.0.2:5000")
    await settle()
    assert [(a.kind, a.value) for a in raised] == [(AlertKind.AUTH_FAILURES, D(3))]
    assert "10.0.0.1:5000" in raised[0].message


async def test_alert_protection_failed_names_the_bracket_and_the_venues_reason():
    alerter, raised, _ = make()

    alerter.protection_failed(
        account="spot",
        symbol="BTC-USD",
        list_id="O-1",
        role="sl",
        attempts=3,
        reason="VENUE_REJECTED -2010: insufficient balance",
    )
    await settle()

    ((kind, account, symbol, value, message),) = [
        (a.kind, a.account, a.symbol, a.value, a.message) for a in raised
    ]
    assert (kind, account, symbol, value) == (AlertKind.PROTECTION_FAILED, "spot", "BTC-USD", 3)
    assert "O-1" in message and "insufficient balance" in message


def test_alert_json_has_decimals_as_strings():
    alert = ev.AlertRaised(
        kind=AlertKind.SLIPPAGE,
        account="a",
        symbol="s",
        value=D("60.00"),
        threshold=D(50),
        message="m",
        ts_ns=5,
    )
    assert orjson.loads(alert_json(alert)) == {
        "kind": "SLIPPAGE",
        "account": "a",
        "symbol": "s",
        "value": "60",
        "threshold": "50",
        "message": "m",
        "time_ns": 5,
    }


class Venue:
    """What the watchdog reads of a remote adapter: its name and whether its stream is up."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.up = True

    def stream_up(self) -> bool:
        return self.up


async def test_alert_venue_stream_down_past_bound_raises_once_per_outage():
    alerter, raised, clock = make(AlertsConfig(venue_down_s=10))
    venue = Venue("binance")
    venue.up = False
    alerter.check_venues([venue])  # first seen down
    clock.now += 9
    alerter.check_venues([venue])
    await settle()
    assert raised == []
    clock.now += 1
    alerter.check_venues([venue])
    clock.now += 30
    alerter.check_venues([venue])  # the same outage: no second alert
    await settle()
    assert [(a.kind, a.value) for a in raised] == [(AlertKind.VENUE_DISCONNECTED, D(10))]
    venue.up = True
    alerter.check_venues([venue])
    venue.up = False
    alerter.check_venues([venue])
    clock.now += 10
    alerter.check_venues([venue])  # a new outage alerts again
    await settle()
    assert len(raised) == 2
