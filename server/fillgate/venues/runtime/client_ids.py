"""The client order id a venue stores for an order, and its chain across replaces.

The venue gets the client's own ``client_order_id`` whenever it fits the
venue's rules, so it is recognisable in the venue's UI. When it does not fit
(too long, characters the venue refuses) it gets a deterministic digest of
(account, client_order_id), so fillgate can always recompute it, after a
restart too, without storing it. A replace done as cancel + new (or a native
replace that creates a new venue order) chains the id: version N > 0 appends
``:N`` (the first of ``:.~-`` the venue allows), so every venue order of one
fillgate order is findable. An id that already contains the separator takes
the digest form, so ``abc:1`` (version 0) can never collide with ``abc`` version 1.
"""

from __future__ import annotations

import base64
import hashlib
import string

from fillgate.venues.driver import ClientIdRule

_ALNUM = frozenset(string.ascii_letters + string.digits)


def venue_client_id(rule: ClientIdRule, account: str, client_order_id: str, version: int) -> str:
    """Return the venue client id of ``version`` of an order (0 = as first submitted)."""
    sep = next((c for c in ":.~-" if c in rule.extra_chars), "")
    if not sep:
        raise ValueError("a venue client id rule needs one of : . ~ - as a separator")
    suffix = f"{sep}{version}" if version else ""
    allowed = (_ALNUM | frozenset(rule.extra_chars)) - {sep}
    if len(client_order_id) + len(suffix) <= rule.max_length and all(
        c in allowed for c in client_order_id
    ):
        return client_order_id + suffix
    digest = hashlib.blake2b(f"{account}\x00{client_order_id}".encode(), digest_size=15).digest()
    token = "fg" + base64.b32encode(digest).decode().rstrip("=").lower()
    return token[: rule.max_length - len(suffix)] + suffix
