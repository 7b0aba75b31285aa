"""HTTP/1.1 request framing, read strictly: anything two parsers could read two ways is refused.

Request smuggling lives in the gaps between lenient parsers (RFC 9112 section 11.2), so here:
- the request line is exactly `METHOD SP target SP HTTP/1.0|HTTP/1.1`;
- a field name is a token directly followed by `:` (no space before it, no folded lines) and a
  value holds no control character but tab;
- `Content-Length` is ASCII digits only (no sign, `_`, list or repeat), and `Host` and
  `Authorization` may appear once;
- other repeated fields are combined with ", " (RFC 9110 section 5.3), never last-wins;
- a chunked body is 411 (this service only takes small JSON bodies), any other transfer coding 501.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

VERSIONS = ("HTTP/1.0", "HTTP/1.1")
SINGLE_VALUED = ("content-length", "host", "authorization")

_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_DIGITS = re.compile(r"[0-9]+")
_BAD_TARGET = re.compile(r"[\x00-\x20\x7f]")
# name ":" OWS value, in one match: a token name, a value without control characters but tab.
_FIELD = re.compile(r"([!#$%&'*+\-.^_`|~0-9A-Za-z]+):[ \t]*([^\x00-\x08\x0a-\x1f\x7f]*)")


@dataclass
class BadRequest(Exception):
    """The request cannot be read; answer `status` with `message` and close the connection."""
    status: int
    message: str


def strip_line_end(raw: bytes) -> str | None:
    """A line without its CRLF (or bare LF); None when it has no end (the peer stopped mid-line)."""
    if not raw.endswith(b"\n"):
        return None
    return raw[:-2 if raw.endswith(b"\r\n") else -1].decode("latin-1")


def parse_request_line(line: str) -> tuple[str, str, str]:
    parts = line.split(" ")
    if len(parts) != 3 or not _TOKEN.fullmatch(parts[0]) or not parts[1] or _BAD_TARGET.search(parts[1]):
        raise BadRequest(400, "malformed request line")
    if parts[2] not in VERSIONS:
        raise BadRequest(400, "unsupported HTTP version (HTTP/1.0 or HTTP/1.1)")
    return parts[0], parts[1], parts[2]


def add_field(headers: dict[str, str], line: str) -> None:
    """Add one header line to `headers` (keyed by lower-case name)."""
    match = _FIELD.fullmatch(line)
    if match is None:
        name, sep, _ = line.partition(":")
        if sep and _TOKEN.fullmatch(name):
            raise BadRequest(400, f"control character in the {name} header")
        raise BadRequest(400, "malformed header line")
    name, value = match.groups()
    value = value.rstrip(" \t")
    key = name.lower()
    if key not in headers:
        headers[key] = value
    elif key in SINGLE_VALUED:
        raise BadRequest(400, f"repeated {name} header")
    else:
        headers[key] = f"{headers[key]}, {value}"


def tokens(value: str) -> list[str]:
    """The items of a comma-separated list header, lower-cased."""
    return [item.strip().lower() for item in value.split(",") if item.strip()]


def body_length(headers: dict[str, str]) -> int:
    """The body's length from the framing headers (it may be over the service's limit)."""
    if "transfer-encoding" in headers:
        if "chunked" in tokens(headers["transfer-encoding"]):
            raise BadRequest(411, "chunked bodies are not accepted; send Content-Length")
        raise BadRequest(501, "transfer codings are not supported; send Content-Length")
    value = headers.get("content-length")
    if value is None:
        return 0
    if not _DIGITS.fullmatch(value):
        raise BadRequest(400, "Content-Length must be one decimal number")
    return int(value) if len(value) <= 18 else 10**18  # (int() refuses over 4,300 digits)


def wants_close(version: str, headers: dict[str, str]) -> bool:
    value = headers.get("connection")
    options = tokens(value) if value else ()
    return "close" in options or (version == "HTTP/1.0" and "keep-alive" not in options)


def expects_continue(headers: dict[str, str]) -> bool:
    value = headers.get("expect")
    return bool(value) and "100-continue" in tokens(value)
