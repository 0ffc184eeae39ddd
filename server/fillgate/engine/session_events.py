"""Session events: announce on the stream each time a symbol's market changes phase.

At every boundary of a symbol's day (pre-market start, open, close, end of
after hours) a ``SessionChanged`` event is emitted through the fold, so it
is journaled and streamed to every subscriber of the symbol: strategies
learn that the market opened or closed without polling GetMarketStatus.
One timer on the injected clock serves every symbol that has a close;
:meth:`SessionEvents.announce_due` is what it calls (tests call it after
moving a manual clock). Only changes are announced: a start-up announces
nothing until the first boundary passes.
"""

from __future__ import annotations

import asyncio
import logging

from fillgate.domain import events as ev
from fillgate.domain.enums import SessionPhase
from fillgate.engine.engine import Engine
from fillgate.sessions.market import Sessions

log = logging.getLogger("fillgate.sessions")


class SessionEvents:
    """Publishes ``SessionChanged`` when a symbol's phase changes."""

    def __init__(self, engine: Engine, sessions: Sessions) -> None:
        self._engine = engine
        self._sessions = sessions
        now = engine.clock.now_ns()
        self._symbols = [s for s in engine.universe.symbols if not sessions.calendar(s).always_open]
        self._phase: dict[str, SessionPhase] = {
            s: sessions.status(s, now).phase for s in self._symbols
        }
        self._timer: asyncio.TimerHandle | None = None

    def _next_boundary(self, symbol: str, now_ns: int) -> int:
        w = next(self._sessions.calendar(symbol).windows_from(now_ns))
        return min(t for t in (w.pre_ns, w.open_ns, w.close_ns, w.post_ns) if t > now_ns)

    def start(self) -> None:
        self._arm()

    def _arm(self) -> None:
        if not self._symbols:
            return
        now = self._engine.clock.now_ns()
        due = min(self._next_boundary(s, now) for s in self._symbols)
        self._timer = asyncio.get_running_loop().call_later(max(0.0, (due - now) / 1e9), self._fire)

    def _fire(self) -> None:
        self._timer = None
        self.announce_due()
        self._arm()

    def announce_due(self) -> list[ev.SessionChanged]:
        """Announce every symbol whose phase differs from the last one announced."""
        now = self._engine.clock.now_ns()
        out = []
        for symbol in self._symbols:
            st = self._sessions.status(symbol, now)
            if st.phase is self._phase[symbol]:
                continue
            self._phase[symbol] = st.phase
            event = ev.SessionChanged(
                symbol=symbol,
                calendar=st.calendar,
                phase=st.phase,
                next_open_ns=st.next_open_ns or 0,
                next_close_ns=st.next_close_ns or 0,
                ts_ns=now,
            )
            self._engine.emit(event)
            log.info("event=session_changed symbol=%s phase=%s", symbol, st.phase.name)
            out.append(event)
        return out

    def stop(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
