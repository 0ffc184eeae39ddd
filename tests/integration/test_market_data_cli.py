"""`fillgate quotes [--follow]` and `fillgate positions` precision, against `fillgate serve`."""

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
SAMPLE = Path(__file__).parents[2] / "examples" / "quotes" / "sample.csv"


# Admission off: a loaded machine must not shed these calls (see conftest.py).
NO_ADMISSION = """[server]
admission_max_in_flight_orders = 0
admission_max_loop_lag_ms = 0
admission_max_queue_delay_ms = 0
"""


def serve(tmp_path: Path, toml: str) -> Iterator[str]:
    config = tmp_path / "fillgate.toml"
    config.write_text(NO_ADMISSION + toml)
    env = {**os.environ, "FILLGATE_LOG_LEVEL": "WARNING"}
    proc = subprocess.Popen(
        [str(BIN), "serve", "--listen", "127.0.0.1:0", "--config", str(config), "--journal", "off"],
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


@pytest.fixture
def target(tmp_path: Path) -> Iterator[str]:
    # Looping at 50x: the 50 s file takes 1 s, so --follow sees quotes change.
    yield from serve(
        tmp_path, f'[marketdata]\nfeed = "{SAMPLE}"\nfeed_speed = 50\nfeed_loop = true\n'
    )


@pytest.fixture
def plain(tmp_path: Path) -> Iterator[str]:
    yield from serve(tmp_path, "")


def cli(target: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN), "--target", target, *args], capture_output=True, text=True, timeout=30
    )


def test_cli_quotes_table_and_follow_print_feed_quotes_at_symbol_precision(target):
    shown = cli(target, "quotes")
    followed = cli(
        target, "--json", "quotes", "--follow", "--interval", "0.1", "--max-updates", "6"
    )

    assert shown.returncode == 0, shown.stderr
    header, *rows = shown.stdout.splitlines()[:5]
    assert header.split() == ["SYMBOL", "BID", "ASK", "LAST", "MARK", "SOURCE", "AGE_MS", "STALE"]
    eur = next(r.split() for r in rows if r.startswith("EUR-USD"))
    assert all(len(p.split(".")[1]) == 5 for p in eur[1:3])  # 5 decimals: EUR-USD's precision
    assert followed.returncode == 0, followed.stderr
    lines = [json.loads(x) for x in followed.stdout.splitlines()]
    assert len(lines) == 6
    assert {x["source"] for x in lines} <= {"feed", "reference"}


def test_cli_positions_prints_average_and_mark_at_symbol_precision(plain):
    # Two fills at different prices: the exact average is a long fraction (the report's
    # 1.099812439024390243902439024390244).
    assert cli(plain, "price", "EUR-USD", "1.09981").returncode == 0
    assert cli(plain, "submit", "paper", "EUR-USD", "buy", "3100").returncode == 0
    assert cli(plain, "price", "EUR-USD", "1.09982").returncode == 0
    assert cli(plain, "submit", "paper", "EUR-USD", "buy", "1000").returncode == 0

    shown = cli(plain, "positions")
    raw = cli(plain, "--json", "positions")

    row = next(r.split() for r in shown.stdout.splitlines() if r.startswith("EUR-USD"))
    average = json.loads(raw.stdout)[0]["positions"][0]["average_price"]
    assert len(row[2].split(".")[1]) == 5, shown.stdout
    assert len(average.split(".")[1]) > 5  # the wire and --json keep full precision
