"""The embedded paper venue dressed as a fake venue, so the conformance suite covers it too.

It has no network between fillgate and the venue, so the network scenarios
(lost responses, stream drops, an unreachable venue) do not apply to it.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fakes.base import FakeOrder
from fillgate.app import Components
from fillgate.domain.commands import SetReferencePrice
from fillgate.domain.values import ZERO


class FakePaper:
    venue = "paper"
    network = False
    symbol = "BTC-USD"
    symbol_table: dict[str, Any] = {
        "reference_price": "50000",
        "price_precision": 2,
        "quantity_precision": 5,
    }
    quantity = Decimal("0.01")
    price = Decimal(50000)

    def __init__(self) -> None:
        self._parts: Components | None = None
        self._reject_next = False

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    def attach(self, parts: Components) -> None:
        self._parts = parts

    def account_table(self) -> dict[str, Any]:
        return {"venue": "paper"}

    def environment(self) -> dict[str, str]:
        return {}

    def _require(self) -> Components:
        assert self._parts is not None, "attach() the server components first"
        return self._parts

    def set_price(self, price: Decimal) -> None:
        self._require().engine.set_reference_price(
            SetReferencePrice(symbol=self.symbol, price=price)
        )

    def fill(self, client_id: str, quantity: Decimal, price: Decimal | None = None) -> None:
        self._require().paper.execute("acct", client_id, quantity, price or self.price)

    def reject_next_order(self) -> None:
        raise NotImplementedError("the paper venue accepts every order it is sent")

    def lose_next_order_response(self) -> None:
        raise NotImplementedError("no network between fillgate and the paper venue")

    async def drop_streams(self, refuse_s: float = 0.5) -> None:
        raise NotImplementedError("the paper venue has no stream")

    def set_position(self, quantity: Decimal) -> None:
        self._require().paper.adjust_position("acct", self.symbol, quantity)

    def orders(self) -> list[FakeOrder]:
        engine = self._require().engine
        return [
            FakeOrder(
                client_id=o.client_order_id,
                venue_order_id=o.venue_order_id,
                symbol=o.symbol,
                side=o.side.name.lower(),
                quantity=o.quantity,
                filled=o.filled_quantity or ZERO,
                status=o.state.name,
            )
            for _i, o in engine.orders()
        ]
