"""alpaca-py's blocking REST clients as this package runs them: one attempt each, with a timeout.

alpaca-py retries some answers itself (``_retry``, ``_retry_codes``: it would
re-send POST /v2/orders on a 504, sleeping on the worker thread) and sets no
request timeout; the runtime already retries, paces and resolves
unknown outcomes, so every client (trading and market data) gets one attempt
and ``settings.timeout_s`` on its ``requests`` session.
"""

from __future__ import annotations

from typing import Any


def one_attempt(client: Any, timeout_s: float) -> None:
    """Switch off an alpaca-py REST client's retries and give its requests a timeout."""
    client._retry = 0
    client._retry_wait = 0
    client._retry_codes = []
    _apply_timeout(client._session, timeout_s)


def _apply_timeout(session: Any, timeout_s: float) -> None:
    """Give every request of ``session`` a timeout unless the caller set one."""
    send = session.request

    def request(method: str, url: str, **kwargs: Any) -> Any:
        kwargs.setdefault("timeout", timeout_s)
        return send(method, url, **kwargs)

    session.request = request
