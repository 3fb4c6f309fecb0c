"""``tokens cleanup``: delete dead token rows, expired codes and consent requests in batches."""

from __future__ import annotations

import json
from dataclasses import asdict

import click
from flask.cli import AppGroup

from authserver.store.housekeeping import DEFAULT_BATCH_SIZE, cleanup

tokens_cli = AppGroup("tokens", help="Token housekeeping.")


@tokens_cli.command("cleanup")
@click.option("--batch-size", default=DEFAULT_BATCH_SIZE, show_default=True, type=int)
@click.option("--json", "as_json", is_flag=True)
def cleanup_command(batch_size: int, as_json: bool) -> None:
    """Delete expired and revoked rows in batches; safe to run while serving."""
    if batch_size < 1:
        raise click.BadParameter("at least 1", param_hint="--batch-size")
    result = cleanup(batch_size)
    if as_json:
        click.echo(json.dumps(asdict(result)))
    else:
        click.echo(
            f"Deleted {result.tokens} token rows, {result.authorization_codes} authorization "
            f"codes and {result.authorization_requests} expired consent requests."
        )
