"""Client side of order time limits: `submit --expire-after`, request fields, JSON output."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from fillgate_client import _requests, cli
from fillgate_client._output import duration_text


def _parse(*argv: str):
    return cli.build_parser().parse_args(argv)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("60s", timedelta(seconds=60)),
        ("500ms", timedelta(milliseconds=500)),
        ("5m", timedelta(minutes=5)),
        ("2h", timedelta(hours=2)),
        ("90", timedelta(seconds=90)),
        ("1.5s", timedelta(milliseconds=1500)),
    ],
)
def test_cli_submit_expire_after_parses_duration_units(text, expected):
    args = _parse("submit", "paper", "BTC-USD", "buy", "1", "--expire-after", text)

    assert args.expire_after == expected


@pytest.mark.parametrize("text", ["0s", "-5s", "soon", "\u0661s", "infs", "1e30s"])
def test_cli_submit_expire_after_bad_duration_is_a_usage_error(text, capsys):
    with pytest.raises(SystemExit):
        _parse("submit", "paper", "BTC-USD", "buy", "1", "--expire-after", text)


def test_submit_request_expire_after_sets_duration_field():
    request = _requests.submit_order(
        "paper", "BTC-USD", "buy", "1", expire_after=timedelta(seconds=60)
    )

    assert (request.expire_after.seconds, request.expire_after.nanos) == (60, 0)
    assert not request.HasField("expire_time")


def test_submit_request_expire_time_sets_timestamp_field():
    at = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)

    request = _requests.submit_order("paper", "BTC-USD", "buy", "1", expire_time=at)

    assert request.expire_time.ToDatetime(tzinfo=UTC) == at


def test_submit_request_naive_expire_time_raises_value_error():
    with pytest.raises(ValueError, match="timezone-aware"):
        _requests.submit_order("paper", "BTC-USD", "buy", "1", expire_time=datetime(2030, 1, 1))


def test_submit_request_zero_expire_after_raises_value_error():
    with pytest.raises(ValueError, match="positive"):
        _requests.submit_order("paper", "BTC-USD", "buy", "1", expire_after=timedelta(0))


def test_duration_text_writes_protobuf_json_seconds():
    assert [duration_text(timedelta(seconds=60)), duration_text(timedelta(milliseconds=1500))] == [
        "60s",
        "1.5s",
    ]


def test_order_text_shows_expire_after_as_seconds():
    from fillgate_client._output import format_value

    assert format_value(timedelta(seconds=60)) == "60s"


def test_cli_bracket_expire_after_and_ladder_parse():
    args = _parse(
        "bracket", "paper", "BTC-USD", "buy", "0.1", "--limit", "49000", "--stop", "offset:500",
        "--take-profit", "percent:1@0.5", "--take-profit", "percent:2@qty:0.05",
        "--expire-after", "60s",
    )  # fmt: skip

    assert (args.expire_after, args.stop) == (timedelta(seconds=60), "offset:500")
    assert args.take_profit == ["percent:1@0.5", "percent:2@qty:0.05"]


def test_take_profit_text_sets_fraction_or_quantity():
    from fillgate_client.contingent import take_profit

    assert (take_profit("percent:1@0.5").fraction, take_profit("price:9@qty:2").quantity) == (
        "0.5",
        "2",
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-12-05T21:00:00Z", datetime(2026, 12, 5, 21, 0, tzinfo=UTC)),
        ("2026-12-05T16:00-05:00", datetime(2026, 12, 5, 21, 0, tzinfo=UTC)),
    ],
)
def test_cli_submit_expire_time_parses_iso_time_with_offset(text, expected):
    args = _parse("submit", "paper", "BTC-USD", "buy", "1", "--expire-time", text)

    assert args.expire_time == expected


@pytest.mark.parametrize("text", ["2026-12-05T21:00:00", "tomorrow", "2026-13-05T21:00Z"])
def test_cli_submit_expire_time_without_offset_or_not_a_time_is_a_usage_error(text):
    with pytest.raises(SystemExit):
        _parse("submit", "paper", "BTC-USD", "buy", "1", "--expire-time", text)
