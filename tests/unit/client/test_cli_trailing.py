"""`fillgate bracket --trail/--stop-limit-offset/--trail-activation` and the request they build."""

from __future__ import annotations

import argparse
import io
from decimal import Decimal as D
from typing import Any

import pytest

from fillgate_client import cli
from fillgate_client.cli_contingent import _bracket
from fillgate_client.contingent import submit_bracket_request


class _Sent(Exception):
    pass


class _Client:
    def __init__(self) -> None:
        self.kwargs: dict[str, Any] = {}

    def submit_bracket(self, *args: Any, **kwargs: Any) -> Any:
        self.kwargs = kwargs
        raise _Sent


def _send(*argv: str) -> dict[str, Any]:
    args = cli.build_parser().parse_args(["bracket", "paper", "BTC-USD", "buy", "0.1", *argv])
    client = _Client()
    with pytest.raises(_Sent):
        _bracket(client, args, io.StringIO())  # type: ignore[arg-type]
    return client.kwargs


def test_cli_bracket_trail_percent_with_stop_limit_and_activation_sends_all_three():
    sent = _send("--trail", "2%", "--stop-limit-offset", "50", "--trail-activation", "51000")

    assert (sent["stop_loss"], sent["stop_limit"], sent["trail_activation_price"]) == (
        "trail_percent:2",
        "offset:50",
        D(51000),
    )


def test_cli_bracket_trail_amount_with_percent_limit_offset_parses():
    sent = _send("--trail", "500", "--stop-limit-offset", "0.5%")

    assert (sent["stop_loss"], sent["stop_limit"]) == ("trail:500", "percent:0.5")


def test_cli_bracket_stop_and_trail_together_exits_with_error():
    with pytest.raises(SystemExit) as info:
        _send("--stop", "offset:5", "--trail", "5")

    assert "exactly one of --stop and --trail" in str(info.value)


def test_cli_bracket_negative_trail_is_refused_by_the_parser():
    with pytest.raises(SystemExit):
        cli.build_parser().parse_args(
            ["bracket", "paper", "BTC-USD", "buy", "0.1", "--trail", "-5"]
        )


def test_client_bracket_request_stop_limit_percent_sets_percent_field():
    request = submit_bracket_request(
        "paper", "BTC-USD", "buy", "1", stop_loss="trail:5",
        stop_limit="percent:0.5", trail_activation_price="101",
    )  # fmt: skip

    assert (request.stop_limit_percent, request.stop_limit_offset) == ("0.5", "")
    assert request.trail_activation_price == "101"


def test_client_bracket_request_malformed_stop_limit_raises_value_error():
    with pytest.raises(ValueError, match="offset:X or percent:X"):
        submit_bracket_request("paper", "BTC-USD", "buy", "1", stop_loss="trail:5", stop_limit="5")


def test_cli_bracket_help_names_the_trailing_options():
    parser = cli.build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    text = sub.choices["bracket"].format_help()

    assert all(o in text for o in ("--trail", "--stop-limit-offset", "--trail-activation"))


def test_orderlist_text_stop_limit_member_shows_limit_and_stop_columns():
    from fillgate_client._pb import order_pb
    from fillgate_client.cli_contingent import order_list_text
    from fillgate_client.contingent import contingent_pb, order_list_from_proto

    found = order_list_from_proto(
        contingent_pb.OrderList(
            list_id="L-1", state=1, contingency=3,
            entry=order_pb.Order(order_id="L-1", quantity="1", filled_quantity="1"),
            members=[
                order_pb.Order(
                    order_id="S-1", quantity="1", filled_quantity="0", limit_price="94",
                    stop_price="95", tags={"ct.role": "sl"},
                )
            ],
        )
    )  # fmt: skip

    title, header, _, stop = order_list_text(found).splitlines()
    assert "trail" not in title
    assert header.split()[5:7] == ["PRICE", "STOP"]
    assert stop.split()[0] == "sl" and stop.split()[5:7] == ["94", "95"]


def test_orderlist_text_trailing_bracket_waiting_says_its_activation_price():
    from fillgate_client._pb import order_pb
    from fillgate_client.cli_contingent import order_list_text
    from fillgate_client.contingent import contingent_pb, order_list_from_proto

    entry = order_pb.Order(order_id="L-1", tags={"ct.sl": "trail:5", "ct.sl.act": "110"})
    found = order_list_from_proto(contingent_pb.OrderList(list_id="L-1", state=1, entry=entry))

    assert order_list_text(found).splitlines()[0].endswith("trail waiting for 110")
