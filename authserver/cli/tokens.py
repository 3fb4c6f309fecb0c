"""``tokens cleanup``: delete dead token rows, expired codes and consent requests in batches."""

from __future__ import annotations

from dataclasses import asdict

import click
from flask.cli import AppGroup

from authserver.cli.output import emit, json_option, progress, shows_progress
from authserver.store.housekeeping import DEFAULT_BATCH_SIZE, cleanup, pending

tokens_cli = AppGroup("tokens", help="Token housekeeping.")


@tokens_cli.command("cleanup")
@click.option(
    "--batch-size",
    default=DEFAULT_BATCH_SIZE,
    show_default=True,
    type=int,
    help="Rows deleted per transaction (short transactions while serving).",
)
@json_option
def cleanup_command(batch_size: int, as_json: bool) -> None:
    """Delete expired and revoked rows in batches; safe to run while serving."""
    if batch_size < 1:
        raise click.BadParameter("at least 1", param_hint="--batch-size")
    # Counting costs a query per table: only done when a bar will show it.
    total = pending() if shows_progress(as_json) else 0
    with progress(total, "Deleting expired and revoked rows", as_json) as advance:
        done: dict[str, int] = {}

        def step(table: str, deleted_so_far: int) -> None:
            advance(deleted_so_far - done.get(table, 0))
            done[table] = deleted_so_far

        result = cleanup(batch_size, progress=step)
    emit(
        as_json,
        asdict(result),
        f"Deleted {result.tokens} token rows, {result.authorization_codes} authorization "
        f"codes and {result.authorization_requests} expired consent requests.",
    )
