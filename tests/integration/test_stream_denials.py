"""Risk denials on StreamFills: opt-in by kind, sequenced, resumable, on a real server."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from fillgate_client import AsyncFillgateClient, Denial, ExecutionReport, FillgateError


async def _denied_buy(client: AsyncFillgateClient, client_order_id: str = "denied-1") -> None:
    """Halt the paper account, then submit a buy that the halt denies."""
    await client.halt("account", "paper", reason="test")
    with pytest.raises(FillgateError) as info:
        await client.submit_order(
            "paper", "BTC-USD", "buy", D("0.1"), client_order_id=client_order_id
        )
    assert info.value.reason == "TRADING_HALTED"


async def test_stream_fills_kinds_denial_carries_the_refused_submit_and_reason(
    client: AsyncFillgateClient, open_stream
) -> None:  # type: ignore[no-untyped-def]
    reader = await open_stream(kinds=["denial"])
    await _denied_buy(client)
    await reader.wait_for(lambda r: any(isinstance(e, Denial) for e in r.events))
    (denial,) = [e for e in reader.events if isinstance(e, Denial)]
    assert (denial.account, denial.symbol, denial.quantity) == ("paper", "BTC-USD", D("0.1"))
    assert (denial.client_order_id, denial.reason) == ("denied-1", "TRADING_HALTED")
    assert denial.sequence > 0
    assert not [e for e in reader.events if isinstance(e, ExecutionReport)]


async def test_stream_fills_without_kinds_leaves_denials_out(
    client: AsyncFillgateClient, open_stream
) -> None:  # type: ignore[no-untyped-def]
    reader = await open_stream()
    await _denied_buy(client)
    await client.resume("account", "paper")
    await client.submit_order("paper", "BTC-USD", "buy", D("0.1"), client_order_id="after")
    await reader.wait_for(lambda r: len(r.reports) >= 3)
    assert not [e for e in reader.events if isinstance(e, Denial)]
    assert reader.reports[0].client_order_id == "after"


async def test_stream_fills_denial_resumes_from_its_sequence(
    client: AsyncFillgateClient, open_stream
) -> None:  # type: ignore[no-untyped-def]
    await _denied_buy(client, "first")
    await _denied_buy(client, "second")
    live = await open_stream(kinds=["denial"], from_sequence=0)
    await live.wait_for(lambda r: len([e for e in r.events if isinstance(e, Denial)]) >= 2)
    first, _ = [e for e in live.events if isinstance(e, Denial)]
    resumed = await open_stream(kinds=["denial"], from_sequence=first.sequence)
    await resumed.wait_for(lambda r: any(isinstance(e, Denial) for e in r.events))
    assert [e.client_order_id for e in resumed.events if isinstance(e, Denial)] == ["second"]


async def test_list_denials_sequence_matches_the_streamed_denial(
    client: AsyncFillgateClient, open_stream
) -> None:  # type: ignore[no-untyped-def]
    reader = await open_stream(kinds=["denial"])
    await _denied_buy(client)
    await reader.wait_for(lambda r: any(isinstance(e, Denial) for e in r.events))
    (streamed,) = [e for e in reader.events if isinstance(e, Denial)]
    (listed,) = await client.list_denials()
    assert listed.sequence == streamed.sequence
