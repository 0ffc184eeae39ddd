"""What can be traded: the accounts (each with its venue) and the symbols."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from fillgate.domain.symbols import SymbolConfig


@dataclass(frozen=True, slots=True, kw_only=True)
class Universe:
    """The configured accounts and symbols, as the rooms below ``app`` see them.

    ``config.py`` builds it from the TOML file; nothing below ``app`` reads
    the configuration itself.
    """

    #: Account name -> the name of the venue its orders go to ("paper", "ccxt", ...).
    accounts: Mapping[str, str]
    symbols: Mapping[str, SymbolConfig]
