"""Risk configuration values: the ``[risk]`` section of the config file.

Parsed by ``fillgate.config`` (which rejects unknown keys and wants decimals
as strings); kept here so the risk package owns its vocabulary. A limit left
unset (``None``) is not checked. Percentages are written as percent: ``"10"``
is 10 %.

Precedence of per-order limits: a strategy override beats a symbol override,
which beats the account's value (``[risk.accounts.NAME]``, itself the
``[risk]`` defaults with the account's keys on top). TOML has no null, so an
override cannot unset a default: give it a generous value instead::

    [risk]
    max_order_notional = "250000"     # defaults for every account
    [risk.accounts.alpha]
    max_order_notional = "50000"      # alpha only
    [risk.symbols.BTC-USD]
    tick_size = "0.5"                 # tick, lot, collar and per-symbol overrides
    [risk.strategies.momo]
    orders_per_second = "5"           # momo's own token bucket, across accounts
    [risk.breakers.daily_loss]
    limit = "20000"
    mode = "HALTED"
    flatten_positions = true
"""

from __future__ import annotations

from collections.abc import Container, Mapping
from dataclasses import dataclass, field, fields
from decimal import Decimal
from types import MappingProxyType

from fillgate.domain.enums import Breaker


@dataclass(frozen=True, slots=True, kw_only=True)
class AccountLimits:
    """Limits of one account (the ``[risk]`` defaults, or ``[risk.accounts.NAME]``)."""

    #: Most quantity one order may have.
    max_order_quantity: Decimal | None = None
    #: Most notional (quantity x limit, stop or reference price) one order may have.
    max_order_notional: Decimal | None = None
    #: Least quantity one order may have.
    min_order_quantity: Decimal | None = None
    #: Limit and stop prices must lie within this % of the reference price.
    price_collar_pct: Decimal | None = None
    #: Most absolute position per symbol, counting open orders as if filled.
    max_position_quantity: Decimal | None = None
    #: Most absolute position value per symbol, as % of the account's equity.
    max_position_pct_equity: Decimal | None = None
    #: Most symbols with a position or a working order at once.
    max_open_positions: int | None = None
    #: Most gross exposure (positions and open orders at mark), as % of equity.
    max_gross_exposure_pct_equity: Decimal | None = None
    #: Most gross exposure divided by equity.
    max_leverage: Decimal | None = None
    #: Buying power: equity must cover margin_rate x gross exposure. "1" is a cash
    #: account (every unit of exposure funded); "0.1" allows 10x; "0" turns it off.
    margin_rate: Decimal | None = Decimal(1)
    #: Token bucket refill rate for the account's new orders and replaces.
    orders_per_second: Decimal | None = None
    #: Token bucket size (the burst allowed); defaults to one second of orders_per_second.
    order_burst: int | None = None
    #: Deny a second working entry order for the same symbol and side.
    one_pending_entry_per_side: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class SymbolRules:
    """Per-symbol rules (``[risk.symbols.NAME]``); unset fields fall back to the account."""

    #: Limit and stop prices must be whole multiples of this.
    tick_size: Decimal | None = None
    #: Quantities must be whole multiples of this.
    lot_size: Decimal | None = None
    margin_rate: Decimal | None = None
    max_order_quantity: Decimal | None = None
    max_order_notional: Decimal | None = None
    min_order_quantity: Decimal | None = None
    price_collar_pct: Decimal | None = None
    max_position_quantity: Decimal | None = None
    max_position_pct_equity: Decimal | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class StrategyLimits:
    """Per-strategy limits (``[risk.strategies.ID]``), keyed by the order's strategy_id."""

    max_order_quantity: Decimal | None = None
    max_order_notional: Decimal | None = None
    min_order_quantity: Decimal | None = None
    price_collar_pct: Decimal | None = None
    #: The strategy's own token bucket, shared by all accounts; the account's still applies.
    orders_per_second: Decimal | None = None
    order_burst: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class BreakerSettings:
    """One circuit breaker (``[risk.breakers.NAME]``): its limit and what a trip does."""

    #: The threshold; unset disables the breaker. Over it (not at it) trips.
    limit: Decimal | None = None
    #: The trading mode a trip sets on the account: "REDUCING" or "HALTED".
    mode: str = "HALTED"
    cancel_open_orders: bool = True
    flatten_positions: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class RejectionRateSettings(BreakerSettings):
    """The rejection-rate breaker also has a window and a minimum sample."""

    #: The sliding window, in seconds.
    window_s: int = 60
    #: Fewer accepted orders than this in the window never trip.
    min_orders: int = 20


