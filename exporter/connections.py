"""Socket-level defences: a deadline on the whole request, and answering a connection we will not serve.

A socket timeout bounds each read, so a client that sends one byte just before every timeout holds
a connection for ever. `DeadlineReader` also bounds the sum: once a request has started, every read
gets only the time left until the request's deadline.
"""
from __future__ import annotations

import io
import socket
import time


class RequestTimeout(TimeoutError):
    """The request's deadline passed before it was read in full."""


class DeadlineReader(io.RawIOBase):
    """The raw stream under a handler's `rfile`: reads bounded by a deadline, or by the idle timeout.

    `expect_request(first=True)` starts the clock now (a new connection has to send its first
    request in time); `first=False` (keep-alive) waits up to the idle timeout for a byte and starts
    the clock when one comes. `request_read()` stops it. `received` counts this request's bytes."""

    def __init__(self, sock: socket.socket, request_timeout: float, idle_timeout: float):
        super().__init__()
        self.sock = sock
        self.request_timeout = request_timeout
        self.idle_timeout = idle_timeout
        self.deadline: float | None = None
        self._start_on_data = False
        self._timeout: float | None = None
        self.received = 0

    def set_timeout(self, seconds: float) -> None:
        """The socket's timeout (for reads and writes), changed only when it differs: one syscall less."""
        if seconds != self._timeout:
            self.sock.settimeout(seconds)
            self._timeout = seconds

    def expect_request(self, first: bool) -> None:
        self.received = 0
        self.deadline = time.monotonic() + self.request_timeout if first else None
        self._start_on_data = not first

    def request_read(self) -> None:
        self.deadline, self._start_on_data = None, False

    def allow(self, seconds: float) -> None:
        """Reads from now on must be done within `seconds`."""
        self.deadline, self._start_on_data = time.monotonic() + seconds, False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self.deadline is None:
            timeout = self.idle_timeout
        else:
            timeout = self.deadline - time.monotonic()
            if timeout <= 0:
                raise RequestTimeout("request deadline passed")
        self.set_timeout(timeout)
        try:
            count = self.sock.recv_into(buffer)
        except TimeoutError:
            if self.deadline is not None:
                raise RequestTimeout("request deadline passed") from None
            raise
        if count and self._start_on_data:
            self.deadline, self._start_on_data = time.monotonic() + self.request_timeout, False
        self.received += count
        return count


def discard(stream: io.BufferedReader, reader: DeadlineReader, limit: int, seconds: float) -> int:
    """Read and drop up to `limit` bytes (a body we refused) for at most `seconds`; the count read.

    A client that writes its whole body before it reads (http.client, many others) gets its answer
    then, instead of a reset and a broken pipe."""
    reader.allow(seconds)
    dropped = 0
    try:
        while dropped < limit:
            chunk = stream.read1(min(65536, limit - dropped))
            if not chunk:
                break
            dropped += len(chunk)
    except OSError:  # the deadline, or the client gone: close either way
        pass
    return dropped


def refuse(sock: socket.socket, answer: bytes) -> None:
    """Answer a connection we will not serve and close it, without ever blocking the caller.

    The answer is small, so it fits the fresh socket's send buffer; what the client already sent
    is dropped first so that the close is a FIN rather than a reset."""
    try:
        sock.setblocking(False)
        sock.send(answer)
        sock.shutdown(socket.SHUT_WR)
        for _ in range(16):
            if not sock.recv(65536):
                break
    except OSError:  # nothing more to read (BlockingIOError), or the client is gone
        pass
    finally:
        sock.close()
