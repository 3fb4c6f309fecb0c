"""``gateway create|rotate|delete`` (DESIGN.md "Command line") and the credentials they make."""

from __future__ import annotations

import hashlib
import json

import pytest

from authserver.extensions import db
from authserver.models import AuditEvent, GatewayClient

from .oauth_helpers import introspect, obtain_tokens


@pytest.fixture
def cli(app):
    runner = app.test_cli_runner()

    def run(*args: str):
        return runner.invoke(args=list(args))

    return run


def _create(cli, name: str = "edge-proxy") -> dict:
    result = cli("gateway", "create", name, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_create_prints_id_and_secret_once_and_stores_only_sha256(cli, app):
    created = _create(cli)
    assert created["client_id"].startswith("gw_")
    assert len(created["client_secret"]) >= 32
    assert created["name"] == "edge-proxy"
    with app.app_context():
        row = db.session.scalar(db.select(GatewayClient))
        assert row.secret_hash == hashlib.sha256(created["client_secret"].encode()).hexdigest()
        assert created["client_secret"] not in repr(
            [(e.event, e.detail, e.actor) for e in db.session.scalars(db.select(AuditEvent))]
        )


def test_created_credentials_introspect(cli, live_server, world):
    created = _create(cli)
    tokens = obtain_tokens(live_server, world.mall_id, world.web)
    auth = (created["client_id"], created["client_secret"])
    body = introspect(live_server, world.mall_id, tokens["access_token"], auth=auth).json()
    assert body["active"] is True


def test_rotate_replaces_the_secret_at_once(cli, live_server, world):
    created = _create(cli)
    result = cli("gateway", "rotate", created["client_id"], "--json")
    assert result.exit_code == 0, result.output
    rotated = json.loads(result.output)
    assert rotated["client_id"] == created["client_id"]
    assert rotated["client_secret"] != created["client_secret"]
    tokens = obtain_tokens(live_server, world.mall_id, world.web)
    old = introspect(
        live_server,
        world.mall_id,
        tokens["access_token"],
        auth=(created["client_id"], created["client_secret"]),
    )
    assert old.status_code == 401
    new = introspect(
        live_server,
        world.mall_id,
        tokens["access_token"],
        auth=(created["client_id"], rotated["client_secret"]),
    )
    assert new.json()["active"] is True


def test_delete_ends_access(cli, live_server, world, app):
    created = _create(cli)
    result = cli("gateway", "delete", created["client_id"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.scalar(db.select(GatewayClient)) is None
    response = introspect(
        live_server, world.mall_id, "x", auth=(created["client_id"], created["client_secret"])
    )
    assert response.status_code == 401


def test_list_shows_gateways_without_secrets(cli):
    created = _create(cli)
    result = cli("gateway", "list", "--json")
    listed = json.loads(result.output)["gateways"]
    assert [row["client_id"] for row in listed] == [created["client_id"]]
    assert created["client_secret"] not in result.output


def test_bad_input_is_refused_without_writing(cli, app):
    for args in (
        ("gateway", "create", "   "),
        ("gateway", "create", "x" * 101),
        ("gateway", "rotate", "gw_nosuch"),
        ("gateway", "delete", "gw_nosuch"),
        ("gateway", "rotate", "y" * 500),
    ):
        result = cli(*args)
        assert result.exit_code != 0, args
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(GatewayClient)) == 0


def test_plain_output_names_both_values(cli):
    result = cli("gateway", "create", "plain")
    assert result.exit_code == 0
    assert "client_id" in result.output and "client_secret" in result.output