@dataclass(frozen=True, slots=True, kw_only=True)
class BreakersConfig:
    """The four breakers, evaluated per account; every one is off unless given a limit."""

    #: Loss since the UTC day began (equity change: realized + unrealized - fees), an amount.
    daily_loss: BreakerSettings = field(default_factory=BreakerSettings)
    #: Fall from the day's peak equity, in %.
    drawdown: BreakerSettings = field(default_factory=BreakerSettings)
    #: Venue rejections among the orders accepted in the window, in %.
    rejection_rate: RejectionRateSettings = field(default_factory=RejectionRateSettings)
    #: Adverse fill price versus the expected price, in %.
    slippage: BreakerSettings = field(default_factory=BreakerSettings)

    def get(self, kind: Breaker) -> BreakerSettings:
        return getattr(self, kind.name.lower())  # type: ignore[no-any-return]


def _no_accounts() -> Mapping[str, AccountLimits]:
    return MappingProxyType({})


def _no_symbols() -> Mapping[str, SymbolRules]:
    return MappingProxyType({})


def _no_strategies() -> Mapping[str, StrategyLimits]:
    return MappingProxyType({})


@dataclass(frozen=True, slots=True, kw_only=True)
class RiskConfig:
    """The whole ``[risk]`` section."""

    #: False: no pre-trade checks and no breakers (the halt guard and reduce-only stay).
    enabled: bool = True
    #: Most gross exposure summed over all accounts, an amount.
    max_total_gross_exposure: Decimal | None = None
    #: The defaults every account starts from.
    defaults: AccountLimits = field(default_factory=AccountLimits)
    #: Accounts with their own limits (defaults overlaid with the account's keys).
    accounts: Mapping[str, AccountLimits] = field(default_factory=_no_accounts)
    symbols: Mapping[str, SymbolRules] = field(default_factory=_no_symbols)
    strategies: Mapping[str, StrategyLimits] = field(default_factory=_no_strategies)
    breakers: BreakersConfig = field(default_factory=BreakersConfig)

    def account(self, name: str) -> AccountLimits:
        """Return the limits of ``name``: its own section, else the defaults."""
        return self.accounts.get(name, self.defaults)


def settings_problem(
    risk: RiskConfig, accounts: Container[str], symbols: Container[str]
) -> str | None:
    """What is wrong with ``[risk]`` given the configured accounts and symbols, or None."""
    for name in risk.accounts:
        if name not in accounts:
            return f"risk.accounts.{name}: unknown account"
    for name, rules in risk.symbols.items():
        if name not in symbols:
            return f"risk.symbols.{name}: unknown symbol"
        for key in ("tick_size", "lot_size"):
            if getattr(rules, key) == 0:
                return f"risk.symbols.{name}.{key}: must be positive"
    for kind in fields(BreakersConfig):
        if getattr(risk.breakers, kind.name).mode not in ("REDUCING", "HALTED"):
            return f'risk.breakers.{kind.name}.mode: must be "REDUCING" or "HALTED"'
    rejections = risk.breakers.rejection_rate
    if rejections.window_s < 1 or rejections.min_orders < 1:
        return "risk.breakers.rejection_rate: window_s and min_orders must be >= 1"
    buckets: list[tuple[str, AccountLimits | StrategyLimits]] = [("risk", risk.defaults)]
    buckets += [(f"risk.accounts.{n}", x) for n, x in risk.accounts.items()]
    buckets += [(f"risk.strategies.{n}", x) for n, x in risk.strategies.items()]
    for where, limits in buckets:
        if limits.orders_per_second == 0 or limits.order_burst == 0:
            return f"{where}: orders_per_second and order_burst must be positive"
    return None
