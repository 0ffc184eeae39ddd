"""The [risk] config section: defaults, overlays, and clear errors for bad keys and values."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from fillgate.config import Config, ConfigError, config_from_dict
from fillgate.domain.enums import Breaker

BASE = {"accounts": {"a": {}, "b": {}}, "symbols": {"X": {"reference_price": "10"}}}


def risk(section: dict) -> Config:
    return config_from_dict({**BASE, "risk": section})


def test_risk_defaults_enable_buying_power_only():
    config = config_from_dict(BASE)

    assert config.risk.enabled
    assert config.risk.defaults.margin_rate == 1
    assert config.risk.defaults.max_order_notional is None
    assert all(config.risk.breakers.get(kind).limit is None for kind in Breaker)


def test_risk_account_section_overlays_the_defaults():
    config = risk(
        {"max_order_quantity": "5", "max_leverage": "3", "accounts": {"b": {"max_leverage": "1"}}}
    )

    assert config.risk.account("a").max_leverage == 3
    assert (config.risk.account("b").max_leverage, config.risk.account("b").max_order_quantity) == (
        1,
        5,
    )


def test_risk_breaker_section_parses_action_and_window():
    config = risk(
        {
            "breakers": {
                "rejection_rate": {
                    "limit": "25",
                    "window_s": 30,
                    "mode": "REDUCING",
                    "flatten_positions": True,
                }
            }
        }
    )

    rr = config.risk.breakers.rejection_rate
    assert (rr.limit, rr.window_s, rr.min_orders, rr.mode, rr.flatten_positions) == (
        D(25),
        30,
        20,
        "REDUCING",
        True,
    )


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ({"max_order_qty": "1"}, "max_order_qty"),
        ({"accounts": {"a": {"tick_size": "1"}}}, "tick_size"),
        ({"symbols": {"X": {"max_open_positions": 1}}}, "max_open_positions"),
        ({"strategies": {"s": {"max_leverage": "2"}}}, "max_leverage"),
        ({"breakers": {"daily_loss": {"window_s": 5}}}, "window_s"),
        ({"breakers": {"weekly_loss": {"limit": "1"}}}, "weekly_loss"),
        ({"accounts": {"nobody": {}}}, "unknown account"),
        ({"symbols": {"NOPE": {}}}, "unknown symbol"),
        ({"max_order_notional": 1.5}, "strings"),
        ({"max_order_notional": "-1"}, "negative"),
        ({"one_pending_entry_per_side": "yes"}, "true or false"),
        ({"symbols": {"X": {"tick_size": "0"}}}, "must be positive"),
        ({"breakers": {"drawdown": {"limit": "5", "mode": "PAUSED"}}}, "REDUCING"),
        ({"breakers": {"rejection_rate": {"limit": "5", "window_s": 0}}}, "window_s"),
        ({"order_burst": 0}, "must be positive"),
        ({"strategies": {"s": {"orders_per_second": "0"}}}, "risk.strategies.s"),
    ],
)
def test_risk_bad_section_is_an_error_naming_the_key(section, message):
    with pytest.raises(ConfigError, match=message):
        risk(section)
