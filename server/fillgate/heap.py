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
- Quiet means no call in flight (``busy``, from admission control).
  It matters as much as the collection: what a call in flight holds becomes
  cyclic garbage when it ends, and freezing it alive keeps it forever
  (measured while errors were still raised, each leaving a cycle: a freeze
  after a bounded wait for quiet, +46 MiB; quiet counted only while handlers
  run, +33 MiB. With errors answered without raising, the soak grows 0-1 MiB
  even when every freeze is forced).
- The wait for quiet is bounded (:data:`QUIET_WAIT_MAX_S`): under unbroken
  load the collector would otherwise rescan everything the load created since
  the last freeze, again and again (at 1,000 orders/s waiting without bound
  measured p99 28-34 ms and shed 270-860 of 20,000 orders to the lag limit;
  bounded at 50 ms, p99 9-20 ms and none shed, on the same machine in one
  session). A freeze that did not find quiet can keep what the calls in flight
  hold, if it later becomes cyclic garbage; since unary errors are answered
  without raising (``api/errors.py``), that is gRPC's handler-lookup closure,
  about 5 small objects per call in flight at that moment.

``gc.collect(1)`` before the freeze is not enough (+107 MiB with raised
errors): a refused call's cycle is often promoted to the oldest generation
while the call is still in flight, and only a full collection frees it there.

The pause is one collection of what was allocated since the last freeze, so
it scales with ``interval_s`` times the load: measured 0.2-0.35 ms every
0.25 s at 250 orders/s.
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
#: How long to wait for a quiet moment before freezing anyway (see the module docstring).
QUIET_WAIT_MAX_S = 0.05


class HeapFreezer:
    """Collect, then freeze, once at start and then periodically, at quiet moments if any.

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
            waited = 0.0
            while self._busy() and waited < QUIET_WAIT_MAX_S:
                await asyncio.sleep(QUIET_POLL_S)
                waited += QUIET_POLL_S
            pause = self.freeze_now()
            log.debug("event=heap_frozen pause_ms=%.2f", pause * 1e3)

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None
