"""The durable event journal: append-only log, group commit, replay, audit scans."""
