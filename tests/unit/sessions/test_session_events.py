"""Session events: a SessionChanged on the stream at each phase change of a symbol's day."""

from __future__ import annotations

from session_helpers import SYMBOL, Harness, Make, et

from fillgate.domain import events as ev
from fillgate.domain.enums import SessionPhase
from fillgate.engine.session_events import SessionEvents
from fillgate.journal.codec import decode, encode


def streamed(h: Harness) -> list[ev.SessionChanged]:
    return [
        e.payload
        for e in h.engine.bus.retained_events()
        if isinstance(e.payload, ev.SessionChanged)
    ]


async def test_open_announced_once_with_next_close(at: Make) -> None:
    h = await at("2026-12-07T09:29")
    events = SessionEvents(h.engine, h.parts.sessions)

    assert events.announce_due() == []
    h.advance_to("2026-12-07T09:30")
    (opened,) = events.announce_due()

    assert (opened.symbol, opened.phase) == (SYMBOL, SessionPhase.REGULAR)
    assert opened.next_close_ns == et("2026-12-07T16:00")
    assert events.announce_due() == []
    assert streamed(h) == [opened]


async def test_half_day_close_announced_at_1300_et(at: Make) -> None:
    h = await at("2026-11-27T12:59")
    events = SessionEvents(h.engine, h.parts.sessions)

    h.advance_to("2026-11-27T13:00")
    closes = [e for e in events.announce_due() if e.symbol == SYMBOL]

    assert [e.phase for e in closes] == [SessionPhase.POST_MARKET]
    assert closes[0].next_open_ns == et("2026-11-30T09:30")


async def test_fx_sunday_open_announced_at_1700_new_york(at: Make) -> None:
    h = await at("2026-12-06T16:59")
    events = SessionEvents(h.engine, h.parts.sessions)

    h.advance_to("2026-12-06T17:00")
    announced = {e.symbol: e.phase for e in events.announce_due()}

    assert announced == {"ABC": SessionPhase.REGULAR}


def test_journal_codec_session_changed_round_trips() -> None:
    event = ev.SessionChanged(
        symbol=SYMBOL,
        calendar="XNYS",
        phase=SessionPhase.REGULAR,
        next_open_ns=et("2026-12-08T09:30"),
        next_close_ns=et("2026-12-07T16:00"),
        ts_ns=et("2026-12-07T09:30"),
    )

    assert decode(encode(event, 7)).event == event
