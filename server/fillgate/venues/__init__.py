"""Venue adapters: one protocol, one package per venue, the paper venue embedded."""
