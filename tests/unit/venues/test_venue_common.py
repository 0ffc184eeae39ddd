"""The pieces every remote venue shares: client ids, backoff, redaction."""

from __future__ import annotations

import random

from fillgate.venues.common.backoff import Backoff
from fillgate.venues.driver import ClientIdRule
from fillgate.venues.errors import Secret, redact
from fillgate.venues.runtime.client_ids import venue_client_id

BINANCE = ClientIdRule(max_length=36, extra_chars=".:/_-")
NARROW = ClientIdRule(max_length=20, extra_chars="-")


def test_client_id_that_fits_goes_to_the_venue_unchanged() -> None:
    assert venue_client_id(BINANCE, "acct", "order-17", 0) == "order-17"


def test_client_id_after_replace_is_chained_with_the_version() -> None:
    assert venue_client_id(BINANCE, "acct", "order-17", 2) == "order-17:2"


def test_client_id_too_long_for_the_venue_becomes_a_stable_digest() -> None:
    long_id = "x" * 50
    first = venue_client_id(BINANCE, "acct", long_id, 0)
    assert first == venue_client_id(BINANCE, "acct", long_id, 0)
    assert first.startswith("fg") and len(first) <= 36


def test_client_id_digest_differs_between_accounts() -> None:
    long_id = "y" * 50
    assert venue_client_id(BINANCE, "a", long_id, 0) != venue_client_id(BINANCE, "b", long_id, 0)


def test_client_id_containing_the_separator_cannot_collide_with_a_chained_id() -> None:
    chained = venue_client_id(NARROW, "acct", "abc", 1)
    lookalike = venue_client_id(NARROW, "acct", "abc-1", 0)
    assert chained == "abc-1"
    assert lookalike != chained


def test_client_id_with_characters_the_venue_refuses_becomes_a_digest() -> None:
    assert venue_client_id(BINANCE, "acct", "a b#c", 0).startswith("fg")


def test_backoff_delay_stays_within_the_doubling_ceiling() -> None:
    backoff = Backoff(base=0.1, cap=5.0, rng=random.Random(7))
    for attempt in range(10):
        assert 0 <= backoff.delay(attempt) <= min(5.0, 0.1 * 2**attempt)


def test_backoff_never_shortens_the_venues_retry_after() -> None:
    backoff = Backoff(base=0.1, cap=5.0, rng=random.Random(7))
    assert backoff.delay(0, retry_after=3.0) >= 3.0


def test_redact_removes_secret_values_and_signature_parameters() -> None:
    text = "GET /api/v3/order?symbol=X&timestamp=1&signature=abcdef0123 key=SECRETKEY99"
    out = redact(text, ["SECRETKEY99"])
    assert "abcdef0123" not in out
    assert "SECRETKEY99" not in out
    assert "symbol=X" in out


def test_redact_removes_bearer_tokens_from_headers() -> None:
    out = redact("headers {'Authorization': 'Bearer tok-123456'}")
    assert "tok-123456" not in out


def test_secret_repr_never_shows_the_value() -> None:
    secret = Secret("hunter22")
    assert "hunter22" not in repr(secret)
    assert "hunter22" not in str(secret)
    assert "hunter22" not in f"{secret}"
    assert secret.reveal() == "hunter22"
