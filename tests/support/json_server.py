"""A local HTTP server answering every GET with one JSON body and recording each request, for tests
that run k6 (or another client) against it; it binds 127.0.0.1 on a free port and always stops."""
from __future__ import annotations

import json
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable, Iterator


@contextmanager
def recording_json_server(body: dict, record: Callable[[BaseHTTPRequestHandler], object] = lambda h: h.path
                          ) -> Iterator[tuple[ThreadingHTTPServer, list]]:
    """(the server, the list of `record(request)` for each GET so far)."""
    seen: list = []
    payload = json.dumps(body).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - the handler API's name
            seen.append(record(self))
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server, seen
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
