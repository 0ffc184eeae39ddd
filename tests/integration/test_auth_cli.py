"""The README's security path as processes: token CLI, serve with auth, SIGHUP, safe defaults."""

from __future__ import annotations

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
EXAMPLE = Path(__file__).resolve().parents[2] / "clients" / "examples" / "strategy.py"
# Admission control off: a loaded CI machine must not shed these calls (see conftest.py).
CONFIG = """
[server]
admission_max_in_flight_orders = 0
admission_max_loop_lag_ms = 0
admission_max_queue_delay_ms = 0

[auth]
mode = "token"
token_file = "{tokens}"
"""


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN), *args],
        capture_output=True,
        text=True,
        timeout=30,
        env={**os.environ, **(env or {})},
    )


def start(*args: str) -> tuple[subprocess.Popen[str], str]:
    env = {**os.environ, "FILLGATE_LOG_LEVEL": "WARNING"}
    env.pop("FILLGATE_TOKEN", None)
    proc = subprocess.Popen(
        [str(BIN), "serve", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    match = re.search(r"listening on (\S+)", line)
    if not match:
        proc.kill()
        _, err = proc.communicate(timeout=10)
        raise AssertionError(f"server did not start: {line!r} {err[-2000:]!r}")
    return proc, line


def stop(proc: subprocess.Popen[str]) -> str:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=20)
    return err


@pytest.fixture
def secured(tmp_path: Path) -> Iterator[tuple[str, Path, Path, subprocess.Popen[str]]]:
    tokens = tmp_path / "tokens.json"
    config = tmp_path / "fillgate.toml"
    config.write_text(CONFIG.format(tokens=tokens))
    proc, line = start(
        "--config", str(config), "--listen", "127.0.0.1:0", "--journal", str(tmp_path / "j.log")
    )
    target = re.search(r"listening on (\S+)", line).group(1)  # type: ignore[union-attr]
    try:
        yield target, tokens, config, proc
    finally:
        stop(proc)


def create(tokens: Path, name: str, *scopes: str) -> str:
    scope_args = [a for s in scopes for a in ("--scope", s)]
    out = run("token", "--file", str(tokens), "create", "--name", name, *scope_args)
    assert out.returncode == 0, out.stderr
    token = out.stdout.strip()
    assert token.startswith("fgt_") and "only time it is shown" in out.stderr
    return token


def hup(proc: subprocess.Popen[str]) -> None:
    proc.send_signal(signal.SIGHUP)
    time.sleep(0.3)  # the server re-reads the file on its loop


def test_cli_anonymous_price_move_refused_unauthenticated(secured) -> None:  # type: ignore[no-untyped-def]
    target, *_ = secured
    out = run("--target", target, "price", "BTC-USD", "1.0")
    assert out.returncode == 1
    assert "UNAUTHENTICATED" in out.stderr


def test_cli_token_created_then_sighup_admits_it(secured) -> None:  # type: ignore[no-untyped-def]
    target, tokens, _, proc = secured
    admin = create(tokens, "ops", "admin")
    hup(proc)
    out = run("--target", target, "--token", admin, "price", "BTC-USD", "50001")
    assert out.returncode == 0, out.stderr


def test_cli_revoke_then_sighup_refuses_token(secured) -> None:  # type: ignore[no-untyped-def]
    target, tokens, _, proc = secured
    trader = create(tokens, "desk", "trade:paper")
    hup(proc)
    env = {"FILLGATE_TOKEN": trader}
    assert (
        run("--target", target, "submit", "paper", "BTC-USD", "buy", "0.1", env=env).returncode == 0
    )
    revoked = run("token", "--file", str(tokens), "revoke", "desk")
    assert revoked.returncode == 0, revoked.stderr
    hup(proc)
    out = run("--target", target, "submit", "paper", "BTC-USD", "buy", "0.1", env=env)
    assert out.returncode == 1 and "UNAUTHENTICATED" in out.stderr


def test_cli_audit_by_column_names_the_token(secured) -> None:  # type: ignore[no-untyped-def]
    target, tokens, _, proc = secured
    trader = create(tokens, "desk", "trade:paper")
    auditor = create(tokens, "compliance", "audit")
    hup(proc)
    run("--target", target, "--token", trader, "submit", "paper", "BTC-USD", "buy", "0.1")
    out = run("--target", target, "--token", auditor, "audit", "--account", "paper")
    assert out.returncode == 0, out.stderr
    header, first = out.stdout.splitlines()[:2]
    assert header.split()[-1] == "BY"
    assert first.split()[-1] == "desk"


def test_cli_token_list_never_prints_secrets(secured) -> None:  # type: ignore[no-untyped-def]
    _, tokens, *_ = secured
    token = create(tokens, "desk", "trade:paper")
    out = run("token", "--file", str(tokens), "list")
    assert "desk" in out.stdout and "trade:paper" in out.stdout
    assert token.split("_", 2)[2] not in out.stdout


def test_example_strategy_runs_with_token_from_environment(secured) -> None:  # type: ignore[no-untyped-def]
    target, tokens, _, proc = secured
    trader = create(tokens, "strategy-1", "trade:paper")
    hup(proc)
    env = {**os.environ, "FILLGATE_TOKEN": trader}
    out = subprocess.run(
        [sys.executable, str(EXAMPLE), "--target", target],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert out.returncode == 0, out.stderr
    env.pop("FILLGATE_TOKEN")
    refused = subprocess.run(
        [sys.executable, str(EXAMPLE), "--target", target],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert refused.returncode != 0


def test_serve_non_loopback_without_tls_and_auth_refuses_to_start(tmp_path: Path) -> None:
    out = subprocess.run(
        [str(BIN), "serve", "--listen", "0.0.0.0:0", "--journal", "off"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert out.returncode == 2
    assert "INSECURE_LISTENER" in out.stderr and "--insecure" in out.stderr


def test_serve_non_loopback_insecure_starts_with_loud_warning(tmp_path: Path) -> None:
    proc, _ = start("--listen", "0.0.0.0:0", "--journal", "off", "--insecure")
    err = stop(proc)
    assert "event=insecure_listener" in err and "CRITICAL" in err


def test_serve_without_auth_says_loopback_only(tmp_path: Path) -> None:
    proc, line = start("--listen", "127.0.0.1:0", "--journal", "off")
    err = stop(proc)
    assert "auth off (loopback only)" in line
    assert "event=auth_off" in err


def test_server_log_never_holds_a_presented_token(tmp_path: Path) -> None:
    tokens = tmp_path / "tokens.json"
    config = tmp_path / "fillgate.toml"
    config.write_text(CONFIG.format(tokens=tokens))
    good = create(tokens, "desk", "trade:paper")
    proc, line = start("--config", str(config), "--listen", "127.0.0.1:0", "--journal", "off")
    target = re.search(r"listening on (\S+)", line).group(1)  # type: ignore[union-attr]
    try:
        forged = good[:-4] + "AAAA"
        for token in (good, forged, "fgt_" + good.split("_", 2)[2]):
            run("--target", target, "--token", token, "price", "BTC-USD", "1.0")
    finally:
        err = stop(proc)
    assert "event=auth_failed" in err
    for secret in (good.split("_", 2)[2], forged.split("_", 2)[2]):
        assert secret not in err
