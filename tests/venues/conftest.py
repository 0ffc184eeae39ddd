"""Fixtures the venue test modules share: ``fake`` (a running fake venue) and ``driver``.

A module says which venue it tests with two module-level callables:
``make_fake()`` returns the fake venue, not started, and ``make_driver(fake)``
returns a driver pointed at it, not opened. ``fake`` starts the fake and
stops it after the test; ``driver`` opens the driver and closes it after the
test. A module that tests no driver defines only ``make_fake``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest


@pytest.fixture
async def fake(request: pytest.FixtureRequest) -> AsyncIterator[Any]:
    venue = request.module.make_fake()
    await venue.start()
    try:
        yield venue
    finally:
        await venue.stop()


@pytest.fixture
async def driver(request: pytest.FixtureRequest, fake: Any) -> AsyncIterator[Any]:
    built = request.module.make_driver(fake)
    await built.open()
    try:
        yield built
    finally:
        await built.close()
