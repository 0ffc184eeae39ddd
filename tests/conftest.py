"""Run every async test on uvloop, the loop the server runs on in production; capture log events."""

from __future__ import annotations

import logging
import shlex
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import pytest
import uvloop


def pytest_asyncio_loop_factories(config: Any, item: Any) -> Mapping[str, Callable[[], Any]]:
    return {"uvloop": uvloop.new_event_loop}


def parse_event(message: str) -> dict[str, str]:
    """Split a structured log line (``event=name key=value key='quoted text'``) into fields."""
    try:
        words = shlex.split(message)
    except ValueError:  # an unbalanced quote inside a value: keep the line whole
        return {"event": "", "message": message}
    fields = {}
    for word in words:
        key, sep, value = word.partition("=")
        if sep:
            fields[key] = value
    return fields


class LogEvents:
    """Structured log events captured during a test (the model: structlog's ``capture_logs``).

    Tests assert on events and their fields, not on scraped log text::

        (trip,) = log_events("breaker_tripped")
        assert trip["account"] == "acct-a"
    """

    def __init__(self) -> None:
        self.records: list[logging.LogRecord] = []

    def __call__(self, event: str | None = None) -> list[dict[str, str]]:
        parsed = [
            {**parse_event(r.getMessage()), "level": r.levelname, "logger": r.name}
            for r in self.records
        ]
        return [p for p in parsed if event is None or p.get("event") == event]


class _Collector(logging.Handler):
    def __init__(self, sink: LogEvents) -> None:
        super().__init__(logging.DEBUG)
        self._sink = sink

    def emit(self, record: logging.LogRecord) -> None:
        self._sink.records.append(record)


@pytest.fixture
def log_events() -> Iterator[LogEvents]:
    """Capture every ``fillgate`` log event of the test, from DEBUG up."""
    sink = LogEvents()
    handler = _Collector(sink)
    root = logging.getLogger("fillgate")
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield sink
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
