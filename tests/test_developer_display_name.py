"""The developer's display name: chosen at sign-up (or the email's local part), edited on the
Developer Center's account page, shown to operators on the consent page instead of the email
(which stays private), and given to accounts that existed before it (the migration)."""

from __future__ import annotations

import flask_migrate
import pytest
from sqlalchemy import select, text

from authserver import create_app
from authserver.extensions import db
from authserver.models import Developer

from .devcenter import post_form
from .devcenter import text as page_text
from .helpers import PASSWORD, Browser
from .servers import TEST_ENCRYPTION_KEY

SIGNUP = "/developers/signup"
ACCOUNT = "/developers/account"


def display_name_of(app, email: str) -> str:
    with app.app_context():
        db.session.expire_all()
        return db.session.scalar(select(Developer.display_name).where(Developer.email == email))


def sign_up(client, email: str, display_name: str | None = None):
    data = {"email": email, "password": PASSWORD, "confirm": PASSWORD}
    if display_name is not None:
        data["display_name"] = display_name
    return post_form(client, SIGNUP, data)


def test_sign_up_with_a_display_name_keeps_it(app, client):
    assert sign_up(client, "kim@example.com", "  Kim's Apps  ").status_code == 303
    assert display_name_of(app, "kim@example.com") == "Kim's Apps"


def test_sign_up_without_a_display_name_uses_the_emails_local_part(app, client):
    page = page_text(client.get(SIGNUP))
    assert '<label for="display_name">Display name</label>' in page
    assert "Your email address stays private." in page
    assert sign_up(client, "lee.dev@example.com").status_code == 303
    assert display_name_of(app, "lee.dev@example.com") == "lee.dev"


@pytest.mark.parametrize(
    ("name", "message"),
    [("x" * 101, "Use at most 100 characters."), ("bad\x07name", "Use letters, digits")],
)
def test_sign_up_refuses_a_bad_display_name_and_writes_nothing(app, client, name, message):
    response = sign_up(client, "park@example.com", name)
    assert response.status_code == 400 and message in page_text(response)
    assert display_name_of(app, "park@example.com") is None


def test_the_account_page_shows_the_email_and_renames(app, developer_client, world):
    page = page_text(developer_client.get(ACCOUNT))
    assert world.developer in page and 'value="dev"' in page
    assert f'href="{ACCOUNT}"' in page  # the header links to it, by the display name
    saved = post_form(developer_client, ACCOUNT, {"display_name": " Dev Studio "})
    assert saved.status_code == 303 and saved.headers["Location"].endswith(ACCOUNT)
    assert display_name_of(app, world.developer) == "Dev Studio"
    assert ">Dev Studio</a>" in page_text(developer_client.get("/developers/apps"))


@pytest.mark.parametrize(
    ("name", "message"), [("   ", "Enter a display name."), ("y" * 101, "at most 100")]
)
def test_the_account_page_refuses_a_bad_name_and_keeps_the_old(
    app, developer_client, world, name, message
):
    refused = post_form(developer_client, ACCOUNT, {"display_name": name})
    assert refused.status_code == 400 and message in page_text(refused)
    assert display_name_of(app, world.developer) == "dev"


def test_the_account_page_needs_a_developer(client):
    response = client.get(ACCOUNT)
    assert response.status_code == 302 and "/developers/login" in response.headers["Location"]


def test_the_consent_page_shows_the_display_name_never_the_email(
    app, live_server, world, developer_client
):
    post_form(developer_client, ACCOUNT, {"display_name": "Dev Studio"})
    operator = Browser(live_server, world.mall_id)
    operator.login()
    page = operator.get(operator.authorize_url(world.web)).text
    assert "by Dev Studio" in page
    assert world.developer not in page


def test_the_migration_names_existing_accounts_after_their_email(tmp_path):
    app = create_app(
        {
            "AUTHSERVER_DATABASE_URL": f"sqlite:///{tmp_path / 'old.sqlite'}",
            "AUTHSERVER_SECRET_KEY": "display-name-migration",
            "AUTHSERVER_ENCRYPTION_KEYS": TEST_ENCRYPTION_KEY,
            "AUTHSERVER_ACCESS_LOG": False,
        }
    )
    with app.app_context():
        flask_migrate.upgrade(revision="3c1e9a7d5b20")  # the schema before display names
        with db.engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO developers (email, password_hash, created_at, session_epoch) "
                    "VALUES ('choi.shop@example.com', 'x', '2026-01-01 00:00:00', 0)"
                )
            )
        flask_migrate.upgrade(revision="head")
        names = db.session.execute(text("SELECT email, display_name FROM developers")).all()
        db.engine.dispose()
    assert [tuple(row) for row in names] == [("choi.shop@example.com", "choi.shop")]
