"""A local stand-in for Grafana's HTTP API, for testing `deploy grafana` without a Grafana server.

It follows Grafana's documented dashboard, folder, search and health API, status codes and bodies
included:
- GET /api/health (no auth) -> {"commit", "database": "ok", "version"}
- GET /api/folders, GET /api/folders/:uid (404 {"message": "Folder not found"}),
  POST /api/folders (409 when the uid or title exists)
- GET /api/dashboards/uid/:uid -> {"dashboard": {... id, uid, version}, "meta": {...}}, 404
  {"message": "Dashboard not found"}
- POST /api/dashboards/db: a new dashboard gets version 1, each save increments it; without
  `overwrite` the posted `version` must equal the stored one (412 version-mismatch), a new uid
  whose title exists in the folder is 412 name-exists, a plugin's dashboard is 412
  plugin-dashboard, a provisioned one 400, an unknown folderUid 400.
- DELETE /api/dashboards/uid/:uid -> {"title", "message": "Dashboard <title> deleted", "id"}
- GET /api/search?type=&tag=&query=&folderUIDs=&dashboardUIDs=&limit=&page=
Auth: Bearer tokens or basic users, each with a role; none or unknown -> 401, Viewer writing -> 403.
Fault injection (`inject`): a status (5xx, 412, 429 with Retry-After, ...) with any body and
headers instead of the real answer; a delay before answering (longer than the client's timeout:
a timeout); a dropped connection (closed with no answer); an HTML page, a body that is not JSON,
a JSON list, or a cut-short body (fewer bytes than Content-Length announces) with status 200.
With `after_apply` the request takes effect first and only its answer is faulty (a save that
landed, whose answer was lost). Every request is logged in `requests`, every fault taken in
`faults_taken`.
"""
from __future__ import annotations

import base64
import copy
import socket
import json
import re
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

ROLES_THAT_WRITE = {"Admin", "Editor"}


# Kinds of answer a fault can give instead of the real one (besides a plain status and body).
DROP, HTML, BAD_JSON, JSON_LIST, CUT_SHORT = "drop", "html", "bad-json", "json-list", "cut-short"
HTML_PAGE = ("<!DOCTYPE html><html><head><title>Sign in</title></head>"
             "<body><form action=\"/login\">Single sign-on</form></body></html>")


@dataclass
class Fault:
    method: str
    path: str  # prefix of the request path
    status: int | None = None  # answer this instead of the real answer
    body: dict | list | None = None
    delay: float = 0.0  # seconds to wait before answering
    after_apply: bool = False  # the request takes effect, then the (late or faulty) answer
    times: int = 1
    answer: str = ""  # DROP, HTML, BAD_JSON, JSON_LIST or CUT_SHORT (status 200 unless `status`)
    headers: dict[str, str] = field(default_factory=dict)  # e.g. {"Retry-After": "1"}
    uid: str = ""  # only requests about this dashboard uid (in the path, or the posted dashboard's uid)


@dataclass
class Logged:
    method: str
    path: str
    query: dict
    headers: dict
    body: dict | list | None


@dataclass
class StoredDashboard:
    id: int
    data: dict
    folder_uid: str
    version: int
    plugin_id: str = ""
    provisioned: bool = False
    created_by: str = "admin"
    updated_by: str = "admin"
    updated: str = "2026-01-01T00:00:00Z"
    messages: list[str] = field(default_factory=list)


