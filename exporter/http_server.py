"""HTTP/1.1 plumbing on the standard library: keep-alive, Nagle off, one write per response.

`RequestHandler` reads a request strictly (`exporter.framing`), hands it to the `SummaryApp`
(headers as a dict keyed by lower-case name) and writes the answer; every request is counted in
the catalog's request counter once the answer is written. Malformed requests get JSON errors too;
nothing here ever sends a traceback.

Hostile clients are bounded by `ServerLimits`: a whole request (line, headers, body) must arrive
within `request_timeout` (then 408), at most `max_connections` are served at once (one thread
each; beyond it 503 at once, from the accepting thread), and a refused body is read and dropped
(up to MAX_DISCARD) so that the client gets its 413 instead of a broken pipe.
"""
from __future__ import annotations

import io
import json
import socket
import sys
import threading
import time
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from exporter.app import Response, SummaryApp
from exporter.connections import DeadlineReader, RequestTimeout, discard, refuse
from exporter.framing import (BadRequest, add_field, body_length, expects_continue, parse_request_line,
                              strip_line_end, wants_close)
from exporter.limits import ServerLimits

MAX_BODY = 64 * 1024
MAX_LINE = 65536
MAX_HEADERS = 100
MAX_DISCARD = 8 * 1024 * 1024  # a refused body is read and dropped up to this size
MAX_EMPTY_LINES = 4  # CRLFs tolerated before a request line (RFC 9112 section 2.2)
REFUSAL_LOG_SECONDS = 10.0  # at most one "Connection limit reached" line per interval
LOG_TARGET = "exporter.http_server"
CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"
_REASONS = {s.value: s.phrase for s in HTTPStatus}


def render(response: Response, close: bool, with_body: bool = True, server: str = "obsgen-exporter") -> bytes:
    head = [f"HTTP/1.1 {response.status} {_REASONS.get(response.status, '')}",
            f"Server: {server}",
            f"Content-Type: {response.content_type}",
            f"Content-Length: {len(response.body)}"]
    head += [f"{name}: {value}" for name, value in response.headers]
    if close:
        head.append("Connection: close")
    data = ("\r\n".join(head) + "\r\n\r\n").encode("latin-1")
    return data + response.body if with_body else data


class RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # else keep-alive answers wait ~40 ms for a delayed ACK
    server_version = "obsgen-exporter"
    sys_version = ""
    timeout = None  # every read gets its timeout from the DeadlineReader, every write the idle timeout

    server: "ExporterServer"

    def setup(self) -> None:
        super().setup()
        limits = self.server.limits
        self.rfile.close()
        self.reader = DeadlineReader(self.connection, limits.request_timeout, limits.idle_timeout)
        self.rfile = io.BufferedReader(self.reader, MAX_LINE)
        self._first = True

    def handle_one_request(self) -> None:
        self.command, self.path, self.request_version, self.headers = "", "", "HTTP/1.1", {}
        self.reader.expect_request(first=self._first)
        self._first = False
        try:
            body = self._read_request()
        except BadRequest as exc:
            self.send_error(exc.status, exc.message)
            return
        except RequestTimeout:
            self.close_connection = True
            if self.reader.received:  # a request had begun: say why it ends; a silent one just closes
                timeout = self.server.limits.request_timeout
                self.send_error(HTTPStatus.REQUEST_TIMEOUT, f"the request did not arrive within {timeout:g}s")
            return
        except (TimeoutError, ConnectionError):
            self.close_connection = True
            return
        if body is None:
            self.close_connection = True
            return
        self.reader.request_read()
        response = self.server.app.handle(self.command, self.path, self.headers, body)
        self._send(response)

    def _read_request(self) -> bytes | None:
        """The body of the next request, its line and headers set on self; None: the peer is gone
        or the request was answered already."""
        for _ in range(MAX_EMPTY_LINES + 1):
            raw = self.rfile.readline(MAX_LINE + 1)
            if raw not in (b"\r\n", b"\n"):
                break
        if not raw:
            return None
        if len(raw) > MAX_LINE:
            raise BadRequest(HTTPStatus.REQUEST_URI_TOO_LONG, "request line too long")
        line = strip_line_end(raw)
        if line is None:
            return None
        self.command, self.path, self.request_version = parse_request_line(line)
        headers: dict[str, str] = {}
        for _ in range(MAX_HEADERS + 1):
            raw = self.rfile.readline(MAX_LINE + 1)
            if len(raw) > MAX_LINE:
                raise BadRequest(HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "header line too long")
            line = strip_line_end(raw)
            if line is None:
                return None
            if not line:
                break
            add_field(headers, line)
        else:
            raise BadRequest(HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, f"more than {MAX_HEADERS} headers")
        self.headers = headers
        self.close_connection = wants_close(self.request_version, headers)
        length = body_length(headers)
        if length > MAX_BODY:
            self._refuse_body(length)
            return None
        if expects_continue(headers):
            self._write(CONTINUE)
        body = self.rfile.read(length) if length else b""
        return body if len(body) == length else None

    def _refuse_body(self, length: int) -> None:
        """413 before the body (so no 100 Continue), then read and drop it, bounded in size and time."""
        self.close_connection = True
        self._send(_error(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, f"Content-Length must be between 0 and {MAX_BODY}"))
        try:
            self.connection.shutdown(socket.SHUT_WR)
        except OSError:
            return
        discard(self.rfile, self.reader, min(length, MAX_DISCARD), self.server.limits.request_timeout)

    def _write(self, data: bytes) -> None:
        self.reader.set_timeout(self.server.limits.idle_timeout)
        self.wfile.write(data)

    def _send(self, response: Response) -> None:
        data = render(response, self.close_connection, self.command != "HEAD", self.server_version)
        try:
            self._write(data)
        finally:
            self.server.app.metrics.observe_request(self.path.split("?", 1)[0] if self.path else "",
                                                    self.command or "", response.status)

    def send_error(self, code, message=None, explain=None) -> None:
        """Protocol errors, answered in JSON like everything else; the connection is closed after."""
        self.close_connection = True
        status = int(code)
        self._send(_error(status, message or _REASONS.get(status, "error")))

    def log_message(self, format, *args) -> None:  # noqa: A002 - the stdlib's signature
        """Access lines are not logged: the summary has its own structured line."""


def _error(status: int, message: str, headers: tuple[tuple[str, str], ...] = ()) -> Response:
    return Response(int(status), json.dumps({"error": message}).encode(), headers=headers)


class ExporterServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], app: SummaryApp, limits: ServerLimits = ServerLimits()):
        self.address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        self.app = app
        self.limits = limits
        self._slots = threading.BoundedSemaphore(limits.max_connections)
        self._busy = render(_error(HTTPStatus.SERVICE_UNAVAILABLE,
                                   f"too many connections (limit {limits.max_connections})",
                                   (("Retry-After", "1"),)), close=True)
        self._refused = 0
        self._refusal_logged_at: float | None = None
        super().__init__(address, RequestHandler)

    def process_request(self, request, client_address) -> None:
        """A thread for the connection if a slot is free; else 503 now, without a thread."""
        if not self._slots.acquire(blocking=False):
            self._refuse(request)
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._slots.release()
            raise

    def process_request_thread(self, request, client_address) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()

    def _refuse(self, request: socket.socket) -> None:
        refuse(request, self._busy)
        self.app.metrics.observe_request("", "", HTTPStatus.SERVICE_UNAVAILABLE)
        self._refused += 1
        now = time.monotonic()
        if self._refusal_logged_at is None or now - self._refusal_logged_at >= REFUSAL_LOG_SECONDS:
            self._refusal_logged_at = now
            self.app.log.event("WARN", "Connection limit reached", target=LOG_TARGET,
                               max_connections=self.limits.max_connections, refused_total=self._refused)

    def handle_error(self, request, client_address) -> None:
        """A connection that failed outside a handler (peer gone): one log line, no traceback."""
        exc = sys.exc_info()[1]
        self.app.log.warning("Connection error", error=f"{type(exc).__name__}: {exc}")

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"
