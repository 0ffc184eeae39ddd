"""The live feed: server-sent events whose ids are the stream's sequence numbers.

A browser's EventSource sends the last id it saw in ``Last-Event-ID`` when it
reconnects, so it resumes exactly after the last event it got, with the same
guarantee as StreamFills: the events it missed are replayed from memory, or
from the journal when memory no longer holds them; none twice, none lost.
A first connection names its start with ``?after=<head of the snapshot>``.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import AsyncGenerator, AsyncIterator
from typing import Any

import orjson
from aiohttp import web

from fillgate.domain.errors import InvalidArgument, ResourceExhausted, Unavailable
from fillgate.engine.engine import Engine
from fillgate.engine.history import stream_events_between
from fillgate.streams.bus import BusEvent
from fillgate.streams.subscribe import History, Opened, Quiet, StreamQuery, follow

from . import views

#: How long (ms) a browser waits before it reconnects a dropped stream.
RETRY_MS = 500


def resume_point(request: web.Request) -> int | None:
    """The sequence to resume after: Last-Event-ID first, then ?after=; None is live only."""
    for field, raw in (
        ("Last-Event-ID", request.headers.get("Last-Event-ID")),
        ("after", request.query.get("after")),
    ):
        if raw is None or raw == "":
            continue
        if not raw.isascii() or not raw.isdigit() or len(raw) > 19:
            raise InvalidArgument([(field, "must be a sequence number (ASCII digits)")])
        return int(raw)
    return None


def history_of(engine: Engine) -> History | None:
    journal = engine.journal
    if journal is None:
        return None
    path = journal.path

    def history(after: int, up_to: int) -> AsyncIterator[BusEvent]:
        return stream_events_between(path, engine.state.blank(), after, up_to)

    return history


def frame(event: str, data: Any, sequence: int | None = None) -> bytes:
    head = f"id: {sequence}\n" if sequence is not None else ""
    return f"{head}event: {event}\n".encode() + b"data: " + orjson.dumps(data) + b"\n\n"


class Frames:
    """Each event's SSE frame, encoded once for every open feed (the last ``keep``)."""

    def __init__(self, keep: int = 4096) -> None:
        self._keep = keep
        self._by_sequence: OrderedDict[int, bytes] = OrderedDict()

    def of(self, item: BusEvent) -> bytes:
        data = self._by_sequence.get(item.sequence)
        if data is None:
            name, body = views.event(item)
            data = self._by_sequence[item.sequence] = frame(name, body, item.sequence)
            if len(self._by_sequence) > self._keep:
                self._by_sequence.popitem(last=False)
        return data


async def stream(
    request: web.Request,
    engine: Engine,
    accounts: frozenset[str],
    heartbeat_s: float,
    frames: Frames,
) -> web.StreamResponse:
    """Serve the feed for ``accounts`` (empty: every account) until the client goes."""
    query = StreamQuery(
        accounts=accounts, from_sequence=resume_point(request), heartbeat_s=heartbeat_s
    )
    items: AsyncGenerator[Opened | BusEvent | Quiet, None] = follow(  # type: ignore[assignment]
        engine.bus, query, history_of(engine)
    )
    opened = await anext(items)  # a bad resume point raises here, before any byte is sent
    assert isinstance(opened, Opened)
    try:
        response = web.StreamResponse(
            headers={
                "Content-Type": "text/event-stream",
                "Cache-Control": "no-store",
                "X-Accel-Buffering": "no",
            }
        )
        await response.prepare(request)
        hello = {"head": opened.head, "first": opened.first}
        await response.write(f"retry: {RETRY_MS}\n\n".encode() + frame("hello", hello))
        async for item in items:
            if type(item) is BusEvent:
                await response.write(frames.of(item))
            else:
                await response.write(f": keep-alive head={getattr(item, 'head', 0)}\n\n".encode())
    except (ResourceExhausted, Unavailable):
        # Cut off (too slow) or shutting down: end the response; the browser
        # reconnects with Last-Event-ID and resumes where it stopped.
        pass
    except ConnectionResetError:
        pass
    finally:
        await items.aclose()
    return response
