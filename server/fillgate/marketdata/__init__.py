"""Market data: quotes and marks per symbol, their age, and the paper price feed."""
