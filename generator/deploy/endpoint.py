"""Deploy targets and their secrets: URLs checked before any request, credentials checked before
they reach an HTTP header, and every form of a secret that could be printed, for redaction.

A URL must be http:// or https:// with a host. User-info in it (`http://user:pass@host`) is taken
out of the URL: the password never appears in a message (`shown` masks it) and is sent only as
basic auth. A secret with a line break, another control character or a character outside
Latin-1 cannot be sent in an HTTP header: it is refused, without echoing it.
"""
from __future__ import annotations

import base64
from dataclasses import dataclass
from urllib.parse import quote, unquote, urlsplit, urlunsplit

MASK = "***"


class EndpointError(ValueError):
    """A URL or a credential that cannot be used; the message never contains a secret."""


@dataclass(frozen=True)
class Endpoint:
    url: str  # scheme://host[:port][/sub/path], without user-info, no trailing slash
    shown: str  # the URL as messages show it: the password masked
    user: str | None = None  # from the URL's user-info
    password: str | None = None

    @property
    def secrets(self) -> tuple[str, ...]:
        return secret_forms(self.password) if self.password else ()


def parse_endpoint(raw: str, what: str) -> Endpoint:
    """Check `raw` (the value of option `what`) and split off its user-info."""
    raw = (raw or "").strip()
    if not raw:
        raise EndpointError(f"{what} is empty: give the base URL, e.g. http://localhost:3000")
    try:
        parts = urlsplit(raw)
        _ = parts.port  # raises ValueError on a port that is not a number in range
    except ValueError:
        raise EndpointError(f"{what} is not a valid URL (host or port unreadable)") from None
    scheme = parts.scheme.lower()
    password = unquote(parts.password) if parts.password is not None else None
    user = unquote(parts.username) if parts.username is not None else None
    host = parts.netloc.rpartition("@")[2]
    shown = _shown(scheme, parts, host, user, password)
    if "://" not in raw:
        bare = _mask(raw)
        raise EndpointError(f"{what} {bare} has no scheme: write http://{bare} or https://{bare}")
    if scheme not in ("http", "https"):
        raise EndpointError(f"{what} {shown} uses scheme {scheme or '(none)'}: only http:// and https:// are supported")
    if not parts.hostname:
        raise EndpointError(f"{what} {shown} names no host")
    if parts.query or parts.fragment:
        raise EndpointError(f"{what} {shown} has a query or fragment: give the base URL only")
    if password is not None:
        check_secret(password, f"the password in {what}")
    url = urlunsplit((scheme, host, parts.path.rstrip("/"), "", ""))
    return Endpoint(url, shown.rstrip("/"), user, password)


def _shown(scheme: str, parts, host: str, user: str | None, password: str | None) -> str:
    info = ""
    if user is not None:
        info = quote(user, safe="") + (f":{MASK}" if password is not None else "") + "@"
    return urlunsplit((scheme, info + host, parts.path, "", ""))


def _mask(raw: str) -> str:
    """`raw` (a URL without scheme) with anything that may be a password masked."""
    if "@" in raw:
        return MASK + "@" + raw.rpartition("@")[2]
    return raw


def check_secret(value: str, name: str) -> None:
    """Refuse a secret an HTTP header cannot carry; the message names the position, never the value."""
    for position, char in enumerate(value, 1):
        if ord(char) < 0x20 or 0x7F <= ord(char) < 0xA0:
            kind = "a line break" if char in "\r\n" else "a control character"
            raise EndpointError(f"{name} contains {kind} (character {position} of {len(value)}); "
                                "an HTTP header cannot carry it: store the secret without it")
        if ord(char) > 0xFF:
            raise EndpointError(f"{name} contains a character outside Latin-1 (character {position} of "
                                f"{len(value)}); an HTTP header cannot carry it: check the secret")


def secret_forms(secret: str) -> tuple[str, ...]:
    """The secret and the forms it takes on the wire (percent-encoded), longest first."""
    forms = {secret, quote(secret, safe=""), quote(secret)}
    return tuple(sorted((f for f in forms if f), key=len, reverse=True))


def basic_auth_forms(user: str, password: str) -> tuple[str, ...]:
    """The base64 of `user:password` as a Basic Authorization header carries it."""
    raw = f"{user}:{password}"
    out = set()
    for encoding in ("latin-1", "utf-8"):
        try:
            out.add(base64.b64encode(raw.encode(encoding)).decode("ascii"))
        except UnicodeEncodeError:
            continue
    return tuple(out)


def redact(text: str, secrets: tuple[str, ...]) -> str:
    """`text` with every secret replaced by ***, longest first (so no part of a longer one is left)."""
    for secret in sorted(set(secrets), key=len, reverse=True):
        if secret:
            text = text.replace(secret, MASK)
    return text
