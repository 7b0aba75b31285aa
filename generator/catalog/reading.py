"""Reading a catalog file: only a regular file, only UTF-8, every refusal located.

The path is checked with stat before it is opened (and with fstat after a non-blocking open), so a
FIFO, a device or a directory in place of the catalog is refused at once instead of hanging the
command; so is a file larger than any catalog (16 MiB).
"""
from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

import yaml

from generator.errors import CatalogError, Location, Problem

MAX_BYTES = 16 * 1024 * 1024  # a catalog is a few kilobytes; this is far past any real one
_BOMS = ((b"\xff\xfe\x00\x00", "UTF-32"), (b"\x00\x00\xfe\xff", "UTF-32"),
         (b"\xff\xfe", "UTF-16"), (b"\xfe\xff", "UTF-16"))
_KINDS = ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISSOCK, "a socket"),
          (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"))


def _refuse(name: str, message: str, line: int | None = None) -> CatalogError:
    return CatalogError([Problem(Location(name, line), message)])


def _kind(mode: int) -> str:
    return next((what for test, what in _KINDS if test(mode)), "not a regular file")


def _cannot_read(name: str, exc: OSError) -> CatalogError:
    if exc.errno == errno.ELOOP:
        return _refuse(name, "cannot read catalog: a symbolic link loop")
    return _refuse(name, f"cannot read catalog: {exc.strerror or exc}")


def _check_kind(name: str, st: os.stat_result) -> None:
    if not stat.S_ISREG(st.st_mode):
        raise _refuse(name, f"cannot read catalog: it is {_kind(st.st_mode)}, not a regular file")
    if st.st_size > MAX_BYTES:
        raise _refuse(name, f"cannot read catalog: it is {st.st_size:,} bytes, more than the "
                            f"{MAX_BYTES:,} a catalog may be")


def read_catalog_bytes(path: Path, name: str) -> bytes:
    # stat first, so that a FIFO is not even opened; fstat again after a non-blocking open, in
    # case the path was swapped in between
    try:
        _check_kind(name, os.stat(path))
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise _cannot_read(name, exc) from None
    try:
        _check_kind(name, os.fstat(fd))
        with os.fdopen(fd, "rb", closefd=False) as handle:
            data = handle.read(MAX_BYTES + 1)
        if len(data) > MAX_BYTES:  # it grew after fstat
            raise _refuse(name, f"cannot read catalog: more than the {MAX_BYTES:,} bytes a catalog may be")
        return data
    except OSError as exc:
        raise _cannot_read(name, exc) from None
    finally:
        os.close(fd)


def read_catalog_text(path: Path, name: str) -> str:
    """The catalog's text; a CatalogError names the file (and the line of a bad byte)."""
    data = read_catalog_bytes(path, name)
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            raise _refuse(name, f"the file is {encoding} (it starts with a byte-order mark); save it as UTF-8", 1)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise _refuse(name, f"not valid UTF-8: byte 0x{data[exc.start]:02x} at column {column} ({exc.reason})",
                      line) from None


def yaml_error_line(exc: yaml.YAMLError, text: str) -> int:
    """The line a PyYAML error points at: its problem mark, its context mark, or (for a
    ReaderError, which has neither) the character position it names."""
    for attr in ("problem_mark", "context_mark"):
        mark = getattr(exc, attr, None)
        if mark is not None:
            return mark.line + 1
    position = getattr(exc, "position", None)
    if isinstance(position, int):
        return text[:position].count("\n") + 1
    return 1


def yaml_error_reason(exc: yaml.YAMLError) -> str:
    if isinstance(exc, yaml.reader.ReaderError):
        code = exc.character if isinstance(exc.character, int) else ord(exc.character)
        return f"unacceptable character #x{code:04x}: {exc.reason}"
    reason = getattr(exc, "problem", None) or getattr(exc, "reason", None) or str(exc)
    context = getattr(exc, "context", None)
    return f"{reason} ({context})" if context and context not in reason else reason
