"""The web console: an aiohttp app on the server's own event loop (see server.py)."""
