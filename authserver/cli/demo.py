"""``demo``: seed the demo developer, test mall, operator, app and Admin API data once; print them.

``make run`` runs it before serving. Text for a person, ``--json`` for a program, and ``--env``
for a shell: ``eval "$(.venv/bin/authserver demo --env)"`` sets ``$APP_KEY``, ``$APP_SECRET``,
``$AUTHORIZE_URL`` and ``$TOKEN_URL`` (the README's journey uses them).
"""

from __future__ import annotations

import shlex
from urllib.parse import urlencode

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from authserver import scopes
from authserver.cli.commands import app_json, migrate
from authserver.cli.output import emit, json_option, progress
from authserver.demo import (
    DEMO_DEVELOPER,
    DEMO_MALL,
    DEMO_OPERATOR,
    DEMO_PASSWORD,
    DEMO_REDIRECT_URI,
    DEMO_SCOPES,
)
from authserver.extensions import db
from authserver.models import App, Developer, Mall, Operator


@click.command("demo")
@with_appcontext
@json_option
@click.option(
    "--env",
    "as_env",
    is_flag=True,
    help="Print APP_KEY, APP_SECRET, AUTHORIZE_URL and TOKEN_URL as shell assignments, for eval.",
)
@click.option(
    "--base-url",
    default="http://127.0.0.1:5000",
    show_default=True,
    help="The server's address, for the printed URLs (make run passes its PORT).",
)
def demo_command(as_json: bool, as_env: bool, base_url: str) -> None:
    """Seed the demo data once (the same on every run) and print it."""
    if as_json and as_env:
        raise click.UsageError("Choose one of --json and --env.")
    base_url = base_url.rstrip("/")
    migrate()  # the same schema ``init-db`` makes (a no-op when it has run)
    developer = db.session.scalar(select(Developer).where(Developer.email == DEMO_DEVELOPER))
    seeders = current_app.extensions.get("authserver.demo_seeders", [])
    # A bar only when there is something to seed: later runs print exactly the same text.
    with progress(
        1 + len(seeders) if developer is None else 0, "Seeding the demo data", as_json or as_env
    ) as advance:
        mall, app = _seed_accounts(developer)
        advance(1)
        for seed in seeders:
            seed(mall)
            advance(1)

    token_url = f"{base_url}/malls/{DEMO_MALL}/api/v2/oauth/token"
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
    if as_env:
        values = {
            "APP_KEY": app.client_id,
            "APP_SECRET": app.client_secret,
            "AUTHORIZE_URL": authorize_url,
            "TOKEN_URL": token_url,
        }
        click.echo("\n".join(f"{name}={shlex.quote(value)}" for name, value in values.items()))
        return
    payload = {
        "developer": {"email": DEMO_DEVELOPER, "password": DEMO_PASSWORD},
        "mall": {"mall_id": DEMO_MALL},
        "operator": {"user_id": DEMO_OPERATOR, "password": DEMO_PASSWORD},
        "app": app_json(app),
        "authorize_url": authorize_url,
        "token_url": token_url,
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
    emit(as_json, payload, text)


def _seed_accounts(developer: Developer | None) -> tuple[Mall, App]:
    """The developer, the mall with its operator and the app, each created unless it exists."""
    if developer is None:
        developer = Developer(email=DEMO_DEVELOPER, display_name="Demo Developer")
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
    return mall, app
