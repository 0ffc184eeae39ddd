"""Helpers for the risk tests: assert a submit is denied (and nothing changed) or accepted.

The unit config (see ``tests/unit/conftest.py``): accounts ``acct-a`` and
``acct-b`` with 1,000,000 cash each; ``XYZ`` at 100 (4 quantity decimals)
and ``ABC`` at 50 (whole quantities). Risk defaults: only buying power
(margin rate 1) is checked.
"""

from __future__ import annotations

from typing import Any

import pytest

from fillgate.domain.errors import FailedPrecondition, FillgateError
from fillgate.domain.orders import Order

BOUNDARY = ["just_under", "at", "just_over"]


async def denied(
    h: Any,
    reason: str,
    *,
    limit: str | None = None,
    value: str | None = None,
    kind: type[FillgateError] = FailedPrecondition,
    **order: Any,
) -> FillgateError:
    """Submit; expect ``kind`` with ``reason`` (and limit/value metadata), no order, and
    only the denial itself published (streamed to consumers that ask for denials)."""
    head, count, denials = h.head, h.order_count(), h.engine.state.denied
    with pytest.raises(kind) as info:
        await h.submit(**order)
    exc = info.value
    assert exc.reason == reason, exc.message
    if limit is not None:
        assert exc.metadata["limit"] == limit
    if value is not None:
        assert exc.metadata["value"] == value
    assert h.order_count() == count
    h.assert_only_denial_since(head, reason)
    assert h.engine.state.denied == denials + 1  # journaled as OrderDenied
    return exc


async def accepted(h: Any, **order: Any) -> Order:
    result = await h.submit(**order)
    assert not result.duplicate
    return result.order  # type: ignore[no-any-return]


async def judged(h: Any, deny: bool, reason: str, **order: Any) -> None:
    """``denied`` when ``deny`` else ``accepted``: one body for a boundary's three cases."""
    if deny:
        await denied(h, reason, **order)
    else:
        await accepted(h, **order)
