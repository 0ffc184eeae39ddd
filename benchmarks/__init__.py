"""fillgate's latency benchmarks: open-loop load, HDR histograms, baselines, the CI gate.

Run ``python -m benchmarks --help`` (or ``make bench`` / ``make bench-quick``).
"""
