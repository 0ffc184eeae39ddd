"""Build the one ``ccxt.pro`` instance a driver uses, configured for fillgate.

- ``enableRateLimit`` is off: the runtime's token bucket is the only pacing.
- ``load_markets`` makes a single request (spot ``exchangeInfo``): no currency,
  margin or futures catalogues, which need other permissions or products.
- ``environment = "testnet"`` switches to the exchange's sandbox URLs *before*
  any override, because switching afterwards silently discards the override.
- ``api_url`` rewrites the scheme and host of every URL in ``urls['api']``
  (nested, WebSocket ones included) and keeps their paths; ``stream_url``
  may give the WebSocket host separately (default: ``api_url`` with ws scheme).
"""

from __future__ import annotations

import copy
from typing import Any
from urllib.parse import urlsplit

import ccxt.pro
from ccxt.base.errors import NotSupported

from fillgate.venues.driver import Credentials, VenueSettings

_OPTIONS: dict[str, Any] = {
    "defaultType": "spot",
    "fetchMarkets": {"types": ["spot"]},
    "fetchCurrencies": False,
    "fetchMargins": False,
    "adjustForTimeDifference": False,
}


def create_exchange(settings: VenueSettings, credentials: Credentials) -> Any:
    """Return a configured ``ccxt.pro`` exchange; call on the loop that will use it."""
    exchange_id = settings.exchange or "binance"
    factory = getattr(ccxt.pro, exchange_id, None)
    if factory is None or not callable(factory):
        raise NotSupported(f"ccxt.pro has no exchange {exchange_id!r}")
    exchange = factory(
        {
            "apiKey": credentials.key.reveal(),
            "secret": credentials.secret.reveal(),
            "enableRateLimit": False,
            "timeout": int(settings.timeout_s * 1000),
            "options": copy.deepcopy(_OPTIONS),
        }
    )
    if settings.environment == "testnet":
        exchange.set_sandbox_mode(True)
    if settings.api_url or settings.stream_url:
        point_at(exchange, settings.api_url, settings.stream_url)
    if settings.api_url.startswith("http://"):
        # close() otherwise sleeps 250 ms to let TLS transports drain; plain HTTP has none.
        exchange.timeout_on_exit = 0
    if settings.api_url and isinstance(exchange.exceptions, dict) and "spot" in exchange.exceptions:
        # Binance picks its spot error-code table by URL prefix (api.binance.com,
        # testnet.binance.vision); at any other host only the generic table applies
        # and spot codes such as -1008 or -2026 would lose their mapping.
        spot = exchange.exceptions["spot"]
        exchange.get_exceptions_by_url = lambda url, kind: exchange.safe_dict(spot, kind, {})
    return exchange


def point_at(exchange: Any, api_url: str, stream_url: str = "") -> None:
    """Rewrite the hosts of ``exchange.urls['api']`` (see the module docstring)."""
    http_base = api_url.rstrip("/")
    ws_base = stream_url.rstrip("/")
    if not ws_base and http_base:
        ws_base = "ws" + http_base[4:] if http_base.startswith("http") else http_base
    exchange.urls = copy.deepcopy(exchange.urls)
    exchange.urls["api"] = _rewrite(exchange.urls["api"], http_base, ws_base)


def _rewrite(tree: Any, http_base: str, ws_base: str) -> Any:
    if isinstance(tree, dict):
        return {key: _rewrite(value, http_base, ws_base) for key, value in tree.items()}
    if not isinstance(tree, str):
        return tree
    parts = urlsplit(tree)
    base = ws_base if parts.scheme in ("ws", "wss") else http_base
    if not base or parts.scheme not in ("http", "https", "ws", "wss"):
        return tree
    query = f"?{parts.query}" if parts.query else ""
    return f"{base}{parts.path}{query}"
