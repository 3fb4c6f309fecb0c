"""Developer accounts: sign up, log in (same-origin next, rotated session), log out, guards."""

from __future__ import annotations

import re

import pytest
from flask_login import current_user

from authserver.models import AuditEvent, Developer

from .devcenter import count, log_in, post_form, text
from .helpers import PASSWORD

SIGNUP = "/developers/signup"


def test_signup_creates_hashed_account_then_the_developer_logs_in(app, client):
    response = post_form(
        client, SIGNUP, {"email": " New@Example.com ", "password": PASSWORD, "confirm": PASSWORD}
    )
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/developers/login")
    assert client.get("/developers/apps").status_code == 302  # no automatic login
    log_in(client, "new@example.com")
    assert client.get("/developers/apps").status_code == 200
    with app.app_context():
        from sqlalchemy import select

        from authserver.extensions import db

        developer = db.session.scalar(select(Developer))
        assert developer.email == "new@example.com"
        assert PASSWORD not in developer.password_hash
        assert developer.check_password(PASSWORD)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"email": "not-an-email", "password": PASSWORD, "confirm": PASSWORD}, "Enter an email"),
        ({"email": "", "password": PASSWORD, "confirm": PASSWORD}, "Enter your email address."),
        ({"email": "a@example.com", "password": "short", "confirm": "short"}, "Use 8 to 200"),
        ({"email": "a@example.com", "password": PASSWORD, "confirm": "other"}, "passwords differ"),
    ],
)
def test_signup_refusals_create_nothing(app, client, data, message):
    response = post_form(client, SIGNUP, data)
    assert response.status_code == 400
    assert message in text(response)
    assert 'aria-invalid="true"' in text(response)
    with app.app_context():
        assert count(Developer) == 0


def _signup(client, email: str, password: str):
    """Sign up, follow the redirect: (the 303, the page it leads to)."""
    response = post_form(
        client, SIGNUP, {"email": email, "password": password, "confirm": password}
    )
    return response, client.get(response.headers.get("Location", SIGNUP))


def test_signup_answers_the_same_for_a_new_and_a_taken_email(app, world):
    """Issue 16 item 13: nothing on the wire tells whether an email is registered."""
    new, taken = app.test_client(), app.test_client()
    first, first_page = _signup(new, "fresh@example.com", "x" * 12)
    second, second_page = _signup(taken, world.developer.upper(), "x" * 12)
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]
    assert first.headers["Location"].endswith("/developers/login")
    assert sorted(k for k, _ in first.headers) == sorted(k for k, _ in second.headers)
    assert first.get_data() == second.get_data()
    assert first_page.status_code == second_page.status_code == 200
    # The login page with the same message; only the form's CSRF token differs.
    strip = re.compile(r'name="csrf_token" type="hidden" value="[^"]+"')
    assert strip.sub("", text(first_page)) == strip.sub("", text(second_page))
    assert "If this email was not registered yet" in text(first_page)
    with app.app_context():
        assert count(Developer) == 2
    log_in(app.test_client(), world.developer)  # the taken account's password is unchanged
    assert (
        post_form(
            app.test_client(),
            "/developers/login",
            {"email": world.developer, "password": "x" * 12},
        ).status_code
        == 400
    )


def test_signups_are_throttled_per_address(app, client):
    for n in range(10):
        response, _ = _signup(client, f"dev{n}@example.com", PASSWORD)
        assert response.status_code == 303
    response = post_form(
        client, SIGNUP, {"email": "dev10@example.com", "password": PASSWORD, "confirm": PASSWORD}
    )
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) >= 1
    assert "Too many sign-ups" in text(response) and 'name="email"' in text(response)
    with app.app_context():
        assert count(Developer) == 10


def test_login_wrong_password_is_refused_with_message(app, client, world):
    response = post_form(
        client, "/developers/login", {"email": world.developer, "password": "wrong password"}
    )
    assert response.status_code == 400
    assert "Wrong email or password." in text(response)
    assert client.get("/developers/apps").status_code == 302
    with app.app_context():
        from sqlalchemy import select

        from authserver.extensions import db

        events = db.session.scalars(select(AuditEvent.event)).all()
        assert "login_failed" in events


@pytest.mark.parametrize(
    ("next_value", "expected"),
    [
        ("/developers/test-malls", "/developers/test-malls"),
        ("https://evil.example/", "/developers/apps"),
        ("//evil.example/", "/developers/apps"),
        ("/\\evil.example", "/developers/apps"),
    ],
)
def test_login_redirects_only_to_same_origin_next(client, world, next_value, expected):
    page = client.get("/developers/login", query_string={"next": next_value})
    from .helpers import csrf_token

    response = client.post(
        "/developers/login",
        data={
            "email": world.developer,
            "password": PASSWORD,
            "next": next_value,
            "csrf_token": csrf_token(text(page)),
        },
    )
    assert response.status_code == 303
    assert response.headers["Location"] == expected


def test_login_rotates_the_session_and_keeps_operator_logins(client, world):
    with client.session_transaction() as session:
        session["operators"] = {"testmall": 1}
        session["_user_id"] = "developer:999"  # planted before login
    client.get("/developers/login")
    with client.session_transaction() as session:
        raw_token_before = session["csrf_token"]
    log_in(client, world.developer)
    with client:  # keeps the request's context: who Flask-Login loaded, not the planted id
        assert client.get("/developers/apps/new").status_code == 200
        assert current_user.email == world.developer
        assert current_user.get_id() != "developer:999"
    with client.session_transaction() as session:
        assert session["operators"] == {"testmall": 1}
        assert session["csrf_token"] != raw_token_before


def test_session_cookie_is_httponly_and_samesite(client, world):
    response = log_in(client, world.developer)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_logout(client, world):
    log_in(client, world.developer)
    response = post_form(client, "/developers/apps", {}, action="/developers/logout")
    assert response.status_code == 303
    assert client.get("/developers/apps").status_code == 302


def test_logout_without_csrf_token_is_refused(client, world):
    log_in(client, world.developer)
    response = client.post("/developers/logout")
    assert response.status_code == 400
    assert client.get("/developers/apps").status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/developers/apps",
        "/developers/apps/new",
        "/developers/test-malls",
        "/developers/apps/{cid}/basic",
        "/developers/apps/{cid}/permissions",
        "/developers/apps/{cid}/credentials",
        "/developers/apps/{cid}/credentials/reissue",
        "/developers/apps/{cid}/status",
        "/developers/apps/{cid}/delete",
    ],
)
def test_anonymous_visitors_are_sent_to_login(client, world, path):
    path = path.format(cid=world.web.client_id)
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/developers/login?next=")


def test_anonymous_posts_change_nothing(app, client, world):
    from .devcenter import app_row

    token_page = client.get("/developers/login")
    from .helpers import csrf_token

    token = csrf_token(text(token_page))
    response = client.post(
        f"/developers/apps/{world.web.client_id}/credentials/reissue",
        data={"confirm": "y", "csrf_token": token},
    )
    assert response.status_code == 302
    with app.app_context():
        assert app_row(world.web.client_id).secret_reissued_at is None


def test_landing_page(client, world):
    page = client.get("/developers/")
    assert page.status_code == 200
    assert "Create a developer account" in text(page)
    log_in(client, world.developer)
    assert client.get("/developers/").headers["Location"].endswith("/developers/apps")
