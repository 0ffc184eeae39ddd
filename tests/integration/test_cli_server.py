"""The README path: `fillgate serve` as a process, driven by the `fillgate` CLI."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent / "fillgate"
# The embedded defaults, but admission control off: a loaded CI machine must not shed
# these calls (test_admission.py and test_overload.py test shedding on their own servers).
ADMISSION_OFF = """
[server]
admission_max_in_flight_orders = 0
admission_max_loop_lag_ms = 0
admission_max_queue_delay_ms = 0
"""


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], str]]:
    env = {**os.environ, "FILLGATE_LOG_LEVEL": "WARNING"}
    config = tmp_path / "fillgate.toml"
    config.write_text(ADMISSION_OFF)
    proc = subprocess.Popen(
        [
            *(str(BIN), "serve", "--listen", "127.0.0.1:0", "--config", str(config)),
            *("--journal", str(tmp_path / "j.log")),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    match = re.search(r"listening on (\S+)", line)
    assert match, f"server did not start: {line!r}"
    try:
        yield proc, match.group(1)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def cli(target: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN), "--target", target, *args], capture_output=True, text=True, timeout=30
    )


def test_cli_submit_market_buy_prints_filled_order(served):
    _, target = served
    out = cli(target, "--json", "submit", "paper", "BTC-USD", "buy", "0.5")
    assert out.returncode == 0, out.stderr
    order = json.loads(out.stdout)["order"]
    assert order["state"] == "FILLED"
    assert order["filled_quantity"] == "0.5"


def test_cli_halt_with_cancel_open_then_submit_fails_with_failed_precondition(served):
    _, target = served
    resting = cli(
        target, "submit", "paper", "ETH-USD", "buy", "1", "--type", "limit", "--limit", "2500"
    )
    assert resting.returncode == 0, resting.stderr
    halted = cli(target, "halt", "--account", "paper", "--cancel-open", "--reason", "desk closed")
    assert halted.returncode == 0, halted.stderr
    assert "canceled" in halted.stdout
    refused = cli(target, "submit", "paper", "BTC-USD", "buy", "0.1")
    assert refused.returncode == 1
    assert "FAILED_PRECONDITION" in refused.stderr and "TRADING_HALTED" in refused.stderr
    assert "desk closed" in refused.stderr


def test_cli_positions_shows_quantity_and_pnl(served):
    _, target = served
    assert cli(target, "submit", "paper", "BTC-USD", "buy", "0.5").returncode == 0
    assert cli(target, "price", "BTC-USD", "51000").returncode == 0
    out = cli(target, "--json", "positions")
    assert out.returncode == 0, out.stderr
    [account] = json.loads(out.stdout)
    [pos] = account["positions"]
    assert (pos["quantity"], pos["unrealized_pnl"]) == ("0.5", "500")


def test_serve_on_sigterm_exits_zero_and_ends_streams(served):
    proc, target = served
    follower = subprocess.Popen(
        [str(BIN), "--target", target, "fills", "--follow"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(1.0)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=10) == 0
    follower.wait(timeout=10)
    assert follower.returncode != 0 or "shutting down" in follower.stderr


def test_cli_audit_exports_trades_as_csv(served, tmp_path):
    _, target = served
    assert cli(target, "submit", "paper", "BTC-USD", "buy", "0.5").returncode == 0
    out_file = tmp_path / "trades.csv"
    out = cli(target, "audit", "--trades", "--csv", "--output", str(out_file))
    assert out.returncode == 0, out.stderr
    header, row = out_file.read_text().splitlines()
    fields = dict(zip(header.split(","), row.split(","), strict=True))
    assert (fields["exec_type"], fields["last_quantity"], fields["last_price"]) == (
        "TRADE",
        "0.5",
        "50000",
    )


def test_serve_second_server_on_same_journal_exits_with_clear_error(served, tmp_path):
    second = subprocess.run(
        [str(BIN), "serve", "--listen", "127.0.0.1:0", "--journal", str(tmp_path / "j.log")],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert second.returncode != 0
    assert "in use by another fillgate process" in second.stderr
