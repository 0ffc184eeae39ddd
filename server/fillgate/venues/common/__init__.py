"""Pieces the runtime and the drivers share: backoff with jitter, a blocking SDK's thread."""
