"""`fillgate orderlist LIST_ID` shows a list; `fillgate orderlist cancel LIST_ID` ends it."""

from __future__ import annotations

import io
from typing import Any

import pytest

from fillgate_client import cli
from fillgate_client.cli_contingent import _orderlist


class _Sent(Exception):
    pass


class _Client:
    def __init__(self) -> None:
        self.called: tuple[str, tuple[Any, ...], dict[str, Any]] = ("", (), {})

    def get_order_list(self, *args: Any, **kwargs: Any) -> Any:
        self.called = ("get_order_list", args, kwargs)
        raise _Sent

    def cancel_order_list(self, *args: Any, **kwargs: Any) -> Any:
        self.called = ("cancel_order_list", args, kwargs)
        raise _Sent


def _run(*argv: str) -> tuple[str, tuple[Any, ...], dict[str, Any]]:
    args = cli.build_parser().parse_args(["orderlist", *argv])
    client = _Client()
    with pytest.raises(_Sent):
        _orderlist(client, args, io.StringIO())  # type: ignore[arg-type]
    return client.called


def test_cli_orderlist_cancel_list_id_calls_cancel_order_list():
    assert _run("cancel", "O-1") == ("cancel_order_list", ("O-1",), {"account": None})


def test_cli_orderlist_cancel_with_account_passes_it():
    called = _run("cancel", "O-1", "--account", "paper")

    assert called == ("cancel_order_list", ("O-1",), {"account": "paper"})


def test_cli_orderlist_list_id_alone_still_shows_the_list():
    assert _run("O-1") == ("get_order_list", ("O-1",), {})


def test_cli_orderlist_unknown_action_exits_with_error():
    args = cli.build_parser().parse_args(["orderlist", "close", "O-1"])

    with pytest.raises(SystemExit, match="unknown orderlist action"):
        _orderlist(_Client(), args, io.StringIO())  # type: ignore[arg-type]
