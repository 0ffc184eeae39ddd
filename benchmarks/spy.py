"""py-spy on the server under test: a flame graph (SVG) and a text summary of where time goes.

Two py-spy processes sample the same pid for the same window, non-blocking (the
server is never paused): one writes the SVG, one writes collapsed stacks,
which are summarised into the hottest fillgate frames, self and inclusive.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path
from types import TracebackType

RATE_HZ = 200


#: ``FILLGATE_SPY_NATIVE=1`` also samples native frames (gRPC core, protobuf, uvloop);
#: py-spy then pauses the process per sample (``--native`` excludes ``--nonblocking``).
NATIVE = ["--native"] if os.environ.get("FILLGATE_SPY_NATIVE") == "1" else ["--nonblocking"]


def py_spy() -> str | None:
    path = os.path.join(os.path.dirname(sys.executable), "py-spy")
    return path if os.path.exists(path) else None


class Profiler:
    """``with Profiler(pid, stem, seconds) as spy: <load>``, then ``spy.summary()``."""

    def __init__(self, pid: int, stem: Path, seconds: int) -> None:
        self.pid = pid
        self.svg = stem.with_suffix(".svg")
        self.raw = stem.with_suffix(".collapsed.txt")
        self.top = stem.with_suffix(".top.txt")
        self.seconds = seconds
        self._procs: list[subprocess.Popen[bytes]] = []
        self.error = ""

    def __enter__(self) -> Profiler:
        exe = py_spy()
        if exe is None:
            self.error = "py-spy is not installed in this environment"
            return self
        for fmt, out in (("flamegraph", self.svg), ("raw", self.raw)):
            self._procs.append(
                subprocess.Popen(
                    [
                        exe,
                        "record",
                        "--pid",
                        str(self.pid),
                        "--rate",
                        str(RATE_HZ),
                        "--duration",
                        str(self.seconds),
                        *NATIVE,
                        "--format",
                        fmt,
                        "--output",
                        str(out),
                    ],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.PIPE,
                )
            )
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        for p in self._procs:
            try:
                _, err = p.communicate(timeout=self.seconds + 30)
            except subprocess.TimeoutExpired:
                p.kill()
                _, err = p.communicate()
            if p.returncode and not self.error:
                self.error = f"py-spy failed: {err.decode(errors='replace').strip()[-300:]}"

    def summary(self, what: str, top: int = 12) -> str:
        """The hottest frames, by thread and by function; also written to ``.top.txt``."""
        if self.error or not self.raw.exists():
            return f"profile: {self.error or 'no samples'}"
        text = summarize(self.raw.read_text(), self.seconds * RATE_HZ, top)
        self.top.write_text(text + "\n")
        files = f"{self.svg.name}, {self.top.name}"
        return f"py-spy of the server, {what} ({files}):\n{text}"


_LINE = re.compile(r":\d+\)$")


def _function(frame: str) -> str:
    """``f (path/to/file.py:123)`` -> ``f (path/to/file.py)``: lines of one function add up."""
    return _LINE.sub(")", frame)


def _thread(frames: list[str]) -> str:
    if any(f.startswith("run_server ") for f in frames):
        return "event loop (main thread)"
    if any(f.startswith("_WorkItem.run ") for f in frames):
        return "thread pool (e.g. journal fsync)"
    if any(f.startswith("Thread.run ") for f in frames):
        return "gRPC poller / other threads"
    return "other"


def summarize(collapsed: str, per_core: int, top: int = 12) -> str:
    """Busy share per thread and the hottest functions on the event loop, self and inclusive.

    Shares are of one core: ``per_core`` is the number of samples a thread that
    is never idle would collect over the window.
    """
    threads: Counter[str] = Counter()
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    for line in collapsed.splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        frames = stack.split(";")
        kind = _thread(frames)
        threads[kind] += n
        if kind.startswith("event loop"):
            names = [_function(f) for f in frames]
            own[names[-1]] += n
            for name in set(names):
                inclusive[name] += n
    if not threads:
        return "no samples"

    def share(n: int) -> str:
        return f"{100 * n / per_core:5.1f}%"

    lines = ["busy, as % of one core, by thread:"]
    lines += [f"  {share(n)}  {kind}" for kind, n in threads.most_common()]
    lines.append(
        "event loop, self (a frame with no Python below it is native: gRPC, protobuf, I/O):"
    )
    lines += [f"  {share(n)}  {f}" for f, n in own.most_common(top)]
    lines.append("event loop, inclusive (fillgate functions):")
    ours = [(f, n) for f, n in inclusive.most_common() if "fillgate/" in f and "app.py" not in f]
    lines += [f"  {share(n)}  {f}" for f, n in ours[:top]]
    return "\n".join(lines)
