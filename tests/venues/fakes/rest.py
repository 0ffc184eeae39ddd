"""What every fake venue's HTTP side shares: it records requests and answers injected failures.

A fake venue subclasses :class:`RestFake` and calls :meth:`RestFake.intercept`
first in its aiohttp middleware: the request is recorded in ``requests``,
and a matching :meth:`~RestFake.fail` rule answers it before the venue does
anything (nothing happens at the venue), while a :meth:`~RestFake.slow` rule
holds it before the venue handles it as usual.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from aiohttp import web


class Recorded(NamedTuple):
    """One request as the fake received it (unpacks as method, path, query, body)."""

    method: str
    path: str
    #: The raw query string, as sent (still percent-encoded).
    query: str
    #: The raw body text ("" when there is none).
    body: str

    @property
    def params(self) -> str:
        """The request's parameters: the query string, else the (form) body."""
        return self.query or self.body


@dataclass(slots=True)
class _Rule:
    method: str
    path_prefix: str
    times: int
    status: int = 0
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0


def _no_default(status: int) -> Any:
    return None


class RestFake:
    """Request recording and failure injection for one fake venue.

    ``text_type`` is the content type of a failure whose body is a ``str``
    (a proxy's HTML 502, say); any other body goes out as JSON.
    ``default_body(status)`` is the body of a failure injected without one.
    """

    def __init__(
        self,
        *,
        text_type: str = "text/plain",
        default_body: Callable[[int], Any] = _no_default,
    ) -> None:
        #: Every request, in arrival order.
        self.requests: list[Recorded] = []
        self._rules: list[_Rule] = []
        self._text_type = text_type
        self._default_body = default_body

    def fail(
        self,
        method: str,
        path_prefix: str,
        status: int,
        body: Any = None,
        times: int = 1,
        headers: dict[str, str] | None = None,
    ) -> None:
        """Answer the next ``times`` matching requests with ``status`` and ``body``, doing nothing.

        ``body`` is sent as JSON unless it is a ``str``.
        """
        if body is None:
            body = self._default_body(status)
        rule = _Rule(method.upper(), path_prefix, times, status, body, headers or {})
        self._rules.append(rule)

    def slow(self, method: str, path_prefix: str, delay_s: float, times: int = 1) -> None:
        """Hold the next ``times`` matching requests for ``delay_s`` before handling them."""
        self._rules.append(_Rule(method.upper(), path_prefix, times, delay_s=delay_s))

    async def intercept(self, request: web.Request) -> web.StreamResponse | None:
        """Record ``request``; return the injected answer, or None to let the venue handle it."""
        body = await request.text() if request.can_read_body else ""
        query = request.raw_path.partition("?")[2]
        self.requests.append(Recorded(request.method, request.path, query, body))
        for rule in self._rules:
            if rule.method == request.method and request.path.startswith(rule.path_prefix):
                rule.times -= 1
                if rule.times <= 0:
                    self._rules.remove(rule)
                if rule.delay_s:
                    await asyncio.sleep(rule.delay_s)
                    return None
                if isinstance(rule.body, str):
                    return web.Response(
                        text=rule.body,
                        status=rule.status,
                        headers=rule.headers,
                        content_type=self._text_type,
                    )
                return web.json_response(rule.body, status=rule.status, headers=rule.headers)
        return None
