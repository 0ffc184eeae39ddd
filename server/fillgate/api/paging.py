"""The one page-token scheme of the contract, and page sizes.

A token is ``base64url("<list>:<position>")`` with padding, where ``<list>``
names the list it pages (``orders``, ``executions``) and ``<position>`` is
ASCII digits. Tokens are opaque to clients; the server accepts only the exact
text it would issue, so a forged or edited token (other digits, another list's
token, a non-canonical encoding) is INVALID_ARGUMENT naming ``page_token``.
"""

from __future__ import annotations

import base64
import binascii
import re

from fillgate.domain.errors import Violations
from fillgate.domain.paging import PageRequest

_POSITION = re.compile(r"[0-9]{1,19}")
_NOT_OURS = "is not a token this server issued for this list"


def page_token(kind: str, position: int) -> str:
    """Return the token that resumes ``kind`` at ``position``."""
    return base64.urlsafe_b64encode(f"{kind}:{position}".encode()).decode("ascii")


def page_start(kind: str, token: str) -> int:
    """Return the position ``token`` resumes at (0 for no token); raise InvalidArgument."""
    v = Violations()
    start = _start(v, kind, token)
    v.raise_if_any()
    return start


def _start(v: Violations, kind: str, token: str) -> int:
    if not token:
        return 0
    try:
        text = base64.urlsafe_b64decode(token.encode("ascii")).decode("ascii")
    except (UnicodeError, binascii.Error, ValueError):
        text = ""
    name, _, position = text.partition(":")
    if name != kind or _POSITION.fullmatch(position) is None:
        v.add("page_token", _NOT_OURS)
        return 0
    start = int(position)
    if page_token(kind, start) != token:  # a non-canonical spelling of a real token
        v.add("page_token", _NOT_OURS)
        return 0
    return start


def page_request(
    v: Violations, kind: str, token: str, size: int, *, default: int, maximum: int
) -> PageRequest:
    """Read a page token and size, adding violations to ``v`` (the caller raises)."""
    if size > maximum:
        v.add("page_size", f"must be at most {maximum}")
    return PageRequest(start=_start(v, kind, token), size=min(size or default, maximum))
