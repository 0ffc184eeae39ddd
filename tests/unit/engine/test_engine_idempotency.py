"""client_order_id is the idempotency key within an account."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from fillgate.domain.enums import OrderState, OrderType, Side
from fillgate.domain.errors import AlreadyExists


async def test_resubmit_same_contents_returns_same_order_as_duplicate(harness):
    first = await harness.submit(client_order_id="c-dup", type=OrderType.LIMIT, limit_price=99)

    again = await harness.submit(client_order_id="c-dup", type=OrderType.LIMIT, limit_price=99)

    assert not first.duplicate
    assert again.duplicate
    assert again.order.order_id == first.order.order_id
    assert again.order == harness.order(first.order.order_id)


async def test_resubmit_same_contents_publishes_no_events(harness):
    await harness.submit(client_order_id="c-dup", type=OrderType.LIMIT, limit_price=99)
    head = harness.head

    await harness.submit(client_order_id="c-dup", type=OrderType.LIMIT, limit_price=99)

    assert harness.head == head
    assert harness.order_count() == 1
    assert harness.paper.working_count == 1


async def test_resubmit_market_same_contents_does_not_fill_twice(harness):
    await harness.submit(client_order_id="c-dup", quantity=2)

    await harness.submit(client_order_id="c-dup", quantity=2)

    assert harness.position() == D(2)


async def test_resubmit_equal_decimal_spelling_is_a_duplicate(harness):
    first = await harness.submit(client_order_id="c-dup", quantity="1.5")

    again = await harness.submit(client_order_id="c-dup", quantity="1.50")

    assert again.duplicate
    assert again.order.order_id == first.order.order_id


async def test_resubmit_different_quantity_raises_already_exists(harness):
    first = await harness.submit(client_order_id="c-dup", type=OrderType.LIMIT, limit_price=99)
    head = harness.head

    with pytest.raises(AlreadyExists) as info:
        await harness.submit(
            client_order_id="c-dup", type=OrderType.LIMIT, limit_price=99, quantity=2
        )

    assert info.value.reason == "CLIENT_ORDER_ID_REUSED"
    assert info.value.metadata["order_id"] == first.order.order_id
    assert info.value.metadata["client_order_id"] == "c-dup"
    assert harness.head == head


async def test_resubmit_different_contents_leaves_original_unchanged(harness):
    first = await harness.submit(client_order_id="c-dup", type=OrderType.LIMIT, limit_price=99)

    with pytest.raises(AlreadyExists):
        await harness.submit(client_order_id="c-dup", type=OrderType.LIMIT, limit_price=98)

    assert harness.order(first.order.order_id) == first.order
    assert harness.order_count() == 1
    assert harness.paper.working_count == 1


async def test_resubmit_different_side_raises_already_exists(harness):
    await harness.submit(client_order_id="c-dup", side=Side.BUY)

    with pytest.raises(AlreadyExists):
        await harness.submit(client_order_id="c-dup", side=Side.SELL)

    assert harness.position() == D(1)


async def test_resubmit_different_tags_raises_already_exists(harness):
    await harness.submit(client_order_id="c-dup", tags=(("k", "1"),))

    with pytest.raises(AlreadyExists):
        await harness.submit(client_order_id="c-dup", tags=(("k", "2"),))


async def test_same_client_order_id_in_other_account_is_a_new_order(harness):
    first = await harness.submit(account="acct-a", client_order_id="c-same")

    other = await harness.submit(account="acct-b", client_order_id="c-same")

    assert not other.duplicate
    assert other.order.order_id != first.order.order_id
    assert other.order.account == "acct-b"
    assert harness.position("acct-a") == D(1)
    assert harness.position("acct-b") == D(1)


async def test_same_client_order_id_in_other_account_with_other_contents_is_accepted(harness):
    await harness.submit(account="acct-a", client_order_id="c-same", quantity=1)

    other = await harness.submit(account="acct-b", client_order_id="c-same", quantity=3)

    assert not other.duplicate
    assert other.order.quantity == D(3)


async def test_resubmit_after_fill_returns_original_filled_order(harness):
    first = await harness.submit(client_order_id="c-dup", type=OrderType.LIMIT, limit_price=99)
    harness.price(98)
    head = harness.head

    again = await harness.submit(client_order_id="c-dup", type=OrderType.LIMIT, limit_price=99)

    assert again.duplicate
    assert again.order.order_id == first.order.order_id
    assert again.order.state is OrderState.FILLED
    assert harness.head == head
    assert harness.position() == D(1)


async def test_resubmit_after_cancel_returns_canceled_order(harness):
    first = await harness.submit(client_order_id="c-dup", type=OrderType.LIMIT, limit_price=99)
    await harness.cancel(first.order.order_id)

    again = await harness.submit(client_order_id="c-dup", type=OrderType.LIMIT, limit_price=99)

    assert again.duplicate
    assert again.order.state is OrderState.CANCELED
    assert harness.paper.working_count == 0


async def test_resubmit_after_replace_with_original_contents_returns_order(harness):
    first = await harness.submit(client_order_id="c-dup", type=OrderType.LIMIT, limit_price=99)
    await harness.replace(first.order.order_id, limit_price=98)

    again = await harness.submit(client_order_id="c-dup", type=OrderType.LIMIT, limit_price=99)

    assert again.duplicate
    assert again.order.limit_price == D(98)


async def test_resubmit_during_halt_returns_original_as_duplicate(harness):
    first = await harness.submit(client_order_id="c-dup", type=OrderType.LIMIT, limit_price=99)
    await harness.halt()

    again = await harness.submit(client_order_id="c-dup", type=OrderType.LIMIT, limit_price=99)

    assert again.duplicate
    assert again.order.order_id == first.order.order_id
