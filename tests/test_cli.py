"""The command line (DESIGN.md "Command line"): --json output, refusals that write nothing and
name the option, help for every command and option."""

from __future__ import annotations

import json
import re
import shlex

import click
import pytest
from click.testing import CliRunner

from authserver.extensions import db
from authserver.models import App, Developer, Mall, Operator, Reviewer

from .servers import ROOT


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


# -- help and errors (issue 19) ---------------------------------------------------------
def _commands(group, prefix=()):
    for name, command in group.commands.items():
        if name == "db":  # Flask-Migrate's, hidden from the console script (authserver.cli.group)
            continue
        if hasattr(command, "commands"):
            yield from _commands(command, (*prefix, name))
        else:
            yield " ".join((*prefix, name)), command


def test_every_command_and_option_has_a_one_line_description(app):
    for name, command in _commands(app.cli):
        assert command.help and command.get_short_help_str(limit=200), name
        for param in command.params:
            if isinstance(param, click.Option):
                assert param.help, f"{name} {param.opts[0]}"
                if param.name == "as_json":
                    assert "JSON" in param.help, name
    for name, group in app.cli.commands.items():
        if hasattr(group, "commands") and name != "db":
            assert group.help, name


def test_the_console_scripts_help_is_its_own_with_examples(tmp_path):
    from authserver.cli.group import cli as console

    result = CliRunner().invoke(
        console, ["--help"], env={"AUTHSERVER_INSTANCE_PATH": str(tmp_path)}, prog_name="authserver"
    )
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Usage: authserver [OPTIONS] COMMAND")
    assert "A general utility script for Flask" not in result.output
    assert "Administer authserver" in result.output and "Examples (" in result.output
    assert "--json, on every command" in result.output  # explained once, here
    listed = result.output.split("Commands:")[1]
    assert re.search(r"^  run ", listed, re.MULTILINE)  # make run serves with it
    for hidden in ("db", "routes", "shell"):
        assert not re.search(rf"^  {hidden} ", listed, re.MULTILINE)
    assert "--app" not in result.output


def test_app_status_usage_breaks_no_word():
    from authserver.cli.commands import app_status

    result = CliRunner().invoke(app_status, ["--help"], terminal_width=80, prog_name="app status")
    usage = result.output.splitlines()[0]
    assert usage.endswith("[OPTIONS] CLIENT_ID STATUS"), usage
    assert "review_rejected" in result.output  # the statuses, in the help text


def test_errors_name_the_option_given(cli, app):
    _developer(cli)
    wrong_developer = cli(
        "mall", "create", "shop-two", "--operator", "boss", "--password", "long enough",
        "--test-mall-of", "nobody@example.com",
    )  # fmt: skip
    assert wrong_developer.exit_code == 2
    assert (
        "--test-mall-of" in wrong_developer.output and "--developer" not in wrong_developer.output
    )
    http = cli(
        "app", "create", "--developer", "a@example.com", "--name", "X",
        "--url", "https://x.example/", "--redirect-uri", "https://x.example/ok",
        "--redirect-uri", "http://x.example/cb",
    )  # fmt: skip
    assert http.exit_code == 2
    assert "--redirect-uri" in http.output and "'http://x.example/cb'" in http.output
    assert "Line " not in http.output
    assert _count(app, Mall) == 0 and _count(app, App) == 0


def test_every_audited_event_is_in_the_catalogue():
    """``audit list --event`` and the review page accept the catalogue's names only."""
    from authserver.security.audit import EVENTS

    pattern = re.compile(r'(?:record|_audit_row|_audit)\(\s*"(\w+)"|event = "(\w+)"')
    source = "\n".join(path.read_text() for path in (ROOT / "authserver").rglob("*.py"))
    names = {name for match in pattern.findall(source) for name in match if name}
    assert len(names) > 20 and names <= set(EVENTS), names - set(EVENTS)


def test_an_unknown_audit_event_is_an_error(cli):
    result = cli("audit", "list", "--event", "nosuchevent")
    assert result.exit_code == 2 and "nosuchevent" in result.output
    assert cli("audit", "list", "--event", "login_failed").exit_code == 0


def test_app_create_prints_the_secret_as_text(cli, app):
    _developer(cli)
    result = cli(
        "app", "create", "--developer", "a@example.com", "--name", "X",
        "--url", "https://x.example/",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    with app.app_context():
        row = db.session.scalar(db.select(App))
        assert f"App Key     {row.client_id}" in result.output
        assert f"App Secret  {row.client_secret}" in result.output


def test_demo_env_is_shell_assignments(cli):
    result = cli("demo", "--env", "--base-url", "http://127.0.0.1:8123")
    assert result.exit_code == 0, result.output
    values = dict(shlex.split(line)[0].split("=", 1) for line in result.output.splitlines())
    demo = json.loads(cli("demo", "--json", "--base-url", "http://127.0.0.1:8123").output)
    assert values == {
        "APP_KEY": demo["app"]["client_id"],
        "APP_SECRET": demo["app"]["client_secret"],
        "AUTHORIZE_URL": demo["authorize_url"],
        "TOKEN_URL": "http://127.0.0.1:8123/malls/demomall/api/v2/oauth/token",
    }
    assert cli("demo", "--env", "--json").exit_code == 2
