"""``gateway create|rotate|delete|list``: API gateway credentials for introspection (RFC 7662).

DESIGN.md "Command line": ``gateway create NAME`` prints ``client_id`` and ``client_secret``
(shown once, stored as SHA-256); ``gateway rotate CLIENT_ID`` prints a new secret (the old one
stops working at once); ``gateway delete CLIENT_ID``.
"""

from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import select

from authserver.cli.output import emit, json_option
from authserver.extensions import db
from authserver.models import GatewayClient
from authserver.oauth.gateways import create_gateway, delete_gateway, find_gateway, rotate_gateway

gateway_cli = AppGroup("gateway", help="API gateway credentials (token introspection).")


def _gateway(client_id: str) -> GatewayClient:
    gateway = find_gateway(client_id) if len(client_id) <= 64 else None
    if gateway is None:
        raise click.BadParameter(f"no gateway {client_id!r}", param_hint="CLIENT_ID")
    return gateway


@gateway_cli.command("create")
@click.argument("name")
@json_option
def gateway_create(name: str, as_json: bool) -> None:
    """A new gateway credential; the secret is printed once and never stored."""
    try:
        gateway, secret = create_gateway(name)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="NAME") from error
    emit(
        as_json,
        {"client_id": gateway.client_id, "client_secret": secret, "name": gateway.name},
        f"Gateway {gateway.name} created.\n  client_id      {gateway.client_id}\n"
        f"  client_secret  {secret}\n(The secret is shown only now.)",
    )


@gateway_cli.command("rotate")
@click.argument("client_id")
@json_option
def gateway_rotate(client_id: str, as_json: bool) -> None:
    """Issue a new secret; the old one stops working at once."""
    gateway = _gateway(client_id)
    secret = rotate_gateway(gateway)
    emit(
        as_json,
        {"client_id": gateway.client_id, "client_secret": secret, "name": gateway.name},
        f"New secret for {gateway.client_id}: {secret}\n(The secret is shown only now.)",
    )


@gateway_cli.command("delete")
@click.argument("client_id")
@json_option
def gateway_delete(client_id: str, as_json: bool) -> None:
    """Delete a gateway credential; it stops working at once."""
    gateway = _gateway(client_id)
    delete_gateway(gateway)
    emit(as_json, {"client_id": client_id, "deleted": True}, f"Gateway {client_id} deleted.")


@gateway_cli.command("list")
@json_option
def gateway_list(as_json: bool) -> None:
    """List the gateway credentials, oldest first (never their secrets)."""
    gateways = db.session.scalars(select(GatewayClient).order_by(GatewayClient.created_at)).all()
    rows = [
        {
            "client_id": gateway.client_id,
            "name": gateway.name,
            "created_at": gateway.created_at.isoformat(),
            "rotated_at": gateway.rotated_at.isoformat() if gateway.rotated_at else None,
        }
        for gateway in gateways
    ]
    text = "\n".join(f"{row['client_id']}  {row['name']}" for row in rows) or "No gateways."
    emit(as_json, {"gateways": rows}, text)
