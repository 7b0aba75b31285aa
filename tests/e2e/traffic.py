"""Steady background traffic to the summary endpoint, so rates stay defined while k6 is not running
(k6 stops itself early when a threshold with abortOnFail is crossed)."""
from __future__ import annotations

import threading

import requests


class Traffic:
    def __init__(self, url: str, token: str, clients: int = 3, pause: float = 0.05):
        self.url, self.token, self.clients, self.pause = url, token, clients, pause
        self.sent = 0
        self.statuses: dict[int, int] = {}
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._threads = [threading.Thread(target=self._run, name=f"traffic-{i}", daemon=True) for i in range(clients)]

    def _run(self) -> None:
        with requests.Session() as session:
            session.headers["Authorization"] = f"Bearer {self.token}"
            while not self._stop.is_set():
                try:
                    status = session.get(self.url, timeout=10).status_code
                except requests.RequestException:
                    status = 0
                with self._lock:
                    self.sent += 1
                    self.statuses[status] = self.statuses.get(status, 0) + 1
                self._stop.wait(self.pause)

    def __enter__(self) -> "Traffic":
        for thread in self._threads:
            thread.start()
        return self

    @property
    def stopped(self) -> bool:
        return self._stop.is_set()

    def __exit__(self, *exc) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(15)
