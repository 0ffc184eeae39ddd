"""Keep long-lived state out of the cyclic GC without keeping garbage forever.

Why freeze at all: orders, reports and positions live for the whole run. Left
in the collected generations, every full collection rescans them all, which
measured 30-85 ms pauses on the order path with millions of orders.
``gc.freeze()`` moves every tracked object into a permanent generation the
collector never scans again.

Why not freeze blindly every second (the old policy): a freeze also captures
the cyclic garbage of that moment, and frozen cycles are never freed.
Reference counting still frees frozen objects, but a refused request leaves
cycles (gRPC's abort keeps its exception, whose traceback holds the frames that
hold the call state and the request): about 48 objects per refused call,
request included. The issue measured 7.9-9.7 GiB after 100,000 malformed
requests.

The policy here (soak test: 100,000 refused requests with 16 KB values,
RSS growth after a warm-up; the old policy grew 137 MiB):

- Freeze once right after start-up (after the journal replay), behind a full
  collection: the replayed state is the bulk of the heap.
- Then every ``interval_s``, at a quiet moment, run a full collection *and
  then* freeze: +8 MiB. The full collection only scans what was allocated
  since the last freeze (everything older is frozen), so it stays short;
  garbage is freed before it could be frozen.
- Quiet means no call in flight (``busy``, from the admission interceptor).
  It matters as much as the collection: what a call in flight holds becomes
  cyclic garbage when it ends, and freezing it alive keeps it forever
  (freezing after a bounded wait for quiet: +46 MiB, growing with time under
  load; quiet counted only while handlers run, missing calls that raised and
  were still sending their status: +33 MiB).
- Under unbroken load there is no quiet moment and no freeze: the ordinary
  generational collector keeps working on the unfrozen part, which grows only
  by what the load creates, and the next quiet moment freezes it.

``gc.collect(1)`` before the freeze is not enough (+107 MiB): a refused call's
cycle is often promoted to the oldest generation while the call is still in
flight, and only a full collection frees it there. Breaking the cycles at
their source (answering errors without raising, as admission refusals do)
would help too but cannot be complete: gRPC's own handler lookup leaves a
small cycle per call whose body does not parse.

The pause is one collection of what was allocated since the last freeze, so
it scales with ``interval_s`` times the load: measured 0.2-0.35 ms every
0.25 s at 250 orders/s; at 1,000/s no quiet moment came for 2 s, then 8.5 ms.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import time
from collections.abc import Callable

log = logging.getLogger("fillgate.heap")

#: How often to look again for a quiet moment once the interval has passed.
QUIET_POLL_S = 0.005


class HeapFreezer:
    """Collect, then freeze, once at start and then periodically at quiet moments.

    ``busy`` tells whether any unary call is in a handler right now.
    """

    def __init__(self, interval_s: float, busy: Callable[[], bool]) -> None:
        self.interval_s = interval_s
        self._busy = busy
        self._task: asyncio.Task[None] | None = None
        #: Freezes done, and the duration of the last collection + freeze (seconds).
        self.freezes = 0
        self.last_pause_s = 0.0

    def freeze_now(self) -> float:
        """Free the garbage of the unfrozen heap, then freeze what is left; return the pause."""
        start = time.perf_counter()
        gc.collect()
        gc.freeze()
        self.last_pause_s = time.perf_counter() - start
        self.freezes += 1
        return self.last_pause_s

    def start(self) -> None:
        """Freeze now (after start-up), then keep freezing every ``interval_s`` (0 = off)."""
        if self.interval_s <= 0:
            return
        pause = self.freeze_now()
        log.info("event=heap_frozen frozen=%d pause_ms=%.1f", gc.get_freeze_count(), pause * 1e3)
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval_s)
            while self._busy():
                await asyncio.sleep(QUIET_POLL_S)
            pause = self.freeze_now()
            log.debug("event=heap_frozen pause_ms=%.2f", pause * 1e3)

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None
