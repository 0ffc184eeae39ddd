"""The one token bucket: venue pacing (take and wait, Retry-After) and risk (check, then take)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from fillgate.domain.ratelimit import TokenBucket
from fillgate.domain.values import ManualClock


def test_token_bucket_burst_passes_then_paces_at_the_rate() -> None:
    clock = ManualClock()
    bucket = TokenBucket(10, 3, clock=clock)
    assert [bucket.delay() for _ in range(3)] == [0, 0, 0]
    assert bucket.delay() == pytest.approx(0.1)
    assert bucket.delay() == pytest.approx(0.2)


def test_token_bucket_refills_over_time() -> None:
    clock = ManualClock()
    bucket = TokenBucket(10, 2, clock=clock)
    bucket.delay()
    bucket.delay()
    clock.advance(250_000_000)
    assert bucket.delay() == 0


def test_token_bucket_pause_holds_every_caller_for_retry_after() -> None:
    clock = ManualClock()
    bucket = TokenBucket(10, 5, clock=clock)
    bucket.pause(2.0)
    assert bucket.delay() >= 2.0


def test_token_bucket_check_then_take_never_owes_and_says_when_to_retry() -> None:
    clock = ManualClock()
    bucket = TokenBucket(Decimal(2), None, clock=clock)
    assert bucket.burst == 2
    bucket.take()
    bucket.take()
    assert bucket.available() == 0
    assert bucket.retry_after_ms() == 500
    clock.advance(500_000_000)
    assert bucket.available() == pytest.approx(1.0)
    assert bucket.retry_after_ms() == 0
