"""Pieces every remote venue shares: rate limits, backoff, executors, client ids."""
