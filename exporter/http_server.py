"""HTTP/1.1 plumbing on the standard library: keep-alive, Nagle off, one write per response.

`RequestHandler` parses a request, hands it to the `SummaryApp` (headers as a dict keyed by
lower-case name) and writes the answer; every
request is counted in the catalog's request counter once the answer is written. Malformed requests
get JSON errors too; nothing here ever sends a traceback.
"""
from __future__ import annotations

import json
import socket
import sys
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from exporter.app import Response, SummaryApp

MAX_BODY = 64 * 1024
MAX_LINE = 65536
MAX_HEADERS = 100
_REASONS = {s.value: s.phrase for s in HTTPStatus}


class RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server_version = "obsgen-exporter"
    sys_version = ""
    timeout = 60  # idle keep-alive connections are closed after a minute

    server: "ExporterServer"

    def handle_one_request(self) -> None:
        try:
            if not self._parse():
                return
        except (TimeoutError, ConnectionError):
            self.close_connection = True
            return
        body = self._read_body()
        if body is None:
            return
        response = self.server.app.handle(self.command, self.path, self.headers, body)
        self._send(response)

    def _parse(self) -> bool:
        """Request line and headers; False when the connection is done or an error was sent.

        A lean replacement for the standard parser (which goes through the email package): header
        names are lower-cased into a plain dict, the last occurrence of a repeated header wins."""
        self.command, self.path, self.headers = "", "", {}
        raw = self.rfile.readline(MAX_LINE + 1)
        if not raw:
            self.close_connection = True
            return False
        if len(raw) > MAX_LINE:
            self.send_error(HTTPStatus.REQUEST_URI_TOO_LONG)
            return False
        parts = raw.decode("latin-1").split()
        if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
            self.send_error(HTTPStatus.BAD_REQUEST, "malformed request line")
            return False
        self.command, self.path, self.request_version = parts
        headers = {}
        while True:
            line = self.rfile.readline(MAX_LINE + 1)
            if line in (b"\r\n", b"\n", b""):
                break
            name, sep, value = line.decode("latin-1").partition(":")
            if len(line) > MAX_LINE or len(headers) >= MAX_HEADERS or not sep or not name.strip():
                self.send_error(HTTPStatus.BAD_REQUEST, "malformed or too many headers")
                return False
            headers[name.strip().lower()] = value.strip()
        self.headers = headers
        connection = headers.get("connection", "").lower()
        self.close_connection = connection == "close" or (
            self.request_version == "HTTP/1.0" and connection != "keep-alive")
        if headers.get("expect", "").lower() == "100-continue":
            self.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        return True

    def _read_body(self) -> bytes | None:
        if "chunked" in self.headers.get("transfer-encoding", "").lower():
            self.close_connection = True
            self._send(_error(HTTPStatus.LENGTH_REQUIRED, "chunked bodies are not accepted; send Content-Length"))
            return None
        try:
            length = int(self.headers.get("content-length") or 0)
        except ValueError:
            length = -1
        if length < 0 or length > MAX_BODY:
            self.close_connection = True
            self._send(_error(HTTPStatus.REQUEST_ENTITY_TOO_LARGE if length > MAX_BODY else HTTPStatus.BAD_REQUEST,
                              f"Content-Length must be between 0 and {MAX_BODY}"))
            return None
        return self.rfile.read(length) if length else b""

    def _send(self, response: Response) -> None:
        head = [f"HTTP/1.1 {response.status} {_REASONS.get(response.status, '')}",
                f"Server: {self.server_version}",
                f"Content-Type: {response.content_type}",
                f"Content-Length: {len(response.body)}"]
        head += [f"{name}: {value}" for name, value in response.headers]
        if self.close_connection:
            head.append("Connection: close")
        data = ("\r\n".join(head) + "\r\n\r\n").encode("latin-1")
        if self.command != "HEAD":
            data += response.body
        try:
            self.wfile.write(data)
        finally:
            self.server.app.metrics.observe_request(self.path.split("?", 1)[0] if self.path else "",
                                                    self.command or "", response.status)

    def send_error(self, code, message=None, explain=None) -> None:
        """Protocol errors from the standard library, answered in JSON like everything else."""
        self.close_connection = True
        status = int(code)
        self._send(_error(status, message or _REASONS.get(status, "error")))

    def log_message(self, format, *args) -> None:  # noqa: A002 - the stdlib's signature
        """Access lines are not logged: the summary has its own structured line."""


def _error(status: int, message: str) -> Response:
    return Response(int(status), json.dumps({"error": message}).encode())


class ExporterServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], app: SummaryApp):
        self.address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        self.app = app
        super().__init__(address, RequestHandler)

    def handle_error(self, request, client_address) -> None:
        """A connection that failed outside a handler (peer gone): one log line, no traceback."""
        exc = sys.exc_info()[1]
        self.app.log.warning("Connection error", error=f"{type(exc).__name__}: {exc}")

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"
