"""A bug in obsgen ends in one line and exit 70, never a traceback or an exception's message."""
from __future__ import annotations

import click
import pytest

from generator.cli.common import run_guarded


def _group(error: BaseException) -> click.Group:
    @click.group()
    def cli():
        pass

    @cli.command()
    def boom():
        raise error

    return cli


def _run(monkeypatch, capsys, error, debug=""):
    monkeypatch.setattr("sys.argv", ["obsgen", "boom"])
    monkeypatch.setenv("OBSGEN_DEBUG", debug)
    with pytest.raises(SystemExit) as exited:
        run_guarded(_group(error))
    return exited.value.code, capsys.readouterr().err


def test_an_unexpected_exception_is_one_line_without_its_message(monkeypatch, capsys):
    code, err = _run(monkeypatch, capsys, KeyError("token=s3cr3t"))
    assert code == 70
    assert "Traceback" not in err and "s3cr3t" not in err
    assert err.startswith("internal error: KeyError at test_cli_last_resort.py:")
    assert err.count("\n") == 1


def test_debug_shows_the_traceback(monkeypatch, capsys):
    code, err = _run(monkeypatch, capsys, ValueError("why"), debug="1")
    assert code == 70
    assert err.startswith("Traceback (most recent call last):") and "ValueError: why" in err


def test_ctrl_c_is_exit_130(monkeypatch, capsys):
    code, err = _run(monkeypatch, capsys, KeyboardInterrupt())
    assert code == 130
    assert err.strip() == "interrupted (artifacts are written atomically: none was half-written)"
