"""A small Grafana HTTP API client (requests): health, folders, dashboards by uid, search, delete.

Every call goes through `_request`, which retries a bounded number of times with exponential
backoff on 429 and 5xx answers, connection errors, timeouts and cut-short answers (a Retry-After
header is honoured, up to a bound), and turns the documented error answers into typed exceptions
whose messages say what to do. An answer that is not what Grafana's API gives (HTML, JSON of
the wrong shape, a cut-short body) is a GrafanaProtocolError. Credentials live only in the
session's headers: no message, exception or log line built here contains them, and every
message is passed through `redact` as a second guard.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Callable
from urllib.parse import quote

import requests

from generator.deploy.endpoint import basic_auth_forms, redact, secret_forms

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
SEARCH_PAGE_SIZE = 1000


class GrafanaError(Exception):
    """Base of every error the client raises; the message never contains credentials."""


class GrafanaAuthError(GrafanaError):
    """401 (the credentials were refused) or 403 (they lack a permission)."""

    def __init__(self, status: int, message: str):
        self.status = status
        super().__init__(message)


class GrafanaRejected(GrafanaError):
    """The request was understood and refused: 400, 404, 409 or 412 (with its `status` reason)."""

    def __init__(self, status: int, reason: str, message: str):
        self.status, self.reason = status, reason
        super().__init__(message)


class GrafanaUnavailable(GrafanaError):
    """No usable answer after every retry: connection errors, timeouts, 429 or 5xx."""


class GrafanaProtocolError(GrafanaError):
    """An answer that is not Grafana's API: HTML, JSON of the wrong shape, a cut-short body."""


@dataclass
class Credentials:
    """A service-account token (Bearer) or basic auth; `secrets` lists what must never be shown."""

    token: str | None = None
    user: str | None = None
    password: str | None = None
    extra_secrets: tuple[str, ...] = ()  # e.g. a password in the URL that is not used

    @property
    def secrets(self) -> tuple[str, ...]:
        out = list(self.extra_secrets)
        for secret in (self.token, self.password):
            if secret:
                out.extend(secret_forms(secret))
        if self.user is not None and self.password:
            out.extend(basic_auth_forms(self.user, self.password))
        return tuple(out)

    def apply(self, session: requests.Session) -> None:
        if self.token:
            session.headers["Authorization"] = f"Bearer {self.token}"
        elif self.user is not None:
            session.auth = (self.user, self.password or "")


@dataclass
class RetryPolicy:
    attempts: int = 4  # total tries, first one included
    backoff: float = 0.5  # seconds before the 2nd try; doubled each time
    max_backoff: float = 8.0
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)
    max_retry_after: float = 30.0  # the longest Retry-After we wait; a longer one ends the retries

    def delays(self):
        delay = self.backoff
        for _ in range(self.attempts - 1):
            yield min(delay, self.max_backoff)
            delay *= 2


def retry_after(response: requests.Response, now: datetime | None = None) -> float | None:
    """Seconds a Retry-After header asks to wait (delta-seconds or an HTTP date), None without one."""
    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - (now or datetime.now(timezone.utc))).total_seconds())


