"""The client's risk surface: GetRiskState values, the RiskAlert stream event, `fillgate risk`."""

from __future__ import annotations

import io
import json
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest

from fillgate_client import _convert, _output, cli
from fillgate_client.cli_risk import risk_text
from fillgate_client.risk import risk_state_from_proto
from fillgate_client.types import BreakerKind, BreakerState, TradingMode


def test_risk_state_from_proto_typed_values(pb: SimpleNamespace) -> None:
    message = pb.risk_state()
    for part in (message.accounts[0].limits[0], message.accounts[0].breakers[0]):
        pb.assert_all_set(part)

    state = risk_state_from_proto(message)

    (account,) = state.accounts
    position, notional = account.limits
    assert (position.subject, position.limit, position.usage) == ("BTC-USD", 10, Decimal("2.5"))
    assert position.utilization == Decimal("0.25")
    assert (notional.usage, notional.utilization) == (None, None)
    (loss,) = account.breakers
    assert (loss.breaker, loss.state, loss.mode) == (
        BreakerKind.DAILY_LOSS,
        BreakerState.TRIPPED,
        TradingMode.HALTED,
    )
    assert loss.trip_time == pb.T1
    assert state.global_limits[0].usage == 125000


def test_risk_alert_from_proto_typed_values(pb: SimpleNamespace) -> None:
    alert = _convert.risk_alert_from_proto(pb.risk_alert())

    assert (alert.breaker, alert.mode, alert.value, alert.limit) == (
        BreakerKind.SLIPPAGE,
        TradingMode.REDUCING,
        Decimal("2.5"),
        1,
    )


def test_risk_alert_event_line_names_breaker_account_and_mode(pb: SimpleNamespace) -> None:
    line = _output.event_line(_convert.risk_alert_from_proto(pb.risk_alert()))

    assert "RISK ALERT slippage paper BTC-USD -> reducing: breaker slippage tripped" in line


def test_risk_alert_event_json_is_tagged(pb: SimpleNamespace) -> None:
    doc = json.loads(_output.event_json(_convert.risk_alert_from_proto(pb.risk_alert())))

    assert (doc["event"], doc["breaker"], doc["value"]) == ("risk_alert", "SLIPPAGE", "2.5")


def test_risk_text_tables_limits_breakers_and_trip(pb: SimpleNamespace) -> None:
    text = risk_text(risk_state_from_proto(pb.risk_state()))

    lines = [line.split() for line in text.splitlines()]
    assert "account paper  equity 998799.5  day start 1000000  day peak 1000100" in text
    assert ["NAME", "FOR", "LIMIT", "USAGE", "USED"] in lines
    assert ["max_position_quantity", "BTC-USD", "10", "2.5", "25.0%"] in lines
    assert ["max_order_notional", "250000"] in lines
    (loss,) = [line for line in lines if line[:1] == ["daily-loss"]]
    assert loss[:7] == ["daily-loss", "tripped", "1200.5", "1000", "halted", "+cancel", "+flatten"]
    assert "breaker daily_loss tripped" in text
    assert ["max_total_gross_exposure", "5000000", "125000", "2.5%"] in lines


def test_risk_text_disabled_server_says_so() -> None:
    text = risk_text(
        risk_state_from_proto(SimpleNamespace(enabled=False, accounts=[], global_limits=[]))
    )

    assert "disabled" in text


class RiskClient:
    """Stands in for FillgateClient: answers get_risk_state and records the call."""

    def __init__(self, state: Any) -> None:
        self.state = state
        self.calls: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = []

    def __enter__(self) -> RiskClient:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def get_risk_state(self, accounts: Any = ()) -> Any:
        self.calls.append(("get_risk_state", (accounts,), {}))
        return self.state


def test_main_risk_prints_table_and_passes_accounts(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], pb: SimpleNamespace
) -> None:
    fake = RiskClient(risk_state_from_proto(pb.risk_state()))
    monkeypatch.setattr(cli, "FillgateClient", lambda *a, **k: fake)

    assert cli.main(["risk", "--account", "paper"]) == 0

    assert "max_position_quantity" in capsys.readouterr().out
    assert fake.calls == [("get_risk_state", (["paper"],), {})]


def test_main_risk_json_keeps_decimals_as_strings(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], pb: SimpleNamespace
) -> None:
    monkeypatch.setattr(
        cli, "FillgateClient", lambda *a, **k: RiskClient(risk_state_from_proto(pb.risk_state()))
    )

    assert cli.main(["risk", "--json"]) == 0

    doc = json.loads(capsys.readouterr().out)
    assert doc["accounts"][0]["limits"][0]["usage"] == "2.5"
    assert doc["accounts"][0]["breakers"][0]["state"] == "TRIPPED"


class StreamClient:
    """Replays stream events to ``fillgate fills``."""

    def __init__(self, events: list[Any]) -> None:
        self.events = events

    def stream_fills(self, *args: Any, **kwargs: Any) -> Any:
        yield from self.events


def test_fills_follow_prints_risk_alerts_but_not_heartbeats(pb: SimpleNamespace) -> None:
    events = [
        _convert.subscription_ack_from_proto(pb.ack(0, 1)),
        _convert.execution_report_from_proto(pb.report(8)),
        _convert.heartbeat_from_proto(pb.heartbeat()),
        _convert.risk_alert_from_proto(pb.risk_alert(9)),
    ]
    out = io.StringIO()
    args = cli.build_parser().parse_args(["fills", "--follow"])

    assert cli._fills(StreamClient(events), args, out) == 0  # type: ignore[arg-type]

    lines = out.getvalue().splitlines()
    assert [line.split()[0] for line in lines] == ["8", "9"]
    assert "RISK ALERT slippage" in lines[1]
