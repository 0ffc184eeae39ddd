"""The ``fillgate`` command line: parsing, exit codes and the fills history logic."""

from __future__ import annotations

import argparse
import io
import sys
from collections.abc import Iterator
from decimal import Decimal
from types import ModuleType, SimpleNamespace
from typing import Any

import grpc
import pytest

from fillgate_client import _convert, cli
from fillgate_client.errors import FailedPreconditionError
from fillgate_client.types import HaltScope, Heartbeat, StreamEvent


def parse(*argv: str) -> argparse.Namespace:
    args = cli.build_parser().parse_args(argv)
    cli._check(args)
    return args


class FakeClient:
    """Stands in for FillgateClient: records calls, replays events, raises on demand."""

    def __init__(self, events: list[StreamEvent | BaseException] | None = None) -> None:
        self.events = events or []
        self.calls: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = []
        self.error: BaseException | None = None
        self.closed_stream = False

    def __enter__(self) -> FakeClient:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def stream_fills(self, *args: Any, **kwargs: Any) -> Iterator[StreamEvent]:
        self.calls.append(("stream_fills", args, kwargs))

        def generate() -> Iterator[StreamEvent]:
            try:
                for item in self.events:
                    if isinstance(item, BaseException):
                        raise item
                    yield item
            finally:
                self.closed_stream = True

        return generate()

    def __getattr__(self, name: str) -> Any:
        def call(*args: Any, **kwargs: Any) -> Any:
            self.calls.append((name, args, kwargs))
            if self.error is not None:
                raise self.error
            return []

        return call


def test_parse_submit_all_options_typed_values() -> None:
    args = parse(
        "submit",
        "paper",
        "BTC-USD",
        "buy",
        "0.5",
        "--type",
        "stop-limit",
        "--limit",
        "100.10",
        "--stop",
        "101",
        "--tif",
        "ioc",
        "--client-order-id",
        "c1",
        "--strategy",
        "s1",
        "--tag",
        "a=1",
        "--tag",
        "b=x=y",
        "--reduce-only",
    )
    assert (args.account, args.symbol, args.side) == ("paper", "BTC-USD", "buy")
    assert args.quantity == Decimal("0.5")
    assert args.limit == Decimal("100.10")
    assert (args.type, args.tif, args.reduce_only) == ("stop-limit", "ioc", True)
    assert args.tag == [("a", "1"), ("b", "x=y")]


def test_parse_submit_extended_hours_flag_sets_it() -> None:
    args = parse(
        "submit", "paper", "AAPL", "buy", "1", "--type", "limit", "--limit", "190",
        "--tif", "day", "--extended-hours",
    )  # fmt: skip
    assert args.extended_hours is True
    assert parse("submit", "paper", "AAPL", "buy", "1").extended_hours is False


def test_parse_market_symbols_optional() -> None:
    assert parse("market").symbols == []
    assert parse("market", "AAPL", "EUR-USD").symbols == ["AAPL", "EUR-USD"]


def test_parse_global_options_after_subcommand_are_honoured() -> None:
    args = parse("orders", "--json", "--target", "h:1")
    assert (args.json, args.target) == (True, "h:1")


def test_parse_global_options_before_subcommand_survive() -> None:
    args = parse("--json", "--target", "h:2", "state")
    assert (args.json, args.target) == (True, "h:2")


def test_parse_no_target_uses_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FILLGATE_TARGET", "env-host:9")
    assert parse("ping").target == "env-host:9"


def test_parse_orders_states_repeated_and_multiple_values_combined() -> None:
    args = parse("orders", "--state", "filled", "canceled", "--state", "new", "--open")
    assert args.state == ["filled", "canceled", "new"]
    assert args.open is True


@pytest.mark.parametrize(
    ("argv", "scope"),
    [
        (["halt", "--account", "paper", "--reason", "r"], (HaltScope.ACCOUNT, "paper")),
        (["halt", "--symbol", "BTC-USD", "--reason", "r"], (HaltScope.SYMBOL, "BTC-USD")),
        (["halt", "--strategy", "s1", "--reason", "r"], (HaltScope.STRATEGY, "s1")),
        (["resume", "--all"], (HaltScope.ALL, "")),
    ],
)
def test_scope_of_each_option_picks_scope_and_target(
    argv: list[str], scope: tuple[HaltScope, str]
) -> None:
    assert cli.scope_of(parse(*argv)) == scope


@pytest.mark.parametrize(
    "argv",
    [
        ["submit", "paper", "BTC-USD", "buy", "1.5x"],
        ["submit", "paper", "BTC-USD", "hold", "1"],
        ["submit", "paper", "BTC-USD", "buy", "1", "--tag", "novalue"],
        ["cancel"],
        ["cancel", "ord-1", "--account", "paper"],
        ["cancel", "--account", "paper"],
        ["replace", "ord-1"],
        ["halt", "--reason", "no scope"],
        ["halt", "--all", "--account", "paper", "--reason", "two scopes"],
        ["halt", "--all"],
        ["fills", "--from-seq", "-1"],
        ["price", "BTC-USD", "NaN"],
    ],
)
def test_main_usage_error_exits_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(argv) == 2
    assert "error:" in capsys.readouterr().err