class GrafanaState:
    def __init__(self, tokens: dict[str, str], users: dict[tuple[str, str], str]):
        self.tokens, self.users = tokens, users
        self.folders: dict[str, dict] = {}
        self.dashboards: dict[str, StoredDashboard] = {}
        self.faults: list[Fault] = []
        self.faults_taken: list[Fault] = []
        self.requests: list[Logged] = []
        self.lock = threading.Lock()
        self._next_id = 1
        self.url = ""  # set once serving

    def next_id(self) -> int:
        self._next_id += 1
        return self._next_id

    # -- direct manipulation by tests (what a human in the UI or a plugin would do) ----------
    def add_folder(self, uid: str, title: str) -> None:
        with self.lock:
            self.folders[uid] = _folder(self.next_id(), uid, title)

    def put_dashboard(self, data: dict, folder_uid: str = "", plugin_id: str = "", provisioned: bool = False,
                      by: str = "admin") -> StoredDashboard:
        """Store a dashboard as if saved by someone else: a new version, their name on it."""
        with self.lock:
            uid = data["uid"]
            old = self.dashboards.get(uid)
            stored = StoredDashboard(old.id if old else self.next_id(), copy.deepcopy(data), folder_uid,
                                     old.version + 1 if old else 1, plugin_id, provisioned, updated_by=by,
                                     updated="2026-02-02T10:00:00Z")
            stored.data.update(id=stored.id, version=stored.version)
            self.dashboards[uid] = stored
            return stored

    def edit_in_ui(self, uid: str, change, by: str = "alice") -> StoredDashboard:
        """A save from Grafana's UI: `change(dashboard)` edits it; the UI drops unknown top-level keys."""
        data = copy.deepcopy(self.dashboards[uid].data)
        change(data)
        data = {k: v for k, v in data.items() if not k.startswith("obsgen")}
        return self.put_dashboard(data, self.dashboards[uid].folder_uid, by=by)

    def inject(self, method: str, path: str, **kwargs) -> Fault:
        """Answer the next `times` requests `method path*` with a fault (see Fault)."""
        fault = Fault(method, path, **kwargs)
        with self.lock:
            self.faults.append(fault)
        return fault

    def take_fault(self, method: str, path: str, body=None) -> Fault | None:
        posted = body.get("dashboard") if isinstance(body, dict) else None
        posted_uid = posted.get("uid") if isinstance(posted, dict) else None
        with self.lock:
            for fault in self.faults:
                about = not fault.uid or path.endswith(f"/{fault.uid}") or posted_uid == fault.uid
                if fault.method == method and path.startswith(fault.path) and fault.times > 0 and about:
                    fault.times -= 1
                    self.faults_taken.append(fault)
                    return fault
        return None

    def calls(self, method: str, path_prefix: str = "") -> list[Logged]:
        return [r for r in self.requests if r.method == method and r.path.startswith(path_prefix)]


def _folder(folder_id: int, uid: str, title: str) -> dict:
    return {"id": folder_id, "uid": uid, "title": title, "url": f"/dashboards/f/{uid}/{_slug(title)}",
            "hasAcl": False, "canSave": True, "canEdit": True, "canAdmin": True, "createdBy": "admin",
            "created": "2026-01-01T00:00:00Z", "updatedBy": "admin", "updated": "2026-01-01T00:00:00Z",
            "version": 1}


