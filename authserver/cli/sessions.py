"""``sessions end``: platform staff end every login session of one account (issue 16 item 7)."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import select

from authserver.cli.output import emit, json_option
from authserver.extensions import db
from authserver.models import Developer, Mall, Operator, Reviewer
from authserver.security import audit

sessions_cli = AppGroup("sessions", help="Login sessions of developers, reviewers and operators.")


@sessions_cli.command("end")
@click.option("--developer", "developer", metavar="EMAIL", help="A developer's email.")
@click.option("--reviewer", "reviewer", metavar="EMAIL", help="A reviewer's email.")
@click.option("--mall", "mall_id", metavar="MALL_ID", help="With --operator: the operator's mall.")
@click.option("--operator", "operator", metavar="USER_ID", help="With --mall: the operator.")
@json_option
def end_sessions(
    developer: str | None,
    reviewer: str | None,
    mall_id: str | None,
    operator: str | None,
    as_json: bool,
) -> None:
    """End every session of one account at once (a lost laptop, a leaked cookie): its session
    epoch moves on, so each of its cookies counts as logged out on its next request."""
    chosen = [bool(developer), bool(reviewer), bool(mall_id or operator)]
    if sum(chosen) != 1 or (chosen[2] and not (mall_id and operator)):
        raise click.UsageError(
            "Name one account: --developer, --reviewer or --mall with --operator."
        )
    if developer or reviewer:
        model = Developer if developer else Reviewer
        email = (developer or reviewer or "").strip().lower()
        account = db.session.scalar(select(model).where(model.email == email))
        name = f"{model.__tablename__.removesuffix('s')}:{email}"
    else:
        account = db.session.scalar(
            select(Operator).join(Mall).where(Mall.mall_id == mall_id, Operator.user_id == operator)
        )
        name = f"operator:{operator}"
    if account is None:
        raise click.ClickException(f"No such account: {name}")
    account.end_sessions()
    audit.record("sessions_ended", actor="cli", account=name, mall_id=mall_id)
    db.session.commit()
    emit(as_json, {"account": name, "sessions_ended": True}, f"Every session of {name} is ended.")
