"""Bridge oandapyV20's blocking transactions stream into the event loop.

The SDK streams with a blocking generator (``requests`` ``iter_lines``). It
gets a thread of its own per connection, not a pool worker it would hold
forever; each line is handed to the loop with ``loop.call_soon_threadsafe``
(a plain ``Queue.put_nowait`` from another thread would not wake the loop).

Stopping: the SDK's ``terminate()`` is legal only from the reading thread, so
``stop()`` sets a flag the thread checks after every line. OANDA sends a
heartbeat every 5 s, which bounds how long the thread lingers; ``join()``
waits for it. The consumer is woken at once by a sentinel, without waiting.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

Json = dict[str, Any]


class StreamEnded(Exception):
    """The connection ended; ``error`` is what ended it (None: the server closed it)."""

    def __init__(self, error: BaseException | None) -> None:
        super().__init__(repr(error) if error else "stream closed by the venue")
        self.error = error


@dataclass(frozen=True, slots=True)
class _End:
    error: BaseException | None
    #: Ended by stop(), not by the venue.
    stopped: bool = False


class StreamConnection:
    """One stream connection: ``open_lines`` runs on a dedicated daemon thread.

    Create it on the event loop. ``get()`` returns the next message, or raises
    :class:`StreamEnded` when the connection ended, or returns None after
    ``stop()``.
    """

    def __init__(self, open_lines: Callable[[], Iterator[Json]], *, name: str) -> None:
        self._loop = asyncio.get_running_loop()
        self._queue: asyncio.Queue[Json | _End] = asyncio.Queue()
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run, args=(open_lines,), name=name, daemon=True
        )
        self._thread.start()

    def _run(self, open_lines: Callable[[], Iterator[Json]]) -> None:
        error: BaseException | None = None
        lines: Iterator[Json] | None = None
        try:
            lines = open_lines()
            for line in lines:
                if self._stop.is_set() or not self._post(line):
                    break
        except BaseException as exc:  # handed to the loop, which classifies it
            error = exc
        finally:
            close = getattr(lines, "close", None)
            if close is not None:
                # Runs the generator's cleanup (closes its session); the
                # connection is gone either way.
                with contextlib.suppress(Exception):
                    close()
            self._post(_End(error))

    def _post(self, item: Json | _End) -> bool:
        try:
            self._loop.call_soon_threadsafe(self._queue.put_nowait, item)
        except RuntimeError:  # the loop is closed: nobody is listening any more
            self._stop.set()
            return False
        return True

    async def get(self) -> Json | None:
        """The next message; None once stopped; StreamEnded when the connection ended."""
        if self._stop.is_set():
            return None
        item = await self._queue.get()
        if self._stop.is_set():
            return None
        if isinstance(item, _End):
            self._queue.put_nowait(item)  # every later get() ends the same way
            raise StreamEnded(item.error)
        return item

    def stop(self) -> None:
        """Ask the thread to finish after its current line; wake get() at once. Loop only."""
        if not self._stop.is_set():
            self._stop.set()
            self._queue.put_nowait(_End(None, stopped=True))

    def join(self, timeout: float) -> bool:
        """Wait (blocking) for the thread; True if it finished."""
        self._thread.join(timeout)
        return not self._thread.is_alive()
