"""Reading a located error (`file:line: doc.path: message`) back out of a command's stderr."""
from __future__ import annotations


def located_error(stderr: str, doc_path: str, message: str) -> tuple[str, int]:
    """(file, line) of the first problem reported at `doc_path`, which must be there and say `message`."""
    located = [ln for ln in stderr.splitlines() if f": {doc_path}: " in ln]
    assert located and message in located[0], stderr
    file_part, number = located[0].split(": ")[0].rsplit(":", 1)
    return file_part, int(number)
