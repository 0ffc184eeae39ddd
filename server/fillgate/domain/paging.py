"""Pages of a list: where a page starts, how long it is, and where the next one starts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True, slots=True, kw_only=True)
class PageRequest:
    """Read ``size`` items from ``start``, a position only the list that issued it reads."""

    start: int = 0
    size: int


@dataclass(frozen=True, slots=True, kw_only=True)
class Page(Generic[T]):
    """One page; ``next_start`` is None on the last page."""

    items: list[T]
    next_start: int | None
