"""Load the generated fillgate.v1 modules, typed as ``Any`` at this boundary.

They are loaded by name rather than imported so that mypy checks this package
the same way whether or not ``server/`` is on its path: the editable install
uses an import hook that mypy cannot follow, and the generated code carries no
precise types anyway.
"""

from __future__ import annotations

import importlib
from typing import Any


def _load(name: str) -> Any:
    return importlib.import_module(f"fillgate.v1.{name}")


order_pb: Any = _load("order_pb2")
execution_pb: Any = _load("execution_pb2")
position_pb: Any = _load("position_pb2")
trading_state_pb: Any = _load("trading_state_pb2")
exec_pb: Any = _load("execution_service_pb2")
exec_grpc: Any = _load("execution_service_pb2_grpc")
admin_pb: Any = _load("admin_service_pb2")
admin_grpc: Any = _load("admin_service_pb2_grpc")
risk_pb: Any = _load("risk_pb2")
risk_svc_pb: Any = _load("risk_service_pb2")
risk_grpc: Any = _load("risk_service_pb2_grpc")
venue_pb: Any = _load("venue_pb2")
session_pb: Any = _load("session_pb2")
