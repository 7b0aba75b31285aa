"""An HTTP proxy on 127.0.0.1 in front of a real server, that answers chosen paths itself.

Every request is forwarded to `upstream` and its answer passed back, except a request whose
path is in `faults`: that one gets the fault's answer instead (after the request was forwarded,
so the real server still sees it: a reload still happens, a read is still made). A fault can send
a status with a body and a content type, or a cut-short body (Content-Length announces more than
is sent, then the connection is closed). Used to make a real Prometheus answer what it never
would, to test how a deploy copes.
"""
from __future__ import annotations

import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests


@dataclass
class ProxyFault:
    status: int = 200
    body: bytes = b""
    content_type: str = "application/json"
    cut_short: bool = False  # announce twice the bytes, send `body`, close


@dataclass
class Proxy:
    upstream: str
    faults: dict[str, ProxyFault] = field(default_factory=dict)  # by exact request path
    seen: list[tuple[str, str]] = field(default_factory=list)  # (method, path) of every request
    url: str = ""


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    proxy: Proxy

    def log_message(self, *args) -> None:
        pass

    def do_GET(self):
        self._forward("GET")

    def do_POST(self):
        self._forward("POST")

    def do_PUT(self):
        self._forward("PUT")

    def _forward(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        path = self.path.split("?", 1)[0]
        self.proxy.seen.append((method, path))
        answer = requests.request(method, self.proxy.upstream + self.path, data=body, timeout=30,
                                  headers={k: v for k, v in self.headers.items() if k.lower() in
                                           ("content-type", "authorization", "accept")})
        fault = self.proxy.faults.get(path)
        if fault is None:
            return self._send(answer.status_code, answer.content, answer.headers.get("Content-Type", ""))
        self._send(fault.status, fault.body, fault.content_type, len(fault.body) * 2 if fault.cut_short else None)
        if fault.cut_short:
            self.close_connection = True

    def _send(self, status: int, data: bytes, content_type: str, length: int | None = None) -> None:
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data) if length is None else length))
        self.end_headers()
        self.wfile.write(data)


@contextmanager
def fault_proxy(upstream: str):
    """A Proxy serving on a free port of 127.0.0.1; always shut down."""
    proxy = Proxy(upstream.rstrip("/"))
    server = ThreadingHTTPServer(("127.0.0.1", 0), type("Handler", (_Handler,), {"proxy": proxy}))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    proxy.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield proxy
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
