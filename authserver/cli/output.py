"""What every command shares: the ``--json`` option, text-or-JSON output, terminal progress bars."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import click

#: ``--json``, explained once in the group's help and shown on every command that has it.
JSON_HELP = "Print JSON instead of text (see authserver --help)."

json_option = click.option("--json", "as_json", is_flag=True, help=JSON_HELP)


def emit(as_json: bool, payload: dict[str, Any], text: str) -> None:
    """Print ``payload`` as one JSON line with ``--json``, else the human ``text``."""
    click.echo(json.dumps(payload) if as_json else text)


def shows_progress(as_json: bool) -> bool:
    """Progress bars only for a person at a terminal: never in ``--json`` mode, pipes or logs."""
    return not as_json and sys.stdout.isatty()


@contextmanager
def progress(length: int, label: str, as_json: bool) -> Iterator[Callable[[int], None]]:
    """A ``click.progressbar`` of ``length`` steps when :func:`shows_progress`; yields ``advance``
    (call it with the number of steps done since the last call). Elsewhere a no-op, so the
    output stays exactly the text or JSON the command prints."""
    if not shows_progress(as_json) or length <= 0:
        yield lambda steps: None
        return
    with click.progressbar(length=length, label=label, file=sys.stdout) as bar:
        yield bar.update
