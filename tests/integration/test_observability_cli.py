"""`fillgate serve --metrics` and `fillgate report quality`, against the server as a process.

Also checks deploy/grafana/fillgate.json: every metric its queries use must be in
a real scrape of the running server.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import socket
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

BIN = Path(sys.executable).parent / "fillgate"
ROOT = Path(__file__).resolve().parents[2]
DASHBOARD = ROOT / "deploy" / "grafana" / "fillgate.json"
# PromQL words that are not metric names.
PROMQL = {
    *("sum", "rate", "irate", "increase", "histogram_quantile", "by", "le", "max", "min"),
    *("avg", "count", "without", "on", "ignoring", "clamp_min", "topk", "vector", "or", "and"),
}


# A loaded CI machine must not shed these calls (test_overload.py tests shedding).
NO_ADMISSION = """
[server]
admission_max_in_flight_orders = 0
admission_max_loop_lag_ms = 0
admission_max_queue_delay_ms = 0
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """(gRPC target, /metrics URL) of ``fillgate serve --metrics``."""
    metrics = f"127.0.0.1:{_free_port()}"
    config = tmp_path / "fillgate.toml"
    config.write_text(NO_ADMISSION)
    env = {**os.environ, "FILLGATE_LOG_LEVEL": "WARNING"}
    argv = [str(BIN), "serve", "--listen", "127.0.0.1:0", "--metrics", metrics]
    argv += ["--config", str(config)]
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
        yield match.group(1), f"http://{metrics}/metrics"
    finally:
        proc.kill()
        proc.wait()


def cli(target: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN), "--target", target, *args], capture_output=True, text=True, timeout=30
    )


_SUFFIXES = {"counter": ("_total",), "histogram": ("_bucket", "_sum", "_count"), "gauge": ("",)}


def scrape(url: str) -> set[str]:
    """The series names a real scrape declares (a labelled metric with no sample yet, too)."""
    with urllib.request.urlopen(url, timeout=10) as response:
        text = response.read().decode()
    names: set[str] = set()
    for family in text_string_to_metric_families(text):
        names |= {family.name + suffix for suffix in _SUFFIXES.get(family.type, ("",))}
        names |= {s.name for s in family.samples}
    return names


def dashboard_metrics() -> set[str]:
    panels = json.loads(DASHBOARD.read_text())["panels"]
    exprs = [t["expr"] for p in panels for t in p.get("targets", [])]
    assert exprs, "the dashboard has no queries"
    names: set[str] = set()
    for expr in exprs:
        bare = re.sub(r"\{[^}]*\}|\[[^\]]*\]|\"[^\"]*\"", "", expr)
        bare = re.sub(r"\b(by|without|on|ignoring)\s*\([^)]*\)", "", bare)
        bare = re.sub(r"\b\d[\d.]*(e-?\d+)?\b", "", bare)  # numbers such as 0.99 and 1e-9
        names |= {w for w in re.findall(r"[a-zA-Z_:][a-zA-Z0-9_:]*", bare) if w not in PROMQL}
    return names


def test_cli_report_quality_table_csv_and_json(served):
    target, _ = served
    assert cli(target, "submit", "paper", "BTC-USD", "buy", "0.5").returncode == 0

    table = cli(target, "report", "quality", "--by", "symbol")
    as_csv = cli(target, "report", "quality", "--by", "venue", "--csv")
    as_json = cli(target, "--json", "report", "quality", "--by", "account")

    assert table.returncode == 0, table.stderr
    assert table.stdout.splitlines()[0].split()[:3] == ["key", "orders", "filled"]
    assert table.stdout.splitlines()[1].split()[:3] == ["BTC-USD", "1", "1"]
    (row,) = csv.DictReader(io.StringIO(as_csv.stdout))
    assert (row["key"], row["orders"], row["fill_rate"], row["slip_bps_p50"]) == (
        "paper",
        "1",
        "1",
        "0",
    )
    (doc,) = json.loads(as_json.stdout)
    assert doc["key"] == "paper" and doc["slippage_arrival_bps"]["count"] == 1


def test_dashboard_queries_only_metrics_the_server_exports(served):
    target, url = served
    assert cli(target, "submit", "paper", "BTC-USD", "buy", "0.5").returncode == 0
    exported = scrape(url)
    missing = sorted(dashboard_metrics() - exported)
    assert not missing, f"the dashboard queries metrics the server does not export: {missing}"


def test_cli_audit_denied_lists_refused_order(served):
    target, _ = served
    assert cli(target, "halt", "--account", "paper", "--reason", "drill").returncode == 0
    refused = cli(target, "submit", "paper", "BTC-USD", "buy", "0.5")

    table = cli(target, "audit", "--denied")
    as_csv = cli(target, "audit", "--denied", "--csv")

    assert refused.returncode != 0
    assert table.returncode == 0, table.stderr
    assert table.stdout.split()[:8] == [
        "TIME",
        "ACCOUNT",
        "SYMBOL",
        "SIDE",
        "QTY",
        "TYPE",
        "REASON",
        "CLIENT_ORDER_ID",
    ]
    (row,) = csv.DictReader(io.StringIO(as_csv.stdout))
    assert (row["account"], row["side"], row["quantity"], row["reason"]) == (
        "paper",
        "BUY",
        "0.5",
        "TRADING_HALTED",
    )


def test_cli_report_daily_table_and_csv(served):
    target, _ = served
    assert cli(target, "submit", "paper", "BTC-USD", "buy", "0.5").returncode == 0
    assert cli(target, "submit", "paper", "BTC-USD", "sell", "0.2").returncode == 0

    table = cli(target, "report", "daily")
    as_csv = cli(target, "report", "daily", "--csv", "--account", "paper")

    assert table.returncode == 0, table.stderr
    assert table.stdout.splitlines()[1].split()[:3] == ["account", "symbol", "trades"]
    (row,) = csv.DictReader(io.StringIO(as_csv.stdout))
    assert (row["symbol"], row["trades"], row["bought"], row["sold"]) == (
        "BTC-USD",
        "2",
        "0.5",
        "0.2",
    )
