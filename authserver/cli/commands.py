"""The command line (DESIGN.md, "Command line"): ``flask --app authserver <command>``.

Every command that creates something takes ``--json`` and then prints one JSON object with
snake_case keys. Bad input is refused with a message and a non-zero exit, before anything is
written.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

import click
from flask import Flask, current_app
from flask.cli import AppGroup, FlaskGroup, with_appcontext
from sqlalchemy import select

from authserver import scopes
from authserver.app_status import Status
from authserver.extensions import db
from authserver.models import App, Developer, Mall, Operator, Reviewer
from authserver.models.apps import APP_TYPES
from authserver.security import audit
from authserver.store.malls import create_mall, mall_id_problem
from authserver.validators import https_url_problem, redirect_uri_list_problems

DEMO_PASSWORD = "demo-password"
DEMO_DEVELOPER = "developer@demo.example"
DEMO_MALL = "demomall"
DEMO_OPERATOR = "owner"
DEMO_REDIRECT_URI = "https://app.example/callback"
DEMO_SCOPES = ["mall.read_product", "mall.write_product", "mall.read_order", "mall.read_store"]


def _emit(as_json: bool, payload: dict[str, Any], text: str) -> None:
    click.echo(json.dumps(payload) if as_json else text)


def _password_option(func):
    return click.option("--password", required=True, help="The account's password.")(func)


def _require_password(password: str) -> None:
    if len(password) < 8:
        raise click.BadParameter("use at least 8 characters", param_hint="--password")


def _developer(email: str) -> Developer:
    developer = db.session.scalar(select(Developer).where(Developer.email == email.lower()))
    if developer is None:
        raise click.BadParameter(f"no developer {email!r}", param_hint="--developer")
    return developer


# -- database --------------------------------------------------------------------------
@click.command("init-db")
@with_appcontext
def init_db_command() -> None:
    """Apply the schema migrations up to the newest (idempotent)."""
    _migrate()
    click.echo("Database ready.")


def _migrate() -> None:
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
@click.option("--json", "as_json", is_flag=True)
def developer_create(email: str, password: str, as_json: bool) -> None:
    account = _create_account(Developer, email, password)
    _emit(
        as_json, {"email": account.email, "id": account.id}, f"Developer {account.email} created."
    )


@reviewer_cli.command("create")
@click.argument("email")
@_password_option
@click.option("--json", "as_json", is_flag=True)
def reviewer_create(email: str, password: str, as_json: bool) -> None:
    account = _create_account(Reviewer, email, password)
    _emit(as_json, {"email": account.email, "id": account.id}, f"Reviewer {account.email} created.")


# -- malls -----------------------------------------------------------------------------
mall_cli = AppGroup("mall", help="Malls (tenants) and their operators.")


@mall_cli.command("create")
@click.argument("mall_id")
@click.option("--operator", required=True, help="The operator's user id.")
@_password_option
@click.option("--test-mall-of", "test_mall_of", help="Developer email: a test mall of theirs.")
@click.option("--json", "as_json", is_flag=True)
def mall_create(
    mall_id: str, operator: str, password: str, test_mall_of: str | None, as_json: bool
) -> None:
    problem = mall_id_problem(mall_id)
    if problem:
        raise click.BadParameter(problem, param_hint="MALL_ID")
    if not operator or len(operator) > 64:
        raise click.BadParameter("1 to 64 characters", param_hint="--operator")
    _require_password(password)
    owner = _developer(test_mall_of) if test_mall_of else None
    mall = create_mall(mall_id, operator, password, owner)
    _emit(
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
@click.option("--developer", required=True, help="The owning developer's email.")
@click.option("--name", required=True)
@click.option("--url", required=True, help="App URL (https).")
@click.option("--type", "app_type", type=click.Choice(APP_TYPES), default="web", show_default=True)
@click.option("--redirect-uri", "redirect_uris", multiple=True, help="Repeatable.")
@click.option("--scope", "scope_values", multiple=True, help="Repeatable; commas allowed.")
@click.option("--json", "as_json", is_flag=True)
def app_create(
    developer: str,
    name: str,
    url: str,
    app_type: str,
    redirect_uris: tuple[str, ...],
    scope_values: tuple[str, ...],
    as_json: bool,
) -> None:
    owner = _developer(developer)
    name = name.strip()
    if not name or len(name) > 100:
        raise click.BadParameter("1 to 100 characters", param_hint="--name")
    problem = https_url_problem(url)
    if problem:
        raise click.BadParameter(problem, param_hint="--url")
    problems = redirect_uri_list_problems(list(redirect_uris), app_type)
    if problems:
        raise click.BadParameter(" ".join(problems), param_hint="--redirect-uri")
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
    _emit(as_json, app_json(app, secret), f"App {app.name} created: client_id {app.client_id}")


@app_cli.command("status")
@click.argument("client_id")
@click.argument("status", type=click.Choice([s.value for s in Status]))
@click.option("--reason", help="Rejection reason (required for review_rejected).")
@click.option("--json", "as_json", is_flag=True)
def app_status(client_id: str, status: str, reason: str | None, as_json: bool) -> None:
    """Set any status, as platform staff."""
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
    _emit(
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
@click.option("--json", "as_json", is_flag=True)
def keys_rotate(as_json: bool) -> None:
    """Re-encrypt every App Secret with the newest key, so older keys can be dropped."""
    box = current_app.extensions["authserver.secrets"]
    count = 0
    for app in db.session.scalars(select(App)):
        app.client_secret_encrypted = box.rotate(app.client_secret_encrypted)
        count += 1
    audit.record("encryption_keys_rotated", actor="cli", apps=count)
    db.session.commit()
    _emit(as_json, {"re_encrypted": count}, f"Re-encrypted {count} App Secrets.")


# -- demo ------------------------------------------------------------------------------
@click.command("demo")
@with_appcontext
@click.option("--json", "as_json", is_flag=True)
@click.option("--base-url", default="http://127.0.0.1:5000", show_default=True)
def demo_command(as_json: bool, base_url: str) -> None:
    """Seed a developer, a test mall with an operator and an app, once; print them."""
    _migrate()  # the same schema ``init-db`` makes (a no-op when it has run)
    developer = db.session.scalar(select(Developer).where(Developer.email == DEMO_DEVELOPER))
    if developer is None:
        developer = Developer(email=DEMO_DEVELOPER)
        developer.set_password(DEMO_PASSWORD)
        db.session.add(developer)
        db.session.flush()
    mall = db.session.scalar(select(Mall).where(Mall.mall_id == DEMO_MALL))
    if mall is None:
        mall = Mall(mall_id=DEMO_MALL, test_mall_of=developer)
        operator = Operator(user_id=DEMO_OPERATOR, mall=mall)
        operator.set_password(DEMO_PASSWORD)
        db.session.add_all([mall, operator])
    app = db.session.scalar(
        select(App).where(App.developer_id == developer.id, App.name == "Demo App")
    )
    if app is None:
        app, _ = App.register(
            developer=developer,
            name="Demo App",
            app_url="https://app.example/",
            redirect_uris=[DEMO_REDIRECT_URI],
            scope=scopes.to_string(DEMO_SCOPES),
        )
        db.session.add(app)
    db.session.commit()
    for seed in current_app.extensions.get("authserver.demo_seeders", []):
        seed(mall)

    query = urlencode(
        {
            "response_type": "code",
            "client_id": app.client_id,
            "redirect_uri": DEMO_REDIRECT_URI,
            "scope": ",".join(app.scopes),
            "state": "demo",
        }
    )
    authorize_url = f"{base_url}/malls/{DEMO_MALL}/api/v2/oauth/authorize?{query}"
    payload = {
        "developer": {"email": DEMO_DEVELOPER, "password": DEMO_PASSWORD},
        "mall": {"mall_id": DEMO_MALL},
        "operator": {"user_id": DEMO_OPERATOR, "password": DEMO_PASSWORD},
        "app": app_json(app),
        "authorize_url": authorize_url,
        "token_url": f"{base_url}/malls/{DEMO_MALL}/api/v2/oauth/token",
    }
    text = "\n".join(
        [
            "Demo data (seeded once; the same on every run):",
            f"  Developer Center  {base_url}/developers/  {DEMO_DEVELOPER} / {DEMO_PASSWORD}",
            f"  Mall operator     {base_url}/malls/{DEMO_MALL}/admin/  "
            f"{DEMO_OPERATOR} / {DEMO_PASSWORD}",
            f"  App Key           {app.client_id}",
            f"  App Secret        {app.client_secret}",
            f"  Redirect URI      {DEMO_REDIRECT_URI}",
            "",
            "Open this URL, log in as the operator and approve:",
            f"  {authorize_url}",
        ]
    )
    _emit(as_json, payload, text)


def register_commands(app: Flask) -> None:
    from authserver.cli import jwt as jwt_cli
    from authserver.cli.audit import audit_cli
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
    """The ``authserver`` console script: ``flask --app authserver`` under another name."""
    from authserver import create_app

    FlaskGroup(create_app=create_app)()