class GrafanaClient:
    def __init__(self, url: str, credentials: Credentials, org_id: int | None = None, timeout: float = 10.0,
                 retry: RetryPolicy | None = None, log: Callable[[str], None] | None = None):
        self.url = url.rstrip("/")
        self.timeout = timeout
        self.retry = retry or RetryPolicy()
        self._secrets = credentials.secrets
        self._log = log or (lambda message: None)
        self.session = requests.Session()
        self.session.headers.update({"Accept": "application/json", "User-Agent": "obsgen-deploy"})
        if org_id is not None:
            self.session.headers["X-Grafana-Org-Id"] = str(org_id)
        credentials.apply(self.session)
        self.retries_used = 0

    # -- transport ---------------------------------------------------------------------------
    def _request(self, method: str, path: str, **kwargs) -> requests.Response:
        delays = self.retry.delays()
        while True:
            wait, cut_short = None, False
            try:
                response = self.session.request(method, self.url + path, timeout=self.timeout, **kwargs)
            except requests.Timeout:
                problem = f"no answer within {self.timeout:g}s"
            except requests.ConnectionError as exc:
                problem = f"cannot connect or the connection was dropped ({type(exc).__name__})"
            except (requests.exceptions.ChunkedEncodingError, requests.exceptions.ContentDecodingError):
                problem, cut_short = "the answer was cut short (fewer bytes than announced, or undecodable)", True
            except (requests.RequestException, ValueError) as exc:
                raise GrafanaProtocolError(self._clean(
                    f"{method} {path}: the request could not be sent ({type(exc).__name__}: {_line(str(exc))})"
                )) from None
            else:
                if response.status_code not in RETRY_STATUSES:
                    return response
                problem = f"HTTP {response.status_code} {_message(response)}".strip()
                wait = retry_after(response)
            delay = next(delays, None)
            if delay is not None and wait is not None:
                if wait > self.retry.max_retry_after:
                    raise GrafanaUnavailable(self._clean(
                        f"{method} {path}: {problem}; Grafana asks to wait {wait:g}s (Retry-After) before trying "
                        f"again, longer than the {self.retry.max_retry_after:g}s this deploy waits"))
                delay = max(delay, wait)
            if delay is None:
                error = GrafanaProtocolError if cut_short else GrafanaUnavailable
                raise error(self._clean(f"{method} {path} failed after {self.retry.attempts} attempt(s): {problem}"))
            self.retries_used += 1
            self._log(self._clean(f"retrying {method} {path} in {delay:g}s: {problem}"))
            self.retry.sleep(delay)

    def _clean(self, text: str) -> str:
        return redact(text, self._secrets)

    def _fail(self, method: str, path: str, response: requests.Response, what: str):
        status, message = response.status_code, _message(response)
        if status == 401:
            raise GrafanaAuthError(401, self._clean(
                f"401 Unauthorized on {method} {path}: Grafana refused the credentials ({message}); "
                "check the token or user/password and that it belongs to this Grafana and org"))
        if status == 403:
            raise GrafanaAuthError(403, self._clean(
                f"403 Forbidden on {method} {path}: the credentials lack a permission to {what} ({message}); "
                "give the service account the Editor role or the matching dashboards:/folders: actions"))
        if status == 404:
            raise GrafanaRejected(404, "", self._clean(
                f"404 Not Found on {method} {path}: {message or 'no such resource'}; check --url (a Grafana "
                "served under a sub path needs it in the URL) and --org-id"))
        if 400 <= status < 500:
            reason = _reason(response)
            raise GrafanaRejected(status, reason, self._clean(f"{status} on {method} {path}: {message or what}"))
        raise GrafanaProtocolError(self._clean(
            f"{method} {path} answered HTTP {status}, which Grafana's API does not give here: {message or what}"))

    def _json(self, method: str, path: str, response: requests.Response, shape: type) -> dict | list:
        """The answer's JSON body, which must be a `shape` (dict or list); else a GrafanaProtocolError."""
        try:
            body = response.json()
        except (ValueError, RecursionError):
            kind = "HTML" if _looks_html(response) else "a body that is not JSON"
            raise GrafanaProtocolError(self._clean(
                f"{method} {path} answered HTTP {response.status_code} with {kind} ({len(response.content)} "
                "byte(s)): that is not Grafana's API; check --url (a proxy or a login page answers HTML)"
            )) from None
        if not isinstance(body, shape):
            want = "an object" if shape is dict else "a list"
            raise GrafanaProtocolError(self._clean(
                f"{method} {path} answered JSON {_json_kind(body)} where Grafana's API gives {want}: "
                "that is not Grafana's API (check --url), or a Grafana version this deploy does not know"))
        return body

    # -- API ---------------------------------------------------------------------------------
    def health(self) -> dict:
        response = self._request("GET", "/api/health")
        if response.status_code != 200:
            self._fail("GET", "/api/health", response, "read health")
        return self._json("GET", "/api/health", response, dict)

    def get_folder(self, uid: str) -> dict | None:
        path = f"/api/folders/{quote(uid, safe='')}"
        response = self._request("GET", path)
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            self._fail("GET", path, response, f"read folder {uid}")
        return self._json("GET", path, response, dict)

    def create_folder(self, uid: str, title: str) -> dict:
        response = self._request("POST", "/api/folders", json={"uid": uid, "title": title})
        if response.status_code != 200:
            self._fail("POST", "/api/folders", response, f"create folder {uid}")
        return self._json("POST", "/api/folders", response, dict)

    def get_dashboard(self, uid: str) -> dict | None:
        """{"dashboard": {...}, "meta": {...}} or None when there is no dashboard with this uid."""
        path = f"/api/dashboards/uid/{quote(uid, safe='')}"
        response = self._request("GET", path)
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            self._fail("GET", path, response, f"read dashboard {uid}")
        found = self._json("GET", path, response, dict)
        if not isinstance(found.get("dashboard"), dict) or not isinstance(found.get("meta", {}), dict):
            raise GrafanaProtocolError(self._clean(
                f"GET {path} answered JSON without a \"dashboard\" object (and a \"meta\" object): that is not "
                "Grafana's API (check --url)"))
        return found

    def save_dashboard(self, dashboard: dict, folder_uid: str, message: str, overwrite: bool) -> dict:
        body = {"dashboard": dashboard, "folderUid": folder_uid, "message": message, "overwrite": overwrite}
        response = self._request("POST", "/api/dashboards/db", json=body)
        if response.status_code != 200:
            self._fail("POST", "/api/dashboards/db", response, f"save dashboard {dashboard.get('uid')}")
        return self._json("POST", "/api/dashboards/db", response, dict)

    def delete_dashboard(self, uid: str) -> dict:
        path = f"/api/dashboards/uid/{quote(uid, safe='')}"
        response = self._request("DELETE", path)
        if response.status_code != 200:
            self._fail("DELETE", path, response, f"delete dashboard {uid}")
        return self._json("DELETE", path, response, dict)

    def search_dashboards(self, tag: str) -> list[dict]:
        """Every dashboard carrying `tag`, all pages."""
        found, page = [], 1
        while True:
            params = {"type": "dash-db", "tag": tag, "limit": SEARCH_PAGE_SIZE, "page": page}
            response = self._request("GET", "/api/search", params=params)
            if response.status_code != 200:
                self._fail("GET", "/api/search", response, "search dashboards")
            hits = self._json("GET", "/api/search", response, list)
            if not all(isinstance(hit, dict) for hit in hits):
                raise GrafanaProtocolError("GET /api/search answered a list whose items are not all objects: "
                                           "that is not Grafana's API (check --url)")
            found.extend(hits)
            if len(hits) < SEARCH_PAGE_SIZE:
                return found
            page += 1


def _line(text: str, limit: int = 200) -> str:
    """`text` on one line, cut to `limit` characters."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + "..."


def _looks_html(response: requests.Response) -> bool:
    return "html" in response.headers.get("Content-Type", "").lower() or response.text.lstrip()[:1] == "<"


def _json_kind(body) -> str:
    return {list: "a list", str: "a string", bool: "a boolean", type(None): "null"}.get(type(body), "a number")


def _message(response: requests.Response) -> str:
    try:
        body = response.json()
    except (ValueError, RecursionError):
        return "(an HTML page)" if _looks_html(response) else _line(response.text)
    if isinstance(body, dict):
        return _line(str(body.get("message") or body.get("title") or ""))
    return ""


def _reason(response: requests.Response) -> str:
    try:
        body = response.json()
    except (ValueError, RecursionError):
        return ""
    return str(body.get("status", "")) if isinstance(body, dict) else ""
