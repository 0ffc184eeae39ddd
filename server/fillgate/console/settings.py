"""``[console]``: the web console's settings (off unless enabled or ``serve --console``)."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass


@dataclass(frozen=True, slots=True, kw_only=True)
class ConsoleConfig:
    """The web console's listener and limits."""

    #: Off by default: the console opens a second port only when asked to.
    enabled: bool = False
    #: host:port of the console's HTTP listener; port 0 picks a free port.
    listen: str = "127.0.0.1:8080"
    #: Seconds a login session lasts (the HttpOnly cookie's lifetime).
    session_ttl_s: float = 8 * 3600.0
    #: Seconds of silence after which the event stream sends a keep-alive comment.
    heartbeat_s: float = 15.0
    #: Seconds between the equity curve's samples.
    equity_sample_s: float = 10.0
    #: Fills kept for the tape shown at first paint.
    tape_size: int = 200


def split_listen(listen: str) -> tuple[str, int]:
    """Return (host, port) of ``host:port``; raises ValueError when it is not one."""
    host, sep, port = listen.rpartition(":")
    if not sep or not host or not port.isdigit() or int(port) > 65535:
        raise ValueError(f"{listen!r} is not host:port")
    return host.strip("[]"), int(port)


def is_loopback(host: str) -> bool:
    """True for localhost and loopback addresses (what may serve a console without auth)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def settings_problem(c: ConsoleConfig) -> str | None:
    """What is wrong with ``[console]``, or None."""
    try:
        split_listen(c.listen)
    except ValueError as exc:
        return f"console.listen: {exc}"
    if c.session_ttl_s <= 0 or c.heartbeat_s <= 0 or c.equity_sample_s <= 0:
        return "console: session_ttl_s, heartbeat_s and equity_sample_s must be > 0"
    if c.tape_size < 1:
        return "console.tape_size must be at least 1"
    return None
