"""Refresh (RFC 6749 §6, RFC 9700 §4.14.2, DESIGN.md "Lifetimes and rotation"): rotation on
every use, reuse detection revoking the family, scopes never widened, narrowed with the
installation."""

from __future__ import annotations

from datetime import datetime

import pytest

from authserver.extensions import db
from authserver.models import App, Installation, Token

from .helpers import Browser, exchange, refresh


@pytest.fixture
def tokens(live_server, world) -> dict:
    browser = Browser(live_server, world.mall_id)
    browser.login()
    code = browser.authorize(world.web)["code"]
    return exchange(live_server, world.mall_id, world.web, code).json()


def _refresh(live_server, world, refresh_token, **extra):
    return refresh(live_server, world.mall_id, world.web, refresh_token, **extra)


def test_refresh_rotates_both_tokens(live_server, world, tokens):
    response = _refresh(live_server, world, tokens["refresh_token"])
    assert response.status_code == 200
    body = response.json()
    assert body["access_token"] != tokens["access_token"]
    assert body["refresh_token"] != tokens["refresh_token"]
    assert body["scopes"] == tokens["scopes"]
    assert body["user_id"] == "owner"
    issued = datetime.strptime(body["issued_at"], "%Y-%m-%dT%H:%M:%S.%f")
    refresh_expires = datetime.strptime(body["refresh_token_expires_at"], "%Y-%m-%dT%H:%M:%S.%f")
    assert (refresh_expires - issued).days == 14  # a fresh 14 days, as Cafe24


def test_the_old_refresh_token_dies_at_once(live_server, world, tokens):
    assert _refresh(live_server, world, tokens["refresh_token"]).status_code == 200
    again = _refresh(live_server, world, tokens["refresh_token"])
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant"


def test_reuse_of_a_rotated_token_revokes_the_family(app, live_server, world, tokens):
    second = _refresh(live_server, world, tokens["refresh_token"]).json()
    assert _refresh(live_server, world, tokens["refresh_token"]).status_code == 400
    successor = _refresh(live_server, world, second["refresh_token"])
    assert successor.status_code == 400
    assert successor.json()["error"] == "invalid_grant"
    with app.app_context():
        rows = db.session.scalars(db.select(Token)).all()
        assert rows and all(not row.is_access_active() for row in rows)
        assert all(not row.is_refresh_active() for row in rows)


def test_comma_separated_scope_may_narrow(live_server, world, tokens):
    response = _refresh(
        live_server, world, tokens["refresh_token"], scope="mall.read_product,mall.read_order"
    )
    assert response.json()["scopes"] == ["mall.read_product", "mall.read_order"]


def test_scope_never_widens(live_server, world, app):
    browser = Browser(live_server, world.mall_id)
    browser.login()
    code = browser.authorize(world.web, scope="mall.read_product")["code"]
    narrow = exchange(live_server, world.mall_id, world.web, code).json()
    response = _refresh(live_server, world, narrow["refresh_token"], scope="mall.read_order")
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_scope"


def test_rotated_token_keeps_the_original_grant(live_server, world, tokens):
    """SECURITY.md item 25: narrow once, then ask for the full original scope again."""
    narrowed = _refresh(live_server, world, tokens["refresh_token"], scope="mall.read_product")
    assert narrowed.json()["scopes"] == ["mall.read_product"]
    full = _refresh(
        live_server, world, narrowed.json()["refresh_token"], scope=" ".join(tokens["scopes"])
    )
    assert full.status_code == 200
    assert full.json()["scopes"] == tokens["scopes"]


def test_removed_permission_narrows_the_next_refresh(app, live_server, world, tokens):
    with app.app_context():
        row = db.session.scalar(db.select(App).where(App.client_id == world.web.client_id))
        row.scope = "mall.read_product mall.read_order"
        for installation in row.installations:
            installation.narrow_to(row.scopes)
        db.session.commit()
    body = _refresh(live_server, world, tokens["refresh_token"]).json()
    assert body["scopes"] == ["mall.read_product", "mall.read_order"]


def test_refresh_token_is_bound_to_its_client(live_server, world, tokens):
    response = refresh(live_server, world.mall_id, world.other_web, tokens["refresh_token"])
    assert response.json()["error"] == "invalid_grant"
    assert _refresh(live_server, world, tokens["refresh_token"]).status_code == 200


def test_refresh_token_is_bound_to_its_mall(app, live_server, world, tokens):
    from .helpers import add_mall

    with app.app_context():
        add_mall("othermall")
    response = refresh(live_server, "othermall", world.web, tokens["refresh_token"])
    assert response.json()["error"] == "invalid_grant"


def test_uninstalled_app_gets_invalid_grant_uninstalled(app, live_server, world, tokens):
    with app.app_context():
        db.session.execute(db.delete(Installation))
        db.session.commit()
    response = _refresh(live_server, world, tokens["refresh_token"])
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"
    assert "Uninstalled app" in response.json()["error_description"]


def test_expired_refresh_token_is_invalid_grant(live_server, world, configure, travel):
    configure(AUTHSERVER_REFRESH_TOKEN_TTL=1)
    browser = Browser(live_server, world.mall_id)
    browser.login()
    code = browser.authorize(world.web)["code"]
    tokens = exchange(live_server, world.mall_id, world.web, code).json()
    travel(1.5)
    assert _refresh(live_server, world, tokens["refresh_token"]).json()["error"] == "invalid_grant"


def test_missing_refresh_token_is_invalid_request(live_server, world):
    response = _refresh(live_server, world, None)
    assert response.json()["error"] == "invalid_request"


def test_wrong_secret_does_not_rotate(live_server, world, tokens):
    from .helpers import Client

    impostor = Client(world.web.client_id, "wrong", world.web.redirect_uri, world.web.scopes)
    response = refresh(live_server, world.mall_id, impostor, tokens["refresh_token"])
    assert response.status_code == 401
    assert _refresh(live_server, world, tokens["refresh_token"]).status_code == 200


def test_native_app_refreshes_with_client_id_alone(live_server, world):
    from .helpers import pkce_pair

    browser = Browser(live_server, world.mall_id)
    browser.login()
    verifier, challenge = pkce_pair()
    code = browser.authorize(world.native, code_challenge=challenge, code_challenge_method="S256")
    tokens = exchange(
        live_server, world.mall_id, world.native, code["code"], code_verifier=verifier
    ).json()
    response = refresh(live_server, world.mall_id, world.native, tokens["refresh_token"])
    assert response.status_code == 200
