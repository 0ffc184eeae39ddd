"""Local fake venues (aiohttp on 127.0.0.1) that speak each venue's real protocol."""
