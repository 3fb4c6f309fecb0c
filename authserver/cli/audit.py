"""``audit list``: the security audit trail, newest first (also at ``/review/audit``)."""

from __future__ import annotations

import json

import click
from flask.cli import AppGroup

from authserver.security.audit import EVENTS, as_dict, recent

audit_cli = AppGroup("audit", help="The security audit trail.")


@audit_cli.command("list")
@click.option(
    "--event",
    default=None,
    metavar="EVENT",
    type=click.Choice(sorted(EVENTS)),
    help="Only events of this kind, e.g. login_failed (an unknown kind is an error).",
)
@click.option(
    "--limit",
    default=50,
    show_default=True,
    type=click.IntRange(1, 1000),
    help="At most this many events (1-1000).",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per line.")
def list_command(event: str | None, limit: int, as_json: bool) -> None:
    """List security events, newest first."""
    for entry in recent(event, limit):
        row = as_dict(entry)
        if as_json:
            click.echo(json.dumps(row))
        else:
            where = " ".join(f"{k}={row[k]}" for k in ("mall_id", "client_id", "ip") if row[k])
            click.echo(f"{row['time']}  {row['event']:<18} {row['actor'] or '-'}  {where}")
