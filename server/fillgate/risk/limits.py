"""The limits that apply to one order, resolved once per (account, symbol, strategy).

Resolution walks account -> symbol -> strategy, the most specific set value
winning (see :mod:`fillgate.risk.settings`). The result is cached: strategy
ids are client-chosen, so unconfigured ones share the "" entry and the cache
stays bounded by accounts x symbols x configured strategies.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal

from fillgate.risk.settings import AccountLimits, RiskConfig


@dataclass(frozen=True, slots=True)
class OrderLimits:
    """Everything checked for one (account, symbol, strategy); None is unchecked."""

    account: AccountLimits
    max_order_quantity: Decimal | None
    max_order_notional: Decimal | None
    min_order_quantity: Decimal | None
    price_collar_pct: Decimal | None
    tick_size: Decimal | None
    lot_size: Decimal | None
    max_position_quantity: Decimal | None
    max_position_pct_equity: Decimal | None
    margin_rate: Decimal | None
    #: Any of the per-order sanity limits is set.
    sanity: bool = True
    #: Any exposure limit values positions at the mark (% of equity, leverage, margin).
    prices_exposure: bool = False


_BY_STRATEGY = (
    "max_order_quantity",
    "max_order_notional",
    "min_order_quantity",
    "price_collar_pct",
)


class LimitResolver:
    """Resolve and cache :class:`OrderLimits`."""

    def __init__(self, config: RiskConfig) -> None:
        self._config = config
        self._cache: dict[tuple[str, str, str], OrderLimits] = {}

    def get(self, account: str, symbol: str, strategy: str) -> OrderLimits:
        key = (account, symbol, strategy if strategy in self._config.strategies else "")
        limits = self._cache.get(key)
        if limits is None:
            limits = self._cache[key] = self._resolve(*key)
        return limits

    def _resolve(self, account: str, symbol: str, strategy: str) -> OrderLimits:
        acc = self._config.account(account)
        rules = self._config.symbols.get(symbol)
        strat = self._config.strategies.get(strategy) if strategy else None

        def pick(name: str) -> Decimal | None:
            if strat is not None and name in _BY_STRATEGY:
                value = getattr(strat, name)
                if value is not None:
                    return value  # type: ignore[no-any-return]
            if rules is not None:
                value = getattr(rules, name)
                if value is not None:
                    return value  # type: ignore[no-any-return]
            return getattr(acc, name, None)

        limits = OrderLimits(
            account=acc,
            max_order_quantity=pick("max_order_quantity"),
            max_order_notional=pick("max_order_notional"),
            min_order_quantity=pick("min_order_quantity"),
            price_collar_pct=pick("price_collar_pct"),
            tick_size=rules.tick_size if rules is not None else None,
            lot_size=rules.lot_size if rules is not None else None,
            max_position_quantity=pick("max_position_quantity"),
            max_position_pct_equity=pick("max_position_pct_equity"),
            margin_rate=pick("margin_rate"),
        )
        sanity = (
            limits.max_order_quantity,
            limits.max_order_notional,
            limits.min_order_quantity,
            limits.price_collar_pct,
            limits.tick_size,
            limits.lot_size,
        )
        priced = (
            limits.max_position_pct_equity,
            limits.margin_rate or None,  # "0" turns buying power off
            acc.max_gross_exposure_pct_equity,
            acc.max_leverage,
            self._config.max_total_gross_exposure,
        )
        return replace(
            limits,
            sanity=any(x is not None for x in sanity),
            prices_exposure=any(x is not None for x in priced),
        )
