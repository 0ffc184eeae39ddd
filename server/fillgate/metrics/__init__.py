"""Observability (issue 16): Prometheus metrics of the gRPC edge, the order path and the journal.

- ``registry.py``: every metric fillgate exports, in its own registry;
- ``grpc_wrap.py``: go-grpc-prometheus metrics, put around each handler once at registration;
- ``orders.py``: order-path metrics, fed by the engine's event observer;
- ``gauges.py``: values read at scrape time (event-loop lag, streams, trading state);
- ``exporter.py``: the ``/metrics`` HTTP endpoint (aiohttp, on the server's event loop);
- ``settings.py``: the ``[metrics]`` config section.
"""