def test_main_rpc_error_prints_reason_and_exits_1(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fake = FakeClient()
    fake.error = FailedPreconditionError(
        grpc.StatusCode.FAILED_PRECONDITION,
        "account paper is halted (reason: drill)",
        reason="TRADING_HALTED",
    )
    monkeypatch.setattr(cli, "FillgateClient", lambda *a, **k: fake)
    assert cli.main(["submit", "paper", "BTC-USD", "buy", "1"]) == 1
    assert capsys.readouterr().err == (
        "error: FAILED_PRECONDITION TRADING_HALTED: account paper is halted (reason: drill)\n"
    )


def test_main_state_no_restrictions_prints_active(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(cli, "FillgateClient", lambda *a, **k: FakeClient())
    assert cli.main(["state"]) == 0
    assert "all trading is active" in capsys.readouterr().out


def test_main_serve_calls_run_server_with_options(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, Any] = {}

    def run_server(**kwargs: Any) -> int:
        seen.update(kwargs)
        return 3

    module = ModuleType("fillgate.app")
    module.run_server = run_server  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "fillgate.app", module)
    argv = ["serve", "--config", "c.toml", "--listen", "0.0.0.0:1", "--journal", "off"]
    argv += ["--metrics", "127.0.0.1:9464"]
    argv += ["--console", "127.0.0.1:8080"]
    assert cli.main(argv) == 3
    assert seen == {
        "config_path": "c.toml",
        "listen": "0.0.0.0:1",
        "journal": "off",
        "metrics": "127.0.0.1:9464",
        "insecure": False,
        "console": "127.0.0.1:8080",
    }


def reports(pb: SimpleNamespace, *sequences: int) -> list[StreamEvent]:
    return [_convert.execution_report_from_proto(pb.report(s)) for s in sequences]


def ack(pb: SimpleNamespace, head: int, first: int) -> StreamEvent:
    return _convert.subscription_ack_from_proto(pb.ack(head, first))


def run_fills(client: FakeClient, *argv: str) -> tuple[int, list[str]]:
    out = io.StringIO()
    code = cli._fills(client, parse("fills", *argv), out)  # type: ignore[arg-type]
    return code, out.getvalue().splitlines()


def test_fills_history_prints_up_to_head_then_exits(pb: SimpleNamespace) -> None:
    client = FakeClient([ack(pb, 3, 1), *reports(pb, 1, 2, 3, 4)])
    code, lines = run_fills(client, "--account", "paper")
    assert code == 0
    assert [line.split()[0] for line in lines] == ["1", "2", "3"]
    assert client.calls[0][1] == (["paper"], [], 0, cli.HISTORY_HEARTBEAT_MS)
    assert client.closed_stream


def test_fills_history_sequence_past_head_exits_without_printing(pb: SimpleNamespace) -> None:
    client = FakeClient([ack(pb, 3, 1), *reports(pb, 2, 5, 6)])
    code, lines = run_fills(client, "--symbol", "BTC-USD")
    assert (code, [line.split()[0] for line in lines]) == (0, ["2"])


def test_fills_history_heartbeat_after_drain_exits(pb: SimpleNamespace) -> None:
    heartbeat = Heartbeat(head_sequence=9, server_time=None)
    client = FakeClient([ack(pb, 9, 1), *reports(pb, 4), heartbeat, *reports(pb, 8)])
    code, lines = run_fills(client)
    assert (code, len(lines)) == (0, 1)


@pytest.mark.parametrize(("head", "first"), [(0, 1), (5, 8)])
def test_fills_history_nothing_retained_exits_immediately(
    pb: SimpleNamespace, head: int, first: int
) -> None:
    client = FakeClient([ack(pb, head, first), *reports(pb, 9)])
    assert run_fills(client) == (0, [])


def test_fills_history_from_seq_passed_to_stream(pb: SimpleNamespace) -> None:
    client = FakeClient([ack(pb, 10, 8), *reports(pb, 8, 9, 10)])
    _, lines = run_fills(client, "--from-seq", "7")
    assert client.calls[0][1][2] == 7
    assert len(lines) == 3


def test_fills_follow_live_only_until_interrupt_exits_0(pb: SimpleNamespace) -> None:
    heartbeat = Heartbeat(head_sequence=1, server_time=None)
    client = FakeClient([ack(pb, 0, 1), heartbeat, *reports(pb, 1, 2), KeyboardInterrupt()])
    code, lines = run_fills(client, "--follow")
    assert code == 0
    assert client.calls[0][1][2] is None  # live events only
    assert [line.split()[0] for line in lines] == ["1", "2"]  # no ack or heartbeat in text
    assert client.closed_stream


def test_fills_follow_json_prints_every_event_one_per_line(pb: SimpleNamespace) -> None:
    client = FakeClient([ack(pb, 0, 1), *reports(pb, 1), KeyboardInterrupt()])
    code, lines = run_fills(client, "--follow", "--json", "--from-seq", "0")
    assert code == 0
    assert client.calls[0][1][2] == 0
    assert [line.split('"')[3] for line in lines] == ["subscribed", "execution_report"]


def test_fills_exec_type_and_kind_are_passed_to_the_stream(pb: SimpleNamespace) -> None:
    client = FakeClient([ack(pb, 0, 1)])
    run_fills(client, "--follow", "--exec-type", "trade", "canceled", "--kind", "execution-report")
    kwargs = client.calls[0][2]
    assert kwargs == {"kinds": ["execution-report"], "exec_types": ["trade", "canceled"]}


def test_fills_unknown_exec_type_is_a_usage_error() -> None:
    with pytest.raises(SystemExit):
        parse("fills", "--exec-type", "filled-ish")
