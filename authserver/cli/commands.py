"""The command line (DESIGN.md, "Command line"): ``.venv/bin/authserver <command>``.

Every command that creates or changes something takes ``--json`` (``output.JSON_HELP``). Bad
input is refused with a message naming the option and a non-zero exit, before anything is
written.
"""

from __future__ import annotations

from typing import Any

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import select

from authserver import scopes
from authserver.app_status import Status
from authserver.cli.output import emit, json_option, progress
from authserver.extensions import db
from authserver.models import App, Developer, Reviewer
from authserver.models.apps import APP_TYPES
from authserver.security import audit
from authserver.store.malls import create_mall, mall_id_problem
from authserver.validators import MAX_REDIRECT_URIS, https_url_problem, redirect_uri_problem


def _password_option(func):
    return click.option("--password", required=True, help="The account's password.")(func)


def _require_password(password: str) -> None:
    if len(password) < 8:
        raise click.BadParameter("use at least 8 characters", param_hint="--password")


def _developer(email: str, option: str) -> Developer:
    """The developer ``email`` names; an error naming ``option`` when there is none."""
    developer = db.session.scalar(select(Developer).where(Developer.email == email.strip().lower()))
    if developer is None:
        raise click.BadParameter(f"no developer {email!r}", param_hint=option)
    return developer


# -- database --------------------------------------------------------------------------
@click.command("init-db")
@with_appcontext
def init_db_command() -> None:
    """Create or upgrade the schema (idempotent)."""
    migrate()
    click.echo("Database ready.")


def migrate() -> None:
    """``upgrade_database`` with its refusal as a CLI error (``init-db`` and ``demo``)."""
    from authserver.store.schema import SchemaMismatch, upgrade_database

    try:
        upgrade_database()
    except SchemaMismatch as error:
        raise click.ClickException(str(error)) from error


# -- accounts --------------------------------------------------------------------------
developer_cli = AppGroup("developer", help="App developer accounts.")
reviewer_cli = AppGroup("reviewer", help="Platform reviewer (staff) accounts.")


def _create_account(model, email: str, password: str):
    email = email.strip().lower()
    if "@" not in email or len(email) > 254:
        raise click.BadParameter("not an email address", param_hint="EMAIL")
    _require_password(password)
    if db.session.scalar(select(model).where(model.email == email)):
        raise click.ClickException(f"{email} already exists")
    account = model(email=email)
    account.set_password(password)
    db.session.add(account)
    db.session.commit()
    return account


@developer_cli.command("create")
@click.argument("email")
@_password_option
@json_option
def developer_create(email: str, password: str, as_json: bool) -> None:
    """Create a developer account (logs in to the Developer Center)."""
    account = _create_account(Developer, email, password)
    emit(as_json, {"email": account.email, "id": account.id}, f"Developer {account.email} created.")


@reviewer_cli.command("create")
@click.argument("email")
@_password_option
@json_option
def reviewer_create(email: str, password: str, as_json: bool) -> None:
    """Create a platform reviewer (staff) account for the review console at /review/."""
    account = _create_account(Reviewer, email, password)
    emit(as_json, {"email": account.email, "id": account.id}, f"Reviewer {account.email} created.")


# -- malls -----------------------------------------------------------------------------
mall_cli = AppGroup("mall", help="Malls (tenants) and their operators.")


@mall_cli.command("create")
@click.argument("mall_id")
@click.option("--operator", required=True, help="The operator's user id.")
@_password_option
@click.option(
    "--test-mall-of", "test_mall_of", metavar="EMAIL", help="Make it a test mall of this developer."
)
@json_option
def mall_create(
    mall_id: str, operator: str, password: str, test_mall_of: str | None, as_json: bool
) -> None:
    """Create a mall (tenant) and its operator account."""
    problem = mall_id_problem(mall_id)
    if problem:
        raise click.BadParameter(problem, param_hint="MALL_ID")
    if not operator or len(operator) > 64:
        raise click.BadParameter("1 to 64 characters", param_hint="--operator")
    _require_password(password)
    owner = _developer(test_mall_of, "--test-mall-of") if test_mall_of else None
    mall = create_mall(mall_id, operator, password, owner)
    emit(
        as_json,
        {"mall_id": mall.mall_id, "operator": operator, "test_mall_of": test_mall_of},
        f"Mall {mall.mall_id} created with operator {operator}.",
    )


# -- apps ------------------------------------------------------------------------------
app_cli = AppGroup("app", help="Apps (OAuth clients).")


def app_json(app: App, secret: str | None = None) -> dict[str, Any]:
    payload = {
        "client_id": app.client_id,
        "client_secret": secret if secret is not None else app.client_secret,
        "name": app.name,
        "type": app.app_type,
        "url": app.app_url,
        "redirect_uris": list(app.redirect_uris),
        "scopes": app.scopes,
        "status": app.status,
        "developer": app.developer.email,
    }
    return payload


