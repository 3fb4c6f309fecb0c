"""CLI for JWT access tokens: `app token-format CLIENT_ID jwt|opaque`, `keys rotate-signing`."""

from __future__ import annotations

import click
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import select

from authserver.cli.output import emit, json_option
from authserver.extensions import db
from authserver.models import App
from authserver.oauth.jwt_tokens import TOKEN_FORMATS, jwt_ttl, rotate_signing_keys
from authserver.security import audit


def register(app_cli: AppGroup, keys_cli: AppGroup) -> None:
    """Add the commands to the ``app`` and ``keys`` groups of cli.py."""
    app_cli.add_command(token_format)
    keys_cli.add_command(rotate_signing)


@click.command("token-format")
@with_appcontext
@click.argument("client_id")
@click.argument("token_format", type=click.Choice(TOKEN_FORMATS))
@json_option
def token_format(client_id: str, token_format: str, as_json: bool) -> None:
    """Give an app opaque access tokens (the default) or RFC 9068 JWTs, as platform staff.

    JWTs live AUTHSERVER_JWT_ACCESS_TOKEN_TTL seconds (default 600, at most 900): a gateway
    that only checks the signature learns of a revocation when the token expires.
    """
    app = db.session.scalar(select(App).where(App.client_id == client_id))
    if app is None:
        raise click.BadParameter(f"no app {client_id!r}", param_hint="CLIENT_ID")
    previous, app.token_format = app.token_format, token_format
    audit.record(
        "token_format_changed",
        actor="cli",
        client_id=app.client_id,
        previous=previous,
        token_format=token_format,
    )
    db.session.commit()
    payload = {"client_id": app.client_id, "token_format": token_format}
    if token_format == "jwt":
        payload["access_token_ttl"] = jwt_ttl()
    emit(as_json, payload, f"App {app.client_id} now gets {token_format} tokens.")


@click.command("rotate-signing")
@with_appcontext
@json_option
def rotate_signing(as_json: bool) -> None:
    """A new JWT signing key; the previous one stays in the JWKS, older ones are retired.

    Rotate no more often than the JWT lifetime, or tokens signed two keys ago stop verifying
    at gateways before they expire.
    """
    key = rotate_signing_keys()
    audit.record("signing_key_rotated", actor="cli", kid=key.kid)
    db.session.commit()
    emit(as_json, {"kid": key.kid}, f"New signing key {key.kid}.")
