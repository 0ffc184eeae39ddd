"""MarketDataService answers -> typed client values (issue 12)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from google.protobuf.timestamp_pb2 import Timestamp

from fillgate.v1 import market_data_pb2, market_data_service_pb2
from fillgate_client.cli_quotes import accounts_text, quote_line, quotes_text
from fillgate_client.quotes import accounts_from_proto, quotes_from_proto

T = datetime(2026, 1, 5, 14, 30, 0, 250000, tzinfo=UTC)


def stamp(moment: datetime) -> Timestamp:
    message = Timestamp()
    message.FromDatetime(moment)
    return message


def assert_all_set(message: object) -> None:
    present = {f.name for f, _ in message.ListFields()}  # type: ignore[attr-defined]
    missing = [f.name for f in message.DESCRIPTOR.fields if f.name not in present]  # type: ignore[attr-defined]
    assert not missing, missing


def quote_proto() -> market_data_pb2.Quote:
    return market_data_pb2.Quote(
        symbol="EUR-USD",
        bid="1.08461",
        ask="1.08462",
        last="1.0846",
        mark="1.084615",
        source="venue",
        quote_time=stamp(T),
        age_ms=1500,
        stale=True,
        price_precision=5,
    )


def account_proto() -> market_data_pb2.AccountState:
    return market_data_pb2.AccountState(
        account="fx",
        venue="oanda",
        currency="USD",
        venue_cash="10000",
        venue_equity="10015.38",
        venue_buying_power="9900",
        venue_margin_used="36.63",
        venue_margin_available="9978.75",
        fillgate_cash="8915.38",
        fillgate_equity="10015.38",
        equity_difference="0.0001",
        drift=True,
        read_time=stamp(T),
    )


def test_client_quotes_every_field_converted_exactly() -> None:
    message = quote_proto()
    assert_all_set(message)

    result = quotes_from_proto(
        market_data_service_pb2.GetQuotesResponse(quotes=[message], max_quote_age_ms=10_000)
    )

    (q,) = result.quotes
    assert (q.bid, q.ask, q.last, q.mark) == (
        Decimal("1.08461"),
        Decimal("1.08462"),
        Decimal("1.0846"),
        Decimal("1.084615"),
    )
    assert (q.source, q.quote_time, q.age_ms, q.stale, q.price_precision) == (
        "venue",
        T,
        1500,
        True,
        5,
    )
    assert result.max_quote_age_ms == 10_000


def test_client_quotes_text_rounds_prices_to_symbol_precision() -> None:
    result = quotes_from_proto(market_data_service_pb2.GetQuotesResponse(quotes=[quote_proto()]))

    text = quotes_text(result)
    line = quote_line(result.quotes[0])

    assert "1.08462" in text and "1.084615" not in text
    assert "quotes never go stale" in text
    assert "mark=1.08462" in line and "stale=yes" in line


def test_client_accounts_every_field_converted_exactly() -> None:
    message = account_proto()
    assert_all_set(message)

    (a,) = accounts_from_proto(market_data_service_pb2.GetAccountsResponse(accounts=[message]))

    assert (a.account, a.venue, a.currency, a.drift, a.read_time) == ("fx", "oanda", "USD", True, T)
    assert (a.venue_cash, a.venue_equity, a.venue_buying_power) == (
        Decimal(10000),
        Decimal("10015.38"),
        Decimal(9900),
    )
    assert (a.venue_margin_used, a.venue_margin_available) == (Decimal("36.63"), Decimal("9978.75"))
    assert (a.fillgate_cash, a.fillgate_equity, a.equity_difference) == (
        Decimal("8915.38"),
        Decimal("10015.38"),
        Decimal("0.0001"),
    )


def test_client_accounts_empty_venue_values_are_none() -> None:
    message = market_data_pb2.AccountState(
        account="fx", venue="oanda", fillgate_cash="1", fillgate_equity="1"
    )

    (a,) = accounts_from_proto(market_data_service_pb2.GetAccountsResponse(accounts=[message]))

    assert (a.venue_equity, a.equity_difference, a.read_time) == (None, None, None)
    assert "fx" in accounts_text([a])
