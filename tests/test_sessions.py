"""Login sessions the server can end: logout, a new password and idleness end a copied cookie."""

from __future__ import annotations

import hashlib
import time

import pytest
from flask.testing import FlaskClient
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import select

from authserver.extensions import db
from authserver.models import Developer, Operator

from .devcenter import log_in, post_form
from .helpers import PASSWORD, csrf_token

COOKIE = "authserver_session"


def _operator_login(client: FlaskClient, mall_id: str) -> None:
    login = f"/malls/{mall_id}/admin/login"
    token = csrf_token(client.get(login).get_data(as_text=True))
    response = client.post(
        login, data={"user_id": "owner", "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 303


def _copy(app, client: FlaskClient, value: str | None = None) -> FlaskClient:
    """A second browser holding ``client``'s session cookie (or ``value``)."""
    thief = app.test_client()
    thief.set_cookie(COOKIE, value or client.get_cookie(COOKIE).value)
    return thief


def _pages(world) -> dict[str, tuple[str, str]]:
    """kind -> (a page only that login opens, where its logout posts from/to)."""
    mall = world.mall_id
    return {
        "developer": (
            f"/developers/apps/{world.web.client_id}/credentials",
            "/developers/apps",
        ),
        "operator": (f"/malls/{mall}/admin/apps", f"/malls/{mall}/admin/apps"),
    }


def _logged_in(app, world, kind: str) -> FlaskClient:
    client = app.test_client()
    if kind == "developer":
        log_in(client, world.developer)
    else:
        _operator_login(client, world.mall_id)
    return client


@pytest.mark.parametrize("kind", ["developer", "operator"])
def test_logout_ends_a_copied_session_cookie(app, world, kind):
    page, logout_from = _pages(world)[kind]
    victim = _logged_in(app, world, kind)
    thief = _copy(app, victim)
    assert thief.get(page).status_code == 200  # the copy works while the login lasts

    logout = "/developers/logout" if kind == "developer" else f"/malls/{world.mall_id}/admin/logout"
    assert post_form(victim, logout_from, {}, action=logout).status_code == 303

    replay = thief.get(page)
    assert replay.status_code == 302
    assert "/login" in replay.headers["Location"]
    assert "App Secret" not in replay.get_data(as_text=True)


@pytest.mark.parametrize("kind", ["developer", "operator"])
def test_a_new_password_ends_every_session(app, world, kind):
    page, _ = _pages(world)[kind]
    browser = _logged_in(app, world, kind)
    assert browser.get(page).status_code == 200
    with app.app_context():
        model, column, value = (
            (Developer, Developer.email, world.developer)
            if kind == "developer"
            else (Operator, Operator.user_id, "owner")
        )
        db.session.scalar(select(model).where(column == value)).set_password("a new password 1")
        db.session.commit()
    replay = browser.get(page)
    assert replay.status_code == 302 and "/login" in replay.headers["Location"]


def _signed_at(app, cookie: str, seconds_ago: int) -> str:
    """``cookie``'s session data signed again as if ``seconds_ago`` seconds ago, through
    itsdangerous's public API with the parameters Flask's session interface declares."""
    interface = app.session_interface
    data = interface.get_signing_serializer(app).loads(cookie)

    class Earlier(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - seconds_ago

    serializer = URLSafeTimedSerializer(
        app.secret_key,
        salt=interface.salt,
        serializer=interface.serializer,
        signer=Earlier,
        signer_kwargs={"key_derivation": interface.key_derivation, "digest_method": hashlib.sha1},
    )
    return serializer.dumps(data)


@pytest.mark.parametrize("kind", ["developer", "operator"])
def test_an_idle_session_cookie_is_refused(app, world, kind):
    page, _ = _pages(world)[kind]
    idle = 2 * 3600  # AUTHSERVER_SESSION_IDLE_SECONDS' default: hours, not weeks
    browser = _logged_in(app, world, kind)
    cookie = browser.get_cookie(COOKIE)

    stale = _copy(app, browser, _signed_at(app, cookie.value, idle + 60))
    replay = stale.get(page)
    assert replay.status_code == 302 and "/login" in replay.headers["Location"]

    recent = _copy(app, browser, _signed_at(app, cookie.value, idle - 60))
    assert recent.get(page).status_code == 200
    # An active user stays in: each request sends the cookie again, freshly signed.
    assert recent.get_cookie(COOKIE).value != _signed_at(app, cookie.value, idle - 60)
    assert cookie.expires is not None  # permanent, expiring with the idle lifetime


@pytest.mark.parametrize("kind", ["developer", "operator"])
def test_staff_end_every_session_of_an_account_from_the_cli(app, world, kind):
    page, _ = _pages(world)[kind]
    browser = _logged_in(app, world, kind)
    assert browser.get(page).status_code == 200
    account = (
        ["--developer", world.developer.upper()]
        if kind == "developer"
        else ["--mall", world.mall_id, "--operator", "owner"]
    )
    result = app.test_cli_runner().invoke(args=["sessions", "end", *account])
    assert result.exit_code == 0, result.output
    replay = browser.get(page)
    assert replay.status_code == 302 and "/login" in replay.headers["Location"]


def test_sessions_end_names_exactly_one_known_account(app, world):
    runner = app.test_cli_runner()
    for args in ([], ["--developer", "a@b.c", "--mall", "testmall"], ["--mall", "testmall"]):
        assert runner.invoke(args=["sessions", "end", *args]).exit_code == 2
    missing = runner.invoke(args=["sessions", "end", "--developer", "nobody@example.com"])
    assert missing.exit_code == 1 and "No such account" in missing.output
