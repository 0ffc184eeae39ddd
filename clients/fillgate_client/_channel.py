"""Resolve the server address and the channel options shared by both clients."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

DEFAULT_TARGET = "127.0.0.1:50051"
TARGET_ENV = "FILLGATE_TARGET"
_DEFAULT_CHANNEL_OPTIONS: Mapping[str, Any] = {"grpc.keepalive_time_ms": 20_000}


def resolve_target(target: str | None = None) -> str:
    """Return ``target``, else ``$FILLGATE_TARGET``, else ``127.0.0.1:50051``."""
    return target or os.environ.get(TARGET_ENV) or DEFAULT_TARGET


def merged_options(extra: Sequence[tuple[str, Any]] | None) -> list[tuple[str, Any]]:
    """Return the default channel options overridden by the caller's."""
    merged = dict(_DEFAULT_CHANNEL_OPTIONS)
    merged.update(extra or ())
    return list(merged.items())