@app_cli.command("create")
@click.option("--developer", required=True, metavar="EMAIL", help="The owning developer's email.")
@click.option("--name", required=True, help="The app's name, as operators see it (1-100).")
@click.option("--url", required=True, help="The App URL (https) the launch opens.")
@click.option(
    "--type",
    "app_type",
    type=click.Choice(APP_TYPES),
    default="web",
    show_default=True,
    help="web: a confidential client with a secret; native: a public client using PKCE.",
)
@click.option(
    "--redirect-uri",
    "redirect_uris",
    multiple=True,
    metavar="URI",
    help="A Redirect URI (https; native apps: loopback too). Repeatable.",
)
@click.option(
    "--scope",
    "scope_values",
    multiple=True,
    metavar="SCOPE",
    help="A scope such as mall.read_product. Repeatable; commas allowed.",
)
@json_option
def app_create(
    developer: str,
    name: str,
    url: str,
    app_type: str,
    redirect_uris: tuple[str, ...],
    scope_values: tuple[str, ...],
    as_json: bool,
) -> None:
    """Register an app; prints its App Key (client_id) and App Secret."""
    owner = _developer(developer, "--developer")
    name = name.strip()
    if not name or len(name) > 100:
        raise click.BadParameter("1 to 100 characters", param_hint="--name")
    problem = https_url_problem(url)
    if problem:
        raise click.BadParameter(problem, param_hint="--url")
    _check_redirect_uris(redirect_uris, app_type)
    requested = [s for value in scope_values for s in scopes.parse_scopes(value)]
    unknown = scopes.unknown_scopes(requested)
    if unknown:
        raise click.BadParameter(f"unknown scope {unknown[0]!r}", param_hint="--scope")
    app, secret = App.register(
        developer=owner,
        name=name,
        app_url=url,
        app_type=app_type,
        redirect_uris=list(redirect_uris),
        scope=scopes.to_string(requested),
    )
    db.session.add(app)
    db.session.commit()
    emit(
        as_json,
        app_json(app, secret),
        f"App {app.name} created.\n  App Key     {app.client_id}\n  App Secret  {secret}",
    )


def _check_redirect_uris(uris: tuple[str, ...], app_type: str) -> None:
    """The Developer Center's rules (``validators``), worded for the option, not a form line."""
    if len(uris) > MAX_REDIRECT_URIS:
        raise click.BadParameter(f"at most {MAX_REDIRECT_URIS}", param_hint="--redirect-uri")
    for uri in uris:
        problem = redirect_uri_problem(uri, app_type)
        if problem is None and uris.count(uri) > 1:
            problem = "this URI is given twice."
        if problem:
            raise click.BadParameter(f"{uri!r}: {problem}", param_hint="--redirect-uri")


@app_cli.command("status")
@click.argument("client_id")
@click.argument("status", metavar="STATUS", type=click.Choice([s.value for s in Status]))
@click.option("--reason", help="The rejection reason (required for review_rejected).")
@json_option
def app_status(client_id: str, status: str, reason: str | None, as_json: bool) -> None:
    """Set an app's STATUS as platform staff, any transition allowed.

    STATUS is one of in_production, under_review, review_rejected, for_sale, sold.
    """
    app = db.session.scalar(select(App).where(App.client_id == client_id))
    if app is None:
        raise click.BadParameter(f"no app {client_id!r}", param_hint="CLIENT_ID")
    if status == Status.REVIEW_REJECTED and not (reason and reason.strip()):
        raise click.BadParameter("a reason is required to reject", param_hint="--reason")
    previous = app.status
    app.status = status
    app.rejection_reason = reason.strip() if status == Status.REVIEW_REJECTED else None
    if status not in (Status.UNDER_REVIEW, Status.REVIEW_REJECTED):
        app.review_return_status = None  # set by hand: no longer waiting for a re-review
    audit.record(
        "app_status_changed",
        actor="cli",
        client_id=app.client_id,
        previous=previous,
        status=status,
    )
    db.session.commit()
    emit(
        as_json,
        {"client_id": app.client_id, "status": app.status, "reason": app.rejection_reason},
        f"App {app.client_id} is now {app.status}.",
    )


# -- encryption keys -------------------------------------------------------------------
keys_cli = AppGroup("keys", help="The keys that encrypt App Secrets at rest.")


@keys_cli.command("generate")
def keys_generate() -> None:
    """Print a new key: put it first in AUTHSERVER_ENCRYPTION_KEYS, then run `keys rotate`."""
    from cryptography.fernet import Fernet

    click.echo(Fernet.generate_key().decode())


@keys_cli.command("rotate")
@json_option
def keys_rotate(as_json: bool) -> None:
    """Re-encrypt every App Secret with the newest key, so older keys can be dropped."""
    box = current_app.extensions["authserver.secrets"]
    apps = db.session.scalars(select(App)).all()
    with progress(len(apps), "Re-encrypting App Secrets", as_json) as advance:
        for app in apps:
            app.client_secret_encrypted = box.rotate(app.client_secret_encrypted)
            advance(1)
    count = len(apps)
    audit.record("encryption_keys_rotated", actor="cli", apps=count)
    db.session.commit()
    emit(as_json, {"re_encrypted": count}, f"Re-encrypted {count} App Secrets.")


def register_commands(app: Flask) -> None:
    from authserver.cli import jwt as jwt_cli
    from authserver.cli.audit import audit_cli
    from authserver.cli.demo import demo_command
    from authserver.cli.gateways import gateway_cli
    from authserver.cli.sessions import sessions_cli
    from authserver.cli.tokens import tokens_cli

    jwt_cli.register(app_cli, keys_cli)
    for command in (
        init_db_command,
        demo_command,
        developer_cli,
        reviewer_cli,
        mall_cli,
        app_cli,
        keys_cli,
        gateway_cli,
        tokens_cli,
        audit_cli,
        sessions_cli,
    ):
        app.cli.add_command(command)


def main() -> None:
    """The ``authserver`` console script (pyproject.toml): see ``authserver.cli.group``."""
    from authserver.cli.group import cli

    cli(prog_name="authserver")