def _slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    state: GrafanaState  # set on the subclass made per server

    def log_message(self, *args) -> None:  # quiet test output
        pass

    def do_GET(self):
        self._handle("GET")

    def do_POST(self):
        self._handle("POST")

    def do_DELETE(self):
        self._handle("DELETE")

    def _handle(self, method: str) -> None:
        split = urlsplit(self.path)
        path, query = split.path, parse_qs(split.query)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = ValueError
        self.state.requests.append(Logged(method, path, query, dict(self.headers.items()),
                                          None if body is ValueError else body))
        fault = self.state.take_fault(method, path, body)
        if fault is None:
            return self._send(*self._route(method, path, query, body))
        status, answer = self._route(method, path, query, body) if fault.after_apply else (None, None)
        time.sleep(fault.delay)
        if fault.answer == DROP:
            return self._drop()
        if fault.answer:
            return self._send_faulty(fault, status or 200, answer)
        if fault.status is not None:
            return self._send(fault.status, fault.body if fault.body is not None else {"message": "injected fault"},
                              fault.headers)
        if status is None:  # a delay only
            status, answer = self._route(method, path, query, body)
        self._send(status, answer)

    def _send(self, status: int, answer, headers: dict[str, str] | None = None) -> None:
        self._send_raw(status, json.dumps(answer).encode(), "application/json; charset=UTF-8", headers)

    def _send_raw(self, status: int, data: bytes, content_type: str, headers: dict[str, str] | None = None,
                  length: int | None = None) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data) if length is None else length))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def _send_faulty(self, fault: Fault, real_status: int, real_answer) -> None:
        status = fault.status or 200
        if fault.answer == HTML:
            return self._send_raw(status, HTML_PAGE.encode(), "text/html; charset=utf-8", fault.headers)
        if fault.answer == BAD_JSON:
            return self._send_raw(status, b'{"dashboard": {"uid": "x", "title": ', "application/json", fault.headers)
        if fault.answer == JSON_LIST:
            return self._send(status, [fault.body or real_answer or {"message": "a list"}], fault.headers)
        if fault.answer == CUT_SHORT:  # announce the whole answer, send half of it, close
            data = json.dumps(real_answer if real_answer is not None else {"message": "x" * 200}).encode()
            self._send_raw(status, data[: len(data) // 2], "application/json", fault.headers, length=len(data))
            return self._drop()
        raise ValueError(f"unknown fault answer {fault.answer!r}")

    def _drop(self) -> None:
        """Close the connection without (the rest of) an answer."""
        self.close_connection = True
        try:
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    # -- auth --------------------------------------------------------------------------------
    def _role(self) -> str | None:
        header = self.headers.get("Authorization", "")
        if header.startswith("Bearer "):
            return self.state.tokens.get(header[len("Bearer "):])
        if header.startswith("Basic "):
            user, _, password = base64.b64decode(header[6:]).decode().partition(":")
            return self.state.users.get((user, password))
        return None

    def _route(self, method: str, path: str, query: dict, body):
        if method == "GET" and path == "/api/health":
            return 200, {"commit": "0000000", "database": "ok", "version": "10.4.0"}
        if not path.startswith("/api/"):
            return 404, {"message": "Not found"}
        role = self._role()
        if role is None:
            return 401, {"message": "Invalid API key", "messageId": "api-key.invalid", "statusCode": 401,
                         "traceID": ""}
        if method != "GET" and role not in ROLES_THAT_WRITE:
            action = {"POST": "dashboards:write", "DELETE": "dashboards:delete"}[method]
            return 403, {"accessErrorId": "ACE0000000001", "title": "Access denied",
                         "message": f"You'll need additional permissions to perform this action. "
                                    f"Permissions needed: {action}"}
        if body is ValueError:
            return 400, {"message": "bad request data"}
        with self.state.lock:
            return self._api(method, path, query, body or {})

    # -- API ---------------------------------------------------------------------------------
    def _api(self, method: str, path: str, query: dict, body: dict):
        state = self.state
        if path == "/api/folders" and method == "GET":
            return 200, [{"id": f["id"], "uid": f["uid"], "title": f["title"]} for f in state.folders.values()]
        if path == "/api/folders" and method == "POST":
            return self._create_folder(body)
        if match := re.fullmatch(r"/api/folders/([^/]+)", path):
            folder = state.folders.get(match.group(1))
            return (200, folder) if folder and method == "GET" else (404, {"message": "Folder not found"})
        if path == "/api/dashboards/db" and method == "POST":
            return self._save(body)
        if match := re.fullmatch(r"/api/dashboards/uid/([^/]+)", path):
            uid = match.group(1)
            if uid not in state.dashboards:
                return 404, {"message": "Dashboard not found"}
            return self._get(uid) if method == "GET" else self._delete(uid)
        if path in ("/api/search", "/api/search/") and method == "GET":
            return 200, self._search(query)
        return 404, {"message": "Not found"}

    def _create_folder(self, body: dict):
        state, uid, title = self.state, body.get("uid") or f"f{self.state.next_id()}", body.get("title")
        if not title:
            return 400, {"message": "folder title cannot be empty"}
        if uid in state.folders or any(f["title"] == title for f in state.folders.values()):
            return 409, {"message": "a folder or dashboard in the general folder with the same name already exists"}
        state.folders[uid] = _folder(state.next_id(), uid, title)
        return 200, state.folders[uid]

    def _get(self, uid: str):
        stored = self.state.dashboards[uid]
        folder = self.state.folders.get(stored.folder_uid, {})
        title = stored.data.get("title", "")
        meta = {"type": "db", "canSave": True, "canEdit": True, "canAdmin": True, "canStar": True,
                "canDelete": True, "slug": _slug(title), "url": f"/d/{uid}/{_slug(title)}", "expires":
                "0001-01-01T00:00:00Z", "created": "2026-01-01T00:00:00Z", "updated": stored.updated,
                "updatedBy": stored.updated_by, "createdBy": stored.created_by, "version": stored.version,
                "hasAcl": False, "isFolder": False, "folderId": folder.get("id", 0),
                "folderUid": stored.folder_uid, "folderTitle": folder.get("title", "General"),
                "folderUrl": folder.get("url", ""), "provisioned": stored.provisioned,
                "provisionedExternalId": "", "annotationsPermissions": {}}
        return 200, {"dashboard": copy.deepcopy(stored.data), "meta": meta}

    def _delete(self, uid: str):
        stored = self.state.dashboards.pop(uid)
        title = stored.data.get("title", "")
        return 200, {"title": title, "message": f"Dashboard {title} deleted", "id": stored.id}

    def _save(self, body: dict):
        state = self.state
        data = body.get("dashboard")
        if not isinstance(data, dict):
            return 400, {"message": "bad request data"}
        title = str(data.get("title") or "").strip()
        if not title:
            return 400, {"message": "Dashboard title cannot be empty"}
        folder_uid = body.get("folderUid") or ""
        if folder_uid and folder_uid not in state.folders:
            return 400, {"message": "folder not found"}
        overwrite = bool(body.get("overwrite"))
        uid = data.get("uid") or f"d{state.next_id()}"
        existing = state.dashboards.get(uid)
        if existing is not None:
            if existing.plugin_id and not overwrite:
                return 412, {"message": f"The dashboard belongs to plugin {existing.plugin_id}.",
                             "status": "plugin-dashboard"}
            if existing.provisioned:
                return 400, {"message": "Cannot save provisioned dashboard"}
            if not overwrite and data.get("version") != existing.version:
                return 412, {"message": "The dashboard has been changed by someone else",
                             "status": "version-mismatch"}
        else:
            same = [u for u, d in state.dashboards.items()
                    if d.folder_uid == folder_uid and d.data.get("title", "").lower() == title.lower()]
            if same and not overwrite:
                return 412, {"message": "A dashboard with the same name in the folder already exists",
                             "status": "name-exists"}
            for other in same:
                del state.dashboards[other]
        stored = StoredDashboard(existing.id if existing else state.next_id(), copy.deepcopy(data), folder_uid,
                                 existing.version + 1 if existing else 1, updated_by="obsgen-sa",
                                 updated="2026-03-03T12:00:00Z")
        stored.messages = (existing.messages if existing else []) + [str(body.get("message", ""))]
        stored.data.update(id=stored.id, uid=uid, version=stored.version)
        state.dashboards[uid] = stored
        return 200, {"id": stored.id, "uid": uid, "url": f"/d/{uid}/{_slug(title)}", "status": "success",
                     "version": stored.version, "slug": _slug(title)}

    def _search(self, query: dict) -> list[dict]:
        state = self.state
        kinds = query.get("type", ["dash-db", "dash-folder"])
        tags = query.get("tag", [])
        text = (query.get("query", [""])[0] or "").lower()
        folders = set(query.get("folderUIDs", []))
        uids = set(query.get("dashboardUIDs", []))
        hits = []
        if "dash-folder" in kinds and not tags:
            for f in state.folders.values():
                if text in f["title"].lower():
                    hits.append({"id": f["id"], "uid": f["uid"], "title": f["title"], "url": f["url"],
                                 "type": "dash-folder", "tags": [], "isStarred": False, "uri": f"db/{_slug(f['title'])}"})
        if "dash-db" in kinds:
            for uid, d in state.dashboards.items():
                dash_tags = d.data.get("tags", [])
                if (not all(t in dash_tags for t in tags) or text not in d.data.get("title", "").lower()
                        or (folders and d.folder_uid not in folders) or (uids and uid not in uids)):
                    continue
                folder = state.folders.get(d.folder_uid, {})
                hits.append({"id": d.id, "uid": uid, "title": d.data.get("title"), "url": f"/d/{uid}",
                             "type": "dash-db", "tags": dash_tags, "isStarred": False,
                             "uri": f"db/{_slug(d.data.get('title', ''))}", "folderId": folder.get("id", 0),
                             "folderUid": d.folder_uid, "folderTitle": folder.get("title", ""),
                             "folderUrl": folder.get("url", "")})
        hits.sort(key=lambda h: (h["type"] != "dash-folder", h["title"].lower()))
        limit = int(query.get("limit", ["1000"])[0])
        page = int(query.get("page", ["1"])[0])
        return hits[(page - 1) * limit: page * limit]


@contextmanager
def running_grafana(tokens: dict[str, str] | None = None, users: dict[tuple[str, str], str] | None = None):
    """A GrafanaState served on 127.0.0.1 (a free port); always shut down, even when a test fails."""
    state = GrafanaState(tokens or {}, users or {})
    handler = type("Handler", (_Handler,), {"state": state})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
