"""Run a blocking SDK's calls off the event loop, one dedicated thread per client."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")


class BlockingCaller:
    """A single-thread executor for one blocking SDK client.

    One thread per client, not the loop's default pool: a ``requests.Session``
    is not safe to share across threads, and an SDK that sleeps during its own
    retries (alpaca-py) must stall only its own queue, never the event loop
    or another venue.
    """

    def __init__(self, name: str) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"venue-{name}")

    async def call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, functools.partial(fn, *args, **kwargs))

    def shutdown(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
