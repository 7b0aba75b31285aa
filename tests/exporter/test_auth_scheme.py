"""The Authorization scheme is case-insensitive (RFC 7235, section 2.1): "bearer" and "BEARER" are
Bearer; the token itself is taken as sent."""
from __future__ import annotations

import pytest

from exporter.auth import AuthError, bearer_token


@pytest.mark.parametrize("header", ["Bearer tok-1", "bearer tok-1", "BEARER tok-1", "  Bearer   tok-1  "])
def test_any_case_of_the_bearer_scheme_is_accepted(header):
    assert bearer_token(header) == "tok-1"


@pytest.mark.parametrize("header", ["Basic tok-1", "Bearertok-1", "Bearer", "", None])
def test_other_schemes_and_empty_tokens_are_refused(header):
    with pytest.raises(AuthError):
        bearer_token(header)


def test_the_token_keeps_its_case():
    assert bearer_token("bearer Tok-ABC") == "Tok-ABC"
