"""Contingent-order settings: the ``[contingent]`` section of the config file.

    [contingent]
    require_stop_loss = "attach"     # "off" (default), "deny" or "attach"
    default_stop_pct = "2"           # the stop attached: 2 % from the entry's fill
    take_profit_risk_reward = "2"    # and a take-profit twice as far (unset: none)

    [accounts.desk]
    require_stop_loss = "deny"       # this account only; overrides [contingent]

The policy is for every account that does not set its own, and only for
orders a client sends with ``SubmitOrder`` that could open or grow a
position: orders that only reduce one, and the members fillgate places
itself, pass as they are.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from types import MappingProxyType

#: The values ``require_stop_loss`` takes.
POLICIES = ("off", "deny", "attach")


@dataclass(frozen=True, slots=True, kw_only=True)
class ContingentConfig:
    """The ``[contingent]`` table."""

    #: "off"; "deny": an opening order without a stop-loss is denied (use
    #: SubmitBracket); "attach": it becomes a bracket with the defaults below.
    require_stop_loss: str = "off"
    #: The attached stop-loss, in percent of the entry's fill price.
    default_stop_pct: Decimal = Decimal(2)
    #: The attached take-profit's distance as a multiple of the stop's; None: no take-profit.
    take_profit_risk_reward: Decimal | None = None
    #: Per account, its own ``require_stop_loss`` (from ``[accounts.NAME]``), over the above.
    accounts: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    def policy_for(self, account: str) -> str:
        """The ``require_stop_loss`` that applies to ``account``: its own, else the default."""
        return self.accounts.get(account, self.require_stop_loss)


def settings_problem(c: ContingentConfig) -> str | None:
    """What is wrong with ``[contingent]`` (and accounts' ``require_stop_loss``), or None."""
    choices = ", ".join(POLICIES)
    if c.require_stop_loss not in POLICIES:
        return f"contingent.require_stop_loss: one of {choices}"
    for name, policy in c.accounts.items():
        if policy not in POLICIES:
            return f"accounts.{name}.require_stop_loss: {policy!r} is not one of {choices}"
    if not 0 < c.default_stop_pct < 100:
        return "contingent.default_stop_pct: must be above 0 and below 100"
    if c.take_profit_risk_reward is not None and c.take_profit_risk_reward <= 0:
        return "contingent.take_profit_risk_reward: must be above 0"
    return None
