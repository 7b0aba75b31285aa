"""Shared CLI plumbing: catalog options and the mapping of errors to documented exit codes."""
from __future__ import annotations

import os
import sys
import traceback
from pathlib import Path

import click

from generator import pipeline
from generator.errors import (
    EXIT_CATALOG, EXIT_INTERNAL, EXIT_INTERRUPTED, EXIT_IO, EXIT_TOOL, CatalogError, Location, Problem, ToolMissing,
)

catalog_option = click.option(
    "--catalog", "catalogs", multiple=True, type=click.Path(dir_okay=False),
    help="Catalog file (repeatable). Default: every catalog/*.yaml under --root.")
root_option = click.option(
    "--root", type=click.Path(file_okay=False, path_type=Path), default=Path("."), show_default=True,
    help="Project root: where catalog/ is read and artifacts are written.")


def load_catalogs(catalogs: tuple[str, ...], root: Path):
    paths = pipeline.catalog_paths(catalogs, root)
    if not paths:
        # exit 3 like `validate`: a missing catalog is a catalog problem, not a wrong option
        raise CatalogError([Problem(Location(str(root / pipeline.DEFAULT_CATALOG_DIR)), "no catalog found")])
    return pipeline.load_all(paths, base=root)


def run_guarded(group: click.Group) -> None:
    """Run the CLI; known failures become one clear message and a documented exit code."""
    try:
        code = group.main(standalone_mode=False)
    except click.exceptions.Exit as exc:
        code = exc.exit_code
    except click.ClickException as exc:
        exc.show()
        code = exc.exit_code
    except (click.exceptions.Abort, KeyboardInterrupt):  # click turns Ctrl-C into Abort
        click.echo("interrupted (artifacts are written atomically: none was half-written)", err=True)
        code = EXIT_INTERRUPTED
    except CatalogError as exc:
        click.echo("error: the catalog is invalid; nothing was written:", err=True)
        for problem in exc.problems:
            click.echo(f"  {problem}", err=True)
        code = EXIT_CATALOG
    except ToolMissing as exc:
        click.echo(f"error: {exc}", err=True)
        code = EXIT_TOOL
    except OSError as exc:
        click.echo(f"error: {exc} (artifacts are written atomically: none was half-written)", err=True)
        code = EXIT_IO
    except Exception as exc:  # noqa: BLE001 - the last resort: a bug must not show a traceback to a user
        click.echo(internal_error(exc), err=True)
        code = EXIT_INTERNAL
    sys.exit(code or 0)


def internal_error(exc: BaseException) -> str:
    """One line naming the exception's type and where obsgen raised it. Its message is left out: it
    may hold a token or a URL's password. OBSGEN_DEBUG=1 prints the whole traceback instead."""
    if os.environ.get("OBSGEN_DEBUG", "") not in ("", "0"):
        return "".join(traceback.format_exception(exc)).rstrip()
    frames = traceback.extract_tb(exc.__traceback__)
    where = f" at {Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else ""
    return (f"internal error: {type(exc).__name__}{where}. This is a bug in obsgen; please report it with the "
            "command you ran (OBSGEN_DEBUG=1 shows the traceback).")
