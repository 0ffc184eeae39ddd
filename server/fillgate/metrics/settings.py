"""The ``[metrics]`` config section."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True, kw_only=True)
class MetricsConfig:
    """Where ``/metrics`` is served; off unless ``listen`` is set (``serve --metrics``)."""

    #: host:port of the Prometheus endpoint; "" = off (no metrics are recorded at all).
    listen: str = ""

    def problem(self) -> str | None:
        """What is wrong with ``listen``, or None (it is "" or host:port)."""
        if not self.listen:
            return None
        _, sep, port = self.listen.rpartition(":")
        if not sep or not port.isdigit() or int(port) > 65535:
            return f"must be HOST:PORT (got {self.listen!r})"
        return None
