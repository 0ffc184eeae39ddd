"""Contingent-order settings: the ``[contingent]`` section of the config file.

    [contingent]
    require_stop_loss = "attach"     # "off" (default), "deny" or "attach"
    default_stop_pct = "2"           # the stop attached: 2 % from the entry's fill
    take_profit_risk_reward = "2"    # and a take-profit twice as far (unset: none)

The policy is for every account, and only for orders a client sends with
``SubmitOrder`` that could open or grow a position: orders that only reduce
one, and the members fillgate places itself, pass as they are.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

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
