"""``fillgate serve`` as a child process running this checkout's code, for drills.

The child gets an absolute PYTHONPATH to this repository's ``server`` and
``clients``, so it runs the code under test even where an installed
``fillgate`` script would import another checkout.
"""

from __future__ import annotations

import os
import re
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
_READY = re.compile(r"listening on (\S+)")
_MAIN = "import sys; from fillgate_client.cli import main; sys.exit(main(sys.argv[1:]))"

ACCOUNTS = """
[accounts.paper]
venue = "paper"
starting_cash = "1000000000"

[symbols.BTC-USD]
reference_price = "50000"
price_precision = 2
quantity_precision = 6
"""


class Served:
    """One server process on an ephemeral port; ``kill()`` is SIGKILL."""

    def __init__(self, workdir: Path, journal: Path, config: str = "") -> None:
        config_file = workdir / "fillgate.toml"
        config_file.write_text(ACCOUNTS + config)
        env = {k: v for k, v in os.environ.items() if k != "FILLGATE_CONFIG"}
        env["PYTHONPATH"] = os.pathsep.join(
            [str(REPO / "server"), str(REPO / "clients"), env.get("PYTHONPATH", "")]
        )
        # Refused requests must not flood the test log; FILLGATE_DRILL_LOG=<file> keeps it.
        log_file = os.environ.get("FILLGATE_DRILL_LOG")
        env["FILLGATE_LOG_LEVEL"] = "DEBUG" if log_file else "CRITICAL"
        self.proc = subprocess.Popen(
            [
                *(sys.executable, "-c", _MAIN, "serve", "--listen", "127.0.0.1:0"),
                *("--config", str(config_file), "--journal", str(journal)),
            ],
            stdout=subprocess.PIPE,
            stderr=open(log_file, "a") if log_file else subprocess.DEVNULL,  # noqa: SIM115
            text=True,
            env=env,
            cwd=workdir,
        )
        self.target = self._wait_ready(30.0)

    def _wait_ready(self, timeout_s: float) -> str:
        assert self.proc.stdout is not None
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline and self.proc.poll() is None:
            if select.select([self.proc.stdout], [], [], 0.2)[0]:
                match = _READY.search(self.proc.stdout.readline())
                if match:
                    return match.group(1)
        self.kill()
        raise RuntimeError("fillgate serve did not start")

    @property
    def pid(self) -> int:
        return self.proc.pid

    def rss_mib(self) -> float:
        """Resident memory of the server, from /proc/<pid>/status."""
        with open(f"/proc/{self.pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        raise RuntimeError("no VmRSS")

    def kill(self) -> None:
        """SIGKILL: no shutdown, no flush; what the journal has is all there is."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)
        if self.proc.stdout is not None:
            self.proc.stdout.close()

    def stop(self) -> int:
        """SIGTERM and wait for a graceful exit; return the exit code."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        code = self.proc.wait(15)
        if self.proc.stdout is not None:
            self.proc.stdout.close()
        return code
