"""fillgate: a low-latency gRPC execution gateway."""

__version__ = "0.1.0"
