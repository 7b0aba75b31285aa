"""A local Alertmanager webhook receiver: records every notification, keyed by the path it was sent to.

Alertmanager POSTs JSON {"receiver", "status", "alerts": [{"labels", "annotations", ...}], ...};
the closed loop points each generated receiver at `<url>/<receiver name>`.
"""
from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass(frozen=True)
class Notification:
    path: str  # the receiver name the generated config routed to
    payload: dict
    at: float = field(default_factory=time.time)  # arrival, unix seconds

    def alerts(self, alertname: str, status: str = "firing") -> list[dict]:
        return [a for a in self.payload.get("alerts", [])
                if a["labels"].get("alertname") == alertname and a.get("status") == status]


class WebhookReceiver:
    def __init__(self, host: str = "127.0.0.1", port: int = 0):
        self.notifications: list[Notification] = []
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's naming)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                try:
                    payload = json.loads(body)
                except ValueError:
                    self.send_response(400)
                    self.end_headers()
                    return
                with receiver._lock:
                    receiver.notifications.append(Notification(self.path.strip("/"), payload))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer((host, port), Handler)
        self.server.daemon_threads = True
        self._thread = threading.Thread(target=self.server.serve_forever, name="webhook", daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def received(self, alertname: str, status: str = "firing") -> list[tuple[str, dict]]:
        """(receiver path, alert) for every notified alert of that name and status."""
        with self._lock:
            return [(n.path, a) for n in self.notifications for a in n.alerts(alertname, status)]

    def all_payloads(self) -> list[dict]:
        with self._lock:
            return [{"path": n.path, **n.payload} for n in self.notifications]

    def __enter__(self) -> "WebhookReceiver":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(5)
