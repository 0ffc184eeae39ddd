"""Pre-trade checks and trading state (ACTIVE / REDUCING / HALTED)."""
