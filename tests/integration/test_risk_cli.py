"""`fillgate risk` and a risk denial from the CLI, against `fillgate serve` as a process."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent / "fillgate"
# Admission control off: a loaded CI machine must not shed these calls (see conftest.py).
CONFIG = """
[server]
admission_max_in_flight_orders = 0
admission_max_loop_lag_ms = 0
admission_max_queue_delay_ms = 0
[risk]
max_order_notional = "100000"
[risk.symbols.BTC-USD]
tick_size = "0.5"
[risk.breakers.daily_loss]
limit = "5000"
"""


@pytest.fixture
def target(tmp_path: Path) -> Iterator[str]:
    config = tmp_path / "fillgate.toml"
    config.write_text(CONFIG)
    env = {**os.environ, "FILLGATE_LOG_LEVEL": "WARNING"}
    argv = [str(BIN), "serve", "--listen", "127.0.0.1:0", "--config", str(config)]
    proc = subprocess.Popen(
        [*argv, "--journal", str(tmp_path / "j.log")],
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
        yield match.group(1)
    finally:
        proc.kill()
        proc.wait()


def cli(target: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN), "--target", target, *args], capture_output=True, text=True, timeout=30
    )


def test_cli_risk_shows_limits_and_breakers_and_a_denial_names_the_rule(target):
    assert cli(target, "submit", "paper", "BTC-USD", "buy", "0.5").returncode == 0

    shown = cli(target, "risk")
    refused = cli(target, "submit", "paper", "BTC-USD", "buy", "3")
    as_json = cli(target, "--json", "risk", "--account", "paper")

    assert shown.returncode == 0, shown.stderr
    assert "max_order_notional" in shown.stdout and "daily-loss" in shown.stdout
    assert refused.returncode == 1
    assert "FAILED_PRECONDITION NOTIONAL_EXCEEDS_MAX_PER_ORDER" in refused.stderr
    limits = {x["name"]: x for x in json.loads(as_json.stdout)["accounts"][0]["limits"]}
    assert limits["buying_power"]["usage"] == "25000"
