"""Contingent orders: time limits (expiries) now; order lists and brackets to follow."""
