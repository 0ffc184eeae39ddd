"""Alpaca's JSON to venue values and back: times, statuses, symbols, floats (no network)."""

from __future__ import annotations

from decimal import Decimal as D
from typing import Any

import pytest

from fillgate.venues.alpaca import translate
from fillgate.venues.alpaca.translate import MalformedAnswer, SymbolMap
from fillgate.venues.types import VenueStatus

pytestmark = pytest.mark.filterwarnings("ignore:websockets.legacy is deprecated:DeprecationWarning")

SYMBOLS = SymbolMap({"BTC-USD": "BTC/USD"})


def order_json(**fields: Any) -> dict[str, Any]:
    raw: dict[str, Any] = {
        "id": "61e69015-8549-4bfd-b9c3-01e75843f47d",
        "client_order_id": "c-1",
        "symbol": "AAPL",
        "side": "sell",
        "qty": "3",
        "filled_qty": "1",
        "filled_avg_price": "190.2500",
        "status": "partially_filled",
        "updated_at": "2026-11-21T06:05:11.491840Z",
    }
    raw.update(fields)
    return raw


def test_time_ns_keeps_nanosecond_fractions_exactly():
    assert translate.time_ns("2022-04-19T13:51:46.524093443Z") == 1650376306_524093443


def test_time_ns_reads_offsets_and_whole_seconds():
    assert translate.time_ns("2022-04-19T09:51:46-04:00") == 1650376306_000000000


def test_time_ns_missing_or_garbled_is_zero():
    assert (translate.time_ns(None), translate.time_ns("yesterday")) == (0, 0)


def test_rfc3339_formats_microseconds_truncated():
    assert translate.rfc3339(1650376306_524093443) == "2022-04-19T13:51:46.524093Z"


@pytest.mark.parametrize(
    ("word", "filled", "status"),
    [
        ("accepted", None, VenueStatus.PENDING),
        ("pending_new", None, VenueStatus.PENDING),
        ("new", D(0), VenueStatus.NEW),
        ("done_for_day", D(0), VenueStatus.NEW),
        ("done_for_day", D(1), VenueStatus.PARTIALLY_FILLED),
        ("pending_cancel", D(1), VenueStatus.PARTIALLY_FILLED),
        ("replaced", D(0), VenueStatus.REPLACED),
        ("expired", D(0), VenueStatus.EXPIRED),
    ],
)
def test_status_word_maps_to_venue_status(word, filled, status):
    assert translate.status(word, filled) is status


def test_unknown_status_word_is_malformed():
    with pytest.raises(MalformedAnswer):
        translate.status("teleported", None)


def test_order_snapshot_parses_decimal_strings():
    snapshot = translate.order(order_json(), SYMBOLS)

    assert (snapshot.quantity, snapshot.filled_quantity, snapshot.average_price) == (
        D(3),
        D(1),
        D("190.25"),
    )
    assert snapshot.status is VenueStatus.PARTIALLY_FILLED


def test_order_without_id_is_malformed():
    raw = order_json()
    del raw["id"]

    with pytest.raises(MalformedAnswer):
        translate.order(raw, SYMBOLS)


def test_symbol_map_default_rule_both_ways():
    symbols = SymbolMap({})

    assert (symbols.venue("AAPL"), symbols.venue("ETH-USD")) == ("AAPL", "ETH/USD")
    assert (symbols.ours("AAPL"), symbols.ours("ETH/USD")) == ("AAPL", "ETH-USD")


def test_symbol_map_reads_crypto_positions_without_slash():
    assert SYMBOLS.ours("BTCUSD") == "BTC-USD"
    assert SymbolMap({}).ours("ETHUSDT", crypto=True) == "ETH-USDT"


def test_position_short_side_is_negative_whatever_the_qty_sign():
    raw = {"symbol": "AAPL", "qty": "2", "side": "short", "avg_entry_price": "190.25"}

    assert translate.position(raw, SYMBOLS).quantity == D(-2)


@pytest.mark.parametrize("text", ["0.1", "190.27", "0.000000001", "123456789012.345"])
def test_to_float_passes_values_the_float_keeps(text):
    assert D(repr(translate.to_float(D(text)))) == D(text)


@pytest.mark.parametrize("text", ["1.000000000000001", "0.1234567890123456", "NaN"])
def test_to_float_refuses_values_the_float_would_alter(text):
    with pytest.raises(ValueError):
        translate.to_float(D(text))
