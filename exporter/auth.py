"""Bearer-token authentication: the token identifies the user; only its SHA-256 is stored."""
from __future__ import annotations

import hashlib

from exporter.database import Session
from exporter.summary import User


class AuthError(Exception):
    """No usable bearer token, or one no user holds."""


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def bearer_token(header: str | None) -> str:
    """The token of an `Authorization: Bearer <token>` header, else `AuthError`."""
    if not header:
        raise AuthError("missing Authorization header")
    scheme, _, token = header.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise AuthError("Authorization header is not 'Bearer <token>'")
    return token


def find_user(session: Session, token: str) -> User:
    row = session.one("SELECT id, uuid, name FROM users WHERE token_sha256 = ?", (hash_token(token),))
    if row is None:
        raise AuthError("unknown bearer token")
    return User(*row)
