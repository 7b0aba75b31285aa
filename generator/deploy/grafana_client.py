"""A small Grafana HTTP API client (requests): health, folders, dashboards by uid, search, delete.

Every call goes through `_request`, which retries a bounded number of times with exponential
backoff on 5xx answers, connection errors and timeouts, and turns the documented error answers
into typed exceptions whose messages say what to do. Credentials live only in the session's
headers: no message, exception or log line built here contains them, and every message is passed
through `redact` as a second guard.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable
from urllib.parse import quote

import requests

RETRY_STATUSES = frozenset({500, 502, 503, 504})
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
    """No usable answer after every retry: connection errors, timeouts or 5xx."""


@dataclass
class Credentials:
    """A service-account token (Bearer) or basic auth; `secrets` lists what must never be shown."""

    token: str | None = None
    user: str | None = None
    password: str | None = None

    @property
    def secrets(self) -> tuple[str, ...]:
        return tuple(s for s in (self.token, self.password) if s)

    def apply(self, session: requests.Session) -> None:
        if self.token:
            session.headers["Authorization"] = f"Bearer {self.token}"
        elif self.user is not None:
            session.auth = (self.user, self.password or "")


def redact(text: str, secrets: tuple[str, ...]) -> str:
    for secret in secrets:
        text = text.replace(secret, "***")
    return text


@dataclass
class RetryPolicy:
    attempts: int = 4  # total tries, first one included
    backoff: float = 0.5  # seconds before the 2nd try; doubled each time
    max_backoff: float = 8.0
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)

    def delays(self):
        delay = self.backoff
        for _ in range(self.attempts - 1):
            yield min(delay, self.max_backoff)
            delay *= 2


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
            problem = None
            try:
                response = self.session.request(method, self.url + path, timeout=self.timeout, **kwargs)
                if response.status_code not in RETRY_STATUSES:
                    return response
                problem = f"HTTP {response.status_code} {_message(response)}".strip()
            except requests.Timeout:
                problem = f"no answer within {self.timeout:g}s"
            except requests.ConnectionError as exc:
                problem = f"cannot connect ({type(exc).__name__})"
            delay = next(delays, None)
            if delay is None:
                raise GrafanaUnavailable(self._clean(
                    f"{method} {path} failed after {self.retry.attempts} attempt(s): {problem}"))
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
        reason = _reason(response)
        raise GrafanaRejected(status, reason, self._clean(f"{status} on {method} {path}: {message or what}"))

    # -- API ---------------------------------------------------------------------------------
    def health(self) -> dict:
        response = self._request("GET", "/api/health")
        if response.status_code != 200:
            self._fail("GET", "/api/health", response, "read health")
        return response.json()

    def get_folder(self, uid: str) -> dict | None:
        path = f"/api/folders/{quote(uid, safe='')}"
        response = self._request("GET", path)
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            self._fail("GET", path, response, f"read folder {uid}")
        return response.json()

    def create_folder(self, uid: str, title: str) -> dict:
        response = self._request("POST", "/api/folders", json={"uid": uid, "title": title})
        if response.status_code != 200:
            self._fail("POST", "/api/folders", response, f"create folder {uid}")
        return response.json()

    def get_dashboard(self, uid: str) -> dict | None:
        """{"dashboard": {...}, "meta": {...}} or None when there is no dashboard with this uid."""
        path = f"/api/dashboards/uid/{quote(uid, safe='')}"
        response = self._request("GET", path)
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            self._fail("GET", path, response, f"read dashboard {uid}")
        return response.json()

    def save_dashboard(self, dashboard: dict, folder_uid: str, message: str, overwrite: bool) -> dict:
        body = {"dashboard": dashboard, "folderUid": folder_uid, "message": message, "overwrite": overwrite}
        response = self._request("POST", "/api/dashboards/db", json=body)
        if response.status_code != 200:
            self._fail("POST", "/api/dashboards/db", response, f"save dashboard {dashboard.get('uid')}")
        return response.json()

    def delete_dashboard(self, uid: str) -> dict:
        path = f"/api/dashboards/uid/{quote(uid, safe='')}"
        response = self._request("DELETE", path)
        if response.status_code != 200:
            self._fail("DELETE", path, response, f"delete dashboard {uid}")
        return response.json()

    def search_dashboards(self, tag: str) -> list[dict]:
        """Every dashboard carrying `tag`, all pages."""
        found, page = [], 1
        while True:
            params = {"type": "dash-db", "tag": tag, "limit": SEARCH_PAGE_SIZE, "page": page}
            response = self._request("GET", "/api/search", params=params)
            if response.status_code != 200:
                self._fail("GET", "/api/search", response, "search dashboards")
            hits = response.json()
            found.extend(hits)
            if len(hits) < SEARCH_PAGE_SIZE:
                return found
            page += 1


def _message(response: requests.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text.strip()[:200]
    if isinstance(body, dict):
        return str(body.get("message") or body.get("title") or "")
    return ""


def _reason(response: requests.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return ""
    return str(body.get("status", "")) if isinstance(body, dict) else ""
