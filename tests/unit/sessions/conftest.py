"""The ``at`` fixture: a started engine whose clock reads a chosen New York time."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from session_helpers import Harness, Make


@pytest.fixture
async def at() -> AsyncIterator[Make]:
    """Factory: ``await at("2026-12-05T03:00", sessions=, journal=)`` -> a started Harness."""
    started: list[Harness] = []

    async def _make(when: str | int, **options: Any) -> Harness:
        h = await Harness.start(when, **options)
        started.append(h)
        return h

    yield _make
    for h in started:
        await h.stop()
