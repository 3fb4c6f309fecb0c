"""The command line (DESIGN.md "Command line"): --json output, refusals that write nothing."""

from __future__ import annotations

import json

import pytest

from authserver.extensions import db
from authserver.models import App, Developer, Mall, Operator, Reviewer


@pytest.fixture
def cli(app):
    runner = app.test_cli_runner()

    def invoke(*args):
        return runner.invoke(args=list(args))

    return invoke


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(db.select(db.func.count()).select_from(model))


def test_init_db_is_idempotent(cli):
    assert cli("init-db").exit_code == 0
    assert cli("init-db").exit_code == 0


def test_developer_and_reviewer_create(cli, app):
    result = cli("developer", "create", "Dev@Example.com", "--password", "long enough", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["email"] == "dev@example.com"
    result = cli("reviewer", "create", "staff@example.com", "--password", "long enough", "--json")
    assert json.loads(result.output)["email"] == "staff@example.com"
    with app.app_context():
        reviewer = db.session.scalar(db.select(Reviewer))
        assert reviewer.check_password("long enough")
        assert "long enough" not in reviewer.password_hash


@pytest.mark.parametrize(
    "args, message",
    [
        (("not-an-email", "--password", "long enough"), "not an email address"),
        (("a@example.com", "--password", "short"), "at least 8 characters"),
    ],
)
def test_developer_create_refusals(cli, app, args, message):
    result = cli("developer", "create", *args)
    assert result.exit_code != 0
    assert message in result.output
    assert _count(app, Developer) == 0


def test_duplicate_developer_is_refused(cli, app):
    cli("developer", "create", "a@example.com", "--password", "long enough")
    result = cli("developer", "create", "a@example.com", "--password", "long enough")
    assert result.exit_code != 0
    assert "already exists" in result.output
    assert _count(app, Developer) == 1


def test_mall_create(cli, app):
    cli("developer", "create", "a@example.com", "--password", "long enough")
    result = cli(
        "mall", "create", "shop-one", "--operator", "boss", "--password", "long enough",
        "--test-mall-of", "a@example.com", "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {
        "mall_id": "shop-one",
        "operator": "boss",
        "test_mall_of": "a@example.com",
    }
    with app.app_context():
        mall = db.session.scalar(db.select(Mall))
        assert mall.test_mall_of.email == "a@example.com"
        assert mall.operators[0].check_password("long enough")


@pytest.mark.parametrize("mall_id", ["UPPER", "x", "1abc", "has space", "a" * 40])
def test_mall_id_rules(cli, app, mall_id):
    result = cli("mall", "create", mall_id, "--operator", "boss", "--password", "long enough")
    assert result.exit_code != 0
    assert _count(app, Mall) == 0 and _count(app, Operator) == 0


def _developer(cli):
    cli("developer", "create", "a@example.com", "--password", "long enough")


def test_app_create_prints_key_and_secret(cli, app):
    _developer(cli)
    result = cli(
        "app", "create", "--developer", "a@example.com", "--name", "My App",
        "--url", "https://my.example:8443/", "--redirect-uri", "https://my.example/cb",
        "--scope", "mall.read_product,mall.write_product", "--scope", "mall.read_order",
        "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert len(body["client_id"]) == 22 and body["client_id"].isalnum()
    assert len(body["client_secret"]) >= 22
    assert body["status"] == "in_production"
    assert body["scopes"] == ["mall.read_product", "mall.write_product", "mall.read_order"]
    with app.app_context():
        row = db.session.scalar(db.select(App))
        assert row.client_secret == body["client_secret"]
        assert body["client_secret"] not in row.client_secret_encrypted


@pytest.mark.parametrize(
    "extra, message",
    [
        (("--url", "http://my.example/"), "https"),
        (("--url", "https://my.example/", "--redirect-uri", "http://my.example/cb"), "https"),
        (("--url", "https://my.example/", "--redirect-uri", "https://my.example/cb#x"), "fragment"),
        (("--url", "https://my.example/", "--redirect-uri", "/cb"), "absolute"),
        (("--url", "https://my.example/", "--redirect-uri", "https://*.example/cb"), "Wildcard"),
        (("--url", "https://my.example/", "--scope", "mall.read_everything"), "unknown scope"),
        (("--url", "https://my.example/", "--scope", "mall.write_salesreport"), "unknown scope"),
    ],
)
def test_app_create_refusals_write_nothing(cli, app, extra, message):
    _developer(cli)
    result = cli("app", "create", "--developer", "a@example.com", "--name", "X", *extra)
    assert result.exit_code != 0
    assert message in result.output
    assert _count(app, App) == 0


def test_app_status_sets_any_status_and_requires_a_reason_to_reject(cli, app):
    _developer(cli)
    body = json.loads(
        cli(
            "app", "create", "--developer", "a@example.com", "--name", "X",
            "--url", "https://x.example/", "--json",
        ).output
    )  # fmt: skip
    client_id = body["client_id"]
    assert cli("app", "status", client_id, "for_sale").exit_code == 0
    refused = cli("app", "status", client_id, "review_rejected")
    assert refused.exit_code != 0 and "reason" in refused.output
    result = cli("app", "status", client_id, "review_rejected", "--reason", "Icon blurry", "--json")
    assert json.loads(result.output) == {
        "client_id": client_id,
        "status": "review_rejected",
        "reason": "Icon blurry",
    }
    assert cli("app", "status", client_id, "bogus").exit_code != 0
    assert cli("app", "status", "nope", "sold").exit_code != 0


def test_demo_is_seeded_once_and_prints_json(cli, app):
    first = json.loads(cli("demo", "--json").output)
    second = json.loads(cli("demo", "--json").output)
    assert first["app"]["client_id"] == second["app"]["client_id"]
    assert first["app"]["client_secret"] == second["app"]["client_secret"]
    assert set(first) >= {"developer", "mall", "operator", "app"}
    assert "client_id=" + first["app"]["client_id"] in first["authorize_url"]
    assert _count(app, App) == 1 and _count(app, Mall) == 1
