"""The exporter against hostile or broken clients, over real sockets: slow requests, connection
floods, ambiguous framing, bodies that are too large.

Limits are set through the environment (`OBSGEN_SERVE_*`), small here so that the tests are fast.
"""
from __future__ import annotations

import http.client
import json
import os
import select
import socket
import time
from urllib.parse import urlsplit

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from tests.support.inprocess import run_exporter
from tests.support.paths import AMPEL
from tests.support.processes import wait_until

REQUEST_TIMEOUT = "OBSGEN_SERVE_REQUEST_TIMEOUT"
MAX_CONNECTIONS = "OBSGEN_SERVE_MAX_CONNECTIONS"
IDLE_TIMEOUT = "OBSGEN_SERVE_IDLE_TIMEOUT"


def address(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    return parts.hostname, parts.port


def read_until_closed(sock: socket.socket, timeout: float = 5) -> bytes:
    """Everything the server sends until it closes; a reset after the answer ends it too."""
    sock.settimeout(timeout)
    chunks = []
    try:
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    except ConnectionResetError:
        pass
    return b"".join(chunks)


def answers_in(stream: bytes) -> list[tuple[int, dict[str, str], bytes]]:
    """Every response in a byte stream: (status, headers keyed by lower-case name, body)."""
    out = []
    while stream:
        head, sep, rest = stream.partition(b"\r\n\r\n")
        assert sep, f"a cut-short response: {stream!r}"
        lines = head.decode("latin-1").split("\r\n")
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length", "0"))
        out.append((int(lines[0].split()[1]), headers, rest[:length]))
        stream = rest[length:]
    return out


def request_samples(exporter) -> dict[tuple[str, str, str], float]:
    """http_requests_total by (path, method, status)."""
    out = {}
    for family in text_string_to_metric_families(exporter.metrics_text()):
        for s in family.samples:
            if s.name == "http_requests_total":
                out[(s.labels["path"], s.labels["method"], s.labels["status"])] = s.value
    return out


def thread_count(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/task"))


def settled_thread_count(pid: int) -> int:
    """The thread count once it stops changing (the readiness probe's connection has ended)."""
    seen: list[int] = []

    def settled():
        seen.append(thread_count(pid))
        return seen[-1] if len(seen) >= 3 and len(set(seen[-3:])) == 1 else None

    return wait_until(settled, 10, interval=0.2, what="a stable thread count")


# --- a whole-request deadline ------------------------------------------------------------------

def test_a_trickled_request_is_cut_at_the_request_deadline(start_exporter, db_copy):
    exporter = start_exporter(db_copy, env={REQUEST_TIMEOUT: "1.5"})
    request = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 200 + b"\r\n\r\n"
    answer = b""
    with socket.create_connection(address(exporter.url), timeout=5) as sock:
        started = time.monotonic()
        # One byte every 0.25 s: every read is quick, so only a deadline on the whole request stops
        # it (sent to the end, the trickle would last 55 s).
        for byte in request:
            try:
                sock.sendall(bytes([byte]))
            except OSError:  # the server has already closed
                break
            if select.select([sock], [], [], 0.25)[0] or time.monotonic() - started > 8:
                break
        answer = read_until_closed(sock)
        elapsed = time.monotonic() - started
    assert answer, f"the trickled request was still open after {elapsed:.1f}s"
    assert 1.0 <= elapsed < 1.5 + 3, elapsed
    [(status, headers, body)] = answers_in(answer)
    assert status == 408
    assert headers["connection"] == "close"
    assert json.loads(body) == {"error": "the request did not arrive within 1.5s"}
    assert request_samples(exporter)[("other", "other", "408")] == 1
    assert exporter.get("/healthz").status_code == 200


def test_a_silent_connection_is_closed_but_an_idle_keep_alive_one_is_not(start_exporter, db_copy):
    exporter = start_exporter(db_copy, env={REQUEST_TIMEOUT: "1"})
    with socket.create_connection(address(exporter.url), timeout=5) as silent, \
            socket.create_connection(address(exporter.url), timeout=5) as kept:
        kept.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        [(status, headers, _)] = answers_in(kept.recv(65536))
        assert status == 200 and "connection" not in headers
        started = time.monotonic()
        # A connection that never sends a byte gets no answer (there was no request) and is closed.
        assert read_until_closed(silent, timeout=6) == b""
        assert time.monotonic() - started < 1 + 3
        time.sleep(max(0.0, started + 2 - time.monotonic()))
        # Between requests a keep-alive connection waits for the idle timeout (60 s), not the deadline.
        kept.sendall(b"GET /readyz HTTP/1.1\r\nHost: x\r\n\r\n")
        [(status, _, body)] = answers_in(kept.recv(65536))
        assert status == 200 and json.loads(body) == {"status": "ready"}
    assert ("other", "other", "408") not in request_samples(exporter)


def test_an_idle_keep_alive_connection_is_closed_after_the_idle_timeout(start_exporter, db_copy):
    exporter = start_exporter(db_copy, env={IDLE_TIMEOUT: "1", REQUEST_TIMEOUT: "30"})
    with socket.create_connection(address(exporter.url), timeout=5) as kept:
        kept.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        [(status, _, _)] = answers_in(kept.recv(65536))
        assert status == 200
        started = time.monotonic()
        assert read_until_closed(kept, timeout=10) == b""  # closed without an answer: there was no request
        assert time.monotonic() - started < 1 + 3
    assert ("other", "other", "408") not in request_samples(exporter)


# --- a bounded number of connections ---------------------------------------------------------

def test_connections_beyond_the_limit_get_503_and_threads_stay_bounded(start_exporter, db_copy):
    limit, opened = 6, 30
    exporter = start_exporter(db_copy, env={MAX_CONNECTIONS: str(limit), REQUEST_TIMEOUT: "30"})
    pid = exporter.proc.pid
    idle_threads = settled_thread_count(pid)
    socks = []
    try:
        for _ in range(opened):  # half-open: the headers never end
            sock = socket.create_connection(address(exporter.url), timeout=5)
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
            socks.append(sock)
        answered: dict[socket.socket, bytes] = {}
        received: dict[socket.socket, list[bytes]] = {s: [] for s in socks}
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and len(answered) < opened - limit:
            for sock in select.select([s for s in socks if s not in answered], [], [], 0.2)[0]:
                try:
                    chunk = sock.recv(65536)
                except ConnectionResetError:  # our late bytes reached a closed socket: the answer came first
                    chunk = b""
                received[sock].append(chunk)
                if not chunk:
                    answered[sock] = b"".join(received[sock])
        time.sleep(0.5)  # nothing more may arrive: the others hold the slots
        assert len(answered) == opened - limit, f"{len(answered)} of {opened} connections were answered"
        for answer in answered.values():
            [(status, headers, body)] = answers_in(answer)
            assert status == 503
            assert headers["connection"] == "close" and headers["retry-after"] == "1"
            assert json.loads(body) == {"error": f"too many connections (limit {limit})"}
        for sock in socks:
            if sock not in answered:
                sock.setblocking(False)
                with pytest.raises(BlockingIOError):  # still open, nothing received
                    sock.recv(1)
        assert thread_count(pid) <= idle_threads + limit
    finally:
        for sock in socks:
            sock.close()
    # The slots come back once the held connections go.
    wait_until(lambda: requests.get(exporter.url + "/healthz", timeout=2).status_code == 200, 10,
               what="a free slot")
    assert request_samples(exporter)[("other", "other", "503")] == opened - limit
    limit_lines = [r for r in exporter.records() if r["message"] == "Connection limit reached"]
    assert len(limit_lines) == 1, "one line per burst, not one per refused connection"
    assert limit_lines[0]["level"] == "WARN" and limit_lines[0]["max_connections"] == limit


def test_keep_alive_clients_up_to_the_limit_are_all_served(start_exporter, db_copy):
    exporter = start_exporter(db_copy, env={MAX_CONNECTIONS: "4"})
    sessions = [requests.Session() for _ in range(4)]
    try:
        for _ in range(3):
            for session in sessions:
                response = session.get(exporter.url + "/api/dashboard/summary",
                                       headers={"Authorization": "Bearer token-small"}, timeout=5)
                assert response.status_code == 200
    finally:
        for session in sessions:
            session.close()


def test_bad_limits_in_the_environment_are_usage_errors(tmp_path):
    for variable, value in ((MAX_CONNECTIONS, "0"), (MAX_CONNECTIONS, "many"), (MAX_CONNECTIONS, "2.5"),
                            (REQUEST_TIMEOUT, "-1"), (REQUEST_TIMEOUT, "nan"), (IDLE_TIMEOUT, "inf")):
        result = run_exporter("serve", "--db", str(tmp_path / "never.db"), "--port", "0", "--catalog", str(AMPEL),
                              env={variable: value})
        assert result.returncode == 2, (variable, value, result.stderr)
        assert variable in result.stderr and repr(value) in result.stderr
        assert "Traceback" not in result.stderr
        assert not (tmp_path / "never.db").exists()


# --- ambiguous framing ---------------------------------------------------------------------------

INVALIDATE = b"POST /api/dashboard/invalidate HTTP/1.1\r\nHost: x\r\n"


@pytest.mark.parametrize("data, status", [
    pytest.param(INVALIDATE + b"Content-Length: 3\r\nContent-Length: 0\r\n\r\nabc", 400, id="conflicting-lengths"),
    pytest.param(INVALIDATE + b"Content-Length: 0\r\nContent-Length: 0\r\n\r\n", 400, id="repeated-length"),
    pytest.param(INVALIDATE + b"Content-Length: 3, 0\r\n\r\nabc", 400, id="length-list"),
    pytest.param(INVALIDATE + b"Content-Length: +10\r\n\r\n0123456789", 400, id="signed-length"),
    pytest.param(INVALIDATE + b"Content-Length: 1_0\r\n\r\n0123456789", 400, id="underscored-length"),
    pytest.param(INVALIDATE + b"Content-Length : 3\r\n\r\nabc", 400, id="space-before-colon"),
    pytest.param(INVALIDATE + b"X-A: 1\r\n Content-Length: 3\r\n\r\nabc", 400, id="folded-line"),
    pytest.param(INVALIDATE + b"Transfer-Encoding: gzip\r\nContent-Length: 3\r\n\r\nabc", 501, id="unknown-coding"),
    pytest.param(b"GET /healthz HTTP/1.9\r\nHost: x\r\n\r\n", 400, id="http-1.9"),
    pytest.param(b"GET /healthz HTTP/1.10\r\nHost: x\r\n\r\n", 400, id="http-1.10"),
    pytest.param(b"GET  /healthz HTTP/1.1\r\nHost: x\r\n\r\n", 400, id="two-spaces"),
    pytest.param(b"GET /healthz HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n", 400, id="repeated-host"),
    pytest.param(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\x00b\r\n\r\n", 400, id="nul-in-value"),
    pytest.param(b"GET /healthz HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer token-small\r\n"
                 b"Authorization: Bearer token-large\r\n\r\n", 400, id="repeated-authorization"),
])
def test_ambiguous_framing_is_refused_never_last_wins(shared_exporter, data, status):
    with socket.create_connection(address(shared_exporter.url), timeout=5) as sock:
        sock.sendall(data)
        stream = read_until_closed(sock)
    # One answer and a closed connection: the bytes after the headers are never read as a request.
    [(got, headers, body)] = answers_in(stream)
    assert got == status, stream
    assert headers["connection"] == "close"
    assert set(json.loads(body)) == {"error"}
    assert "Traceback" not in shared_exporter.proc.log_text()


def test_repeated_list_headers_are_combined_not_replaced(shared_exporter):
    with socket.create_connection(address(shared_exporter.url), timeout=5) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\nConnection: keep-alive\r\n\r\n")
        [(status, headers, _)] = answers_in(read_until_closed(sock))
    assert status == 200 and headers["connection"] == "close"  # last-wins would have kept it open


# --- a body that is too large ------------------------------------------------------------------------

def test_a_large_body_gets_its_413_not_a_broken_pipe(shared_exporter):
    host, port = address(shared_exporter.url)
    connection = http.client.HTTPConnection(host, port, timeout=10)
    try:
        # http.client sends the whole body before it reads: closing early breaks its pipe.
        connection.request("POST", "/api/dashboard/invalidate", body=b"x" * (4 * 1024 * 1024),
                           headers={"Authorization": "Bearer token-small"})
        response = connection.getresponse()
        assert response.status == 413
        assert response.getheader("Connection") == "close"
        assert json.loads(response.read()) == {"error": "Content-Length must be between 0 and 65536"}
    finally:
        connection.close()
    assert shared_exporter.get("/healthz").status_code == 200


def test_a_large_body_announced_with_expect_is_refused_before_it_is_sent(shared_exporter):
    with socket.create_connection(address(shared_exporter.url), timeout=5) as sock:
        sock.sendall(INVALIDATE + b"Expect: 100-continue\r\nContent-Length: 10000000\r\n\r\n")
        [(status, headers, _)] = answers_in(read_until_closed(sock))
    assert status == 413 and headers["connection"] == "close"  # no "100 Continue" first


def test_a_small_body_with_expect_gets_100_continue_then_its_answer(shared_exporter):
    with socket.create_connection(address(shared_exporter.url), timeout=5) as sock:
        sock.sendall(INVALIDATE + b"Authorization: Bearer token-small\r\nExpect: 100-continue\r\n"
                                  b"Content-Length: 2\r\nConnection: close\r\n\r\n")
        interim = sock.recv(65536)
        assert interim == b"HTTP/1.1 100 Continue\r\n\r\n"
        sock.sendall(b"{}")
        [(status, _, body)] = answers_in(read_until_closed(sock))
    assert status == 200 and json.loads(body)["invalidated"] is False


def test_pipelined_requests_with_bodies_are_answered_in_order(shared_exporter):
    token = b"Authorization: Bearer token-small\r\n"
    with socket.create_connection(address(shared_exporter.url), timeout=5) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
                     + INVALIDATE + token + b"Content-Length: 2\r\n\r\n{}"
                     + b"\r\n"  # a stray line end between requests is tolerated (RFC 9112 section 2.2)
                     + b"GET /readyz HTTP/1.0\r\n\r\n")
        answers = answers_in(read_until_closed(sock))
    assert [status for status, _, _ in answers] == [200, 200, 200]
    assert json.loads(answers[0][2]) == {"status": "ok"}
    assert json.loads(answers[1][2])["invalidated"] is False
    assert json.loads(answers[2][2]) == {"status": "ready"}
    assert answers[2][1]["connection"] == "close"  # HTTP/1.0 without keep-alive
