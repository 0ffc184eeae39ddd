"""The server under test: ``fillgate serve`` in its own process, and its configs.

It runs in a scratch working directory so that anything it writes relative to
its cwd (a journal, say) stays out of the repository and is removed after.
"""

from __future__ import annotations

import os
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

READY = re.compile(r"listening on (\S+)")


def fillgate_executable() -> str:
    return os.path.join(os.path.dirname(sys.executable), "fillgate")


class ServerProcess:
    """Start with :meth:`start`, stop with :meth:`stop` (SIGTERM, then SIGKILL)."""

    def __init__(self, log_path: Path, config_toml: str | None = None) -> None:
        self.log_path = log_path
        self.config_toml = config_toml
        self.workdir = Path(tempfile.mkdtemp(prefix="fillgate-bench-"))
        self.proc: subprocess.Popen[str] | None = None
        self.target = ""

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def start(self, timeout_s: float = 30.0) -> str:
        """Start the server and return its ``host:port`` once it says it listens."""
        args = [fillgate_executable(), "serve", "--listen", "127.0.0.1:0"]
        if self.config_toml is not None:
            config = self.workdir / "fillgate.toml"
            config.write_text(self.config_toml)
            args += ["--config", str(config)]
        env = {k: v for k, v in os.environ.items() if k != "FILLGATE_CONFIG"}
        env["FILLGATE_LOG_LEVEL"] = "WARNING"
        with open(self.log_path, "a") as log:
            self.proc = subprocess.Popen(
                args, stdout=subprocess.PIPE, stderr=log, text=True, env=env, cwd=self.workdir
            )
        assert self.proc.stdout is not None
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            ready, _, _ = select.select([self.proc.stdout], [], [], 0.2)
            if ready:
                line = self.proc.stdout.readline()
                if match := READY.search(line):
                    self.target = match.group(1)
                    return self.target
                if not line:
                    break
            if self.proc.poll() is not None:
                break
        self.stop()
        raise RuntimeError(f"fillgate did not start; see {self.log_path}")

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self) -> int | None:
        """Stop the server; return its exit code."""
        code = None
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.send_signal(signal.SIGTERM)
                try:
                    self.proc.wait(15)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait(5)
            code = self.proc.returncode
            if self.proc.stdout is not None:
                self.proc.stdout.close()
            self.proc = None
        shutil.rmtree(self.workdir, ignore_errors=True)
        return code


def positions_config(
    accounts: int, symbols: int, starting_cash: str
) -> tuple[str, list[str], list[str]]:
    """A TOML config with ``accounts`` paper accounts and ``symbols`` symbols (names returned)."""
    account_names = [f"acct-{i:03d}" for i in range(accounts)]
    symbol_names = [f"SYM-{i:03d}" for i in range(symbols)]
    lines: list[str] = []
    for name in account_names:
        lines += [f"[accounts.{name}]", 'venue = "paper"', f'starting_cash = "{starting_cash}"', ""]
    for i, name in enumerate(symbol_names):
        lines += [
            f"[symbols.{name}]",
            f'reference_price = "{100 + i}"',
            "price_precision = 2",
            "quantity_precision = 4",
            "",
        ]
    return "\n".join(lines), account_names, symbol_names
