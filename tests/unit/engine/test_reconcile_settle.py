"""A reconciliation lets the bracket runner act on what the backfill brought before it
lists the venue's orders fillgate does not know (exits made with an entry that filled
while fillgate was down are bound then), waiting a bounded time."""

from __future__ import annotations

import logging

from fillgate.engine import reconcile


async def test_reconcile_waits_for_the_runner_with_the_bound_before_listing(harness):
    asked: list[float] = []

    async def settled(timeout: float) -> bool:
        asked.append(timeout)
        return True

    harness.parts.reconciler.settle = settled

    await harness.parts.reconciler.reconcile(harness.command().account)

    assert asked == [reconcile.SETTLE_S]


async def test_reconcile_runner_not_settled_in_time_is_logged_and_reconciles_anyway(
    harness, caplog
):
    async def never(timeout: float) -> bool:
        return False

    harness.parts.reconciler.settle = never
    account = harness.command().account

    with caplog.at_level(logging.WARNING, logger="fillgate.reconcile"):
        drifts = await harness.parts.reconciler.reconcile(account)

    assert drifts == []
    assert "event=reconcile_settle_timeout" in caplog.text
    assert account in harness.parts.reconciler.last_reconciled_ns


async def test_brackets_settled_with_nothing_running_is_true_at_once(harness):
    assert await harness.parts.brackets.settled(0.01) is True
