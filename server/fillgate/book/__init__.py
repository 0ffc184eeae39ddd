"""Position book: positions, P&L and immutable per-account snapshots."""
