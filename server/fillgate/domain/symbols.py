"""Symbol settings: an instrument's reference price and the precisions its orders respect."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True, slots=True, kw_only=True)
class SymbolConfig:
    """An instrument: its reference price and the precisions orders must respect."""

    name: str
    reference_price: Decimal
    price_precision: int = 2
    quantity_precision: int = 8
    #: Paper venue: the most quantity that fills per price update; None is unlimited.
    paper_liquidity: Decimal | None = None
