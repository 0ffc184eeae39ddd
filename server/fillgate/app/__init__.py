"""The one place that wires config -> components -> grpc.aio server, and runs it on uvloop.

- ``assembly``: config -> components (``build``), nothing started;
- ``server``: components -> a started server (``create_server``, ``FillgateServer``);
- ``run``: ``fillgate serve`` (``run_server``).
"""

from __future__ import annotations

from fillgate.app.assembly import Components, build, open_journal
from fillgate.app.run import run_server
from fillgate.app.server import SERVICE_NAMES, FillgateServer, create_server

__all__ = [
    "SERVICE_NAMES",
    "Components",
    "FillgateServer",
    "build",
    "create_server",
    "open_journal",
    "run_server",
]
