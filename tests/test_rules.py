"""One rule per concept (issue 17, point 3): each rule walked through every user of it.

Access token active, refresh token active (``models.Token``'s hybrids), the code is redeemable
(``AuthorizationCode.unexpired``) and the app may authorize on this mall
(``app_status.may_authorize``): for each way a rule turns, every surface reading it (the lookup
statements behind introspection, the Admin API and the gateway check; the grants; revocation;
``tokens cleanup``) must answer alike. The scopes a token may use now are walked by
test_usable_scopes.py::test_every_surface_applies_the_same_rule, not repeated here. The last
test proves each hybrid's SQL condition and Python test pick the same rows on the database.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from itertools import product

import pytest
from sqlalchemy import select

from authserver.app_status import Status, may_authorize
from authserver.extensions import db
from authserver.models import App, AuthorizationCode, Mall, Token
from authserver.security.crypto import sha256_hex

from .admin_api_support import Api
from .gateway_support import gateway_check
from .helpers import Browser, add_mall, csrf_token, exchange, query_of, refresh
from .oauth_helpers import introspect, obtain_tokens, revoke, token_rows
from .test_installed_apps import uninstall

INVALID_TOKEN = 'Bearer error="invalid_token"'


def assert_access_token(live_server, world, gateway, token: str, active: bool) -> None:
    """Introspection (by a gateway and by the app), the Admin API and the gateway check all
    read the access token rule; each must say ``active``, in its own documented shape."""
    own = (world.web.client_id, world.web.client_secret)
    for caller in (gateway, own):
        answer = introspect(live_server, world.mall_id, token, auth=caller)
        assert answer.status_code == 200
        if active:
            assert answer.json()["active"] is True, (caller, answer.json())
        else:
            assert answer.json() == {"active": False}, caller
    for name, answer in (
        ("Admin API", Api(live_server, world.mall_id, token).get("products")),
        ("gateway check", gateway_check(live_server, gateway, token)),
    ):
        if active:
            assert answer.status_code == 200, (name, answer.text)
        else:
            assert answer.status_code == 401, (name, answer.text)
            assert answer.headers["WWW-Authenticate"] == INVALID_TOKEN, name


def assert_refresh_token(live_server, world, gateway, token: str, active: bool) -> None:
    """Introspection of the refresh token (gateway and app) reads the refresh rule; the refresh
    grant is checked by the caller (a successful one rotates the token)."""
    own = (world.web.client_id, world.web.client_secret)
    for caller in (gateway, own):
        answer = introspect(live_server, world.mall_id, token, auth=caller).json()
        assert answer["active"] is active, (caller, answer)


def assert_refused(response, description: str | None = None) -> None:
    assert response.status_code == 400, response.text
    assert response.json()["error"] == "invalid_grant"
    if description is not None:
        assert response.json()["error_description"] == description


def cleanup(app) -> dict[str, int]:
    """``tokens cleanup --json``, the public command (in-process, so it sees moved time)."""
    result = app.test_cli_runner().invoke(args=["tokens", "cleanup", "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def row_count(app) -> int:
    with app.app_context():
        return len(token_rows(db))


@pytest.mark.parametrize("way", ["expired", "revoked", "rotated", "uninstalled"])
def test_access_token_active_rule(app, live_server, world, gateway, configure, travel, way):
    """``Token.access_active``: expiry and revocation (directly or by uninstall) turn it for
    every user at once; rotation does not (the old access token lives until it expires).
    Cleanup deletes a row only once its refresh side is dead too."""
    configure(AUTHSERVER_ACCESS_TOKEN_TTL=60, AUTHSERVER_REFRESH_TOKEN_TTL=120)
    browser = Browser(live_server, world.mall_id)
    browser.login()
    tokens = obtain_tokens(live_server, world.mall_id, world.web, browser)
    access = tokens["access_token"]
    assert_access_token(live_server, world, gateway, access, True)

    if way == "expired":
        travel(61)
        assert_access_token(live_server, world, gateway, access, False)
        # The refresh token is still live: the row stays, and the refresh side still works.
        assert cleanup(app)["tokens"] == 0 and row_count(app) == 1
        assert_refresh_token(live_server, world, gateway, tokens["refresh_token"], True)
        travel(60)
        assert_refresh_token(live_server, world, gateway, tokens["refresh_token"], False)
        # RFC 7009 §2.2: an invalid token is no error; the answer is the unknown token's.
        answer = revoke(live_server, world.mall_id, world.web, access)
        assert (answer.status_code, answer.json()) == (200, {})
        assert_access_token(live_server, world, gateway, access, False)
        assert cleanup(app)["tokens"] == 1 and row_count(app) == 0
    elif way == "revoked":
        answer = revoke(live_server, world.mall_id, world.web, access)
        assert (answer.status_code, answer.json()) == (200, {})
        assert_access_token(live_server, world, gateway, access, False)
        assert_refused(refresh(live_server, world.mall_id, world.web, tokens["refresh_token"]))
        assert cleanup(app)["tokens"] == 1 and row_count(app) == 0
    elif way == "rotated":
        new = refresh(live_server, world.mall_id, world.web, tokens["refresh_token"])
        assert new.status_code == 200, new.text
        assert_access_token(live_server, world, gateway, access, True)
        assert_access_token(live_server, world, gateway, new.json()["access_token"], True)
        assert cleanup(app)["tokens"] == 0 and row_count(app) == 2
        travel(61)
        assert_access_token(live_server, world, gateway, access, False)
        # The rotated row's refresh token is live until it expires (reuse detection).
        assert cleanup(app)["tokens"] == 0 and row_count(app) == 2
    else:
        assert uninstall(browser, world.web.client_id).status_code == 303
        assert_access_token(live_server, world, gateway, access, False)
        assert cleanup(app)["tokens"] == 1 and row_count(app) == 0


@pytest.mark.parametrize("way", ["expired", "revoked", "rotated"])
def test_refresh_token_active_rule(app, live_server, world, gateway, configure, travel, way):
    """``Token.refresh_active`` (the grant, introspection) and ``Token.refresh_live``
    (cleanup): a rotated refresh token is refused and inactive at once but its row stays,
    live, until it expires, so that presenting it again is recognised (RFC 9700 §4.14.2)."""
    # The refresh token outlives the access token except when expiry is what is tested:
    # then it dies first, so that cleanup's keeping the row is the access side's doing.
    ttl = (120, 60) if way == "expired" else (60, 120)
    configure(AUTHSERVER_ACCESS_TOKEN_TTL=ttl[0], AUTHSERVER_REFRESH_TOKEN_TTL=ttl[1])
    tokens = obtain_tokens(live_server, world.mall_id, world.web)
    old = tokens["refresh_token"]
    assert_refresh_token(live_server, world, gateway, old, True)

    if way == "expired":
        travel(61)
        assert_refresh_token(live_server, world, gateway, old, False)
        assert_refused(refresh(live_server, world.mall_id, world.web, old))
        assert_access_token(live_server, world, gateway, tokens["access_token"], True)
        assert cleanup(app)["tokens"] == 0 and row_count(app) == 1  # the access side is live
        travel(60)
        assert cleanup(app)["tokens"] == 1 and row_count(app) == 0
    elif way == "revoked":
        answer = revoke(live_server, world.mall_id, world.web, old)
        assert (answer.status_code, answer.json()) == (200, {})
        assert_refresh_token(live_server, world, gateway, old, False)
        assert_refused(refresh(live_server, world.mall_id, world.web, old))
        assert cleanup(app)["tokens"] == 1 and row_count(app) == 0
    else:
        travel(30)  # the successor then outlives the rotated row by 30 s
        successor = refresh(live_server, world.mall_id, world.web, old)
        assert successor.status_code == 200, successor.text
        assert_refresh_token(live_server, world, gateway, old, False)
        assert_refresh_token(live_server, world, gateway, successor.json()["refresh_token"], True)
        travel(61)  # both access tokens are dead; both refresh tokens are live
        assert cleanup(app)["tokens"] == 0 and row_count(app) == 2
        travel(30)  # the rotated refresh token has expired; its successor has not
        assert cleanup(app)["tokens"] == 1 and row_count(app) == 1
        assert_refused(refresh(live_server, world.mall_id, world.web, old))
        latest = refresh(live_server, world.mall_id, world.web, successor.json()["refresh_token"])
        assert latest.status_code == 200, latest.text


def test_code_is_redeemable_rule(app, live_server, world, gateway, configure, travel):
    """``AuthorizationCode.unexpired``: the token endpoint redeems a code only before it
    expires (RFC 6749 §4.1.2); a used one stays as a tombstone until then, so a replay is
    refused and revokes its tokens (§10.5); cleanup deletes expired codes only, used or not."""
    configure(AUTHSERVER_CODE_TTL=60)
    browser = Browser(live_server, world.mall_id)
    browser.login()
    used = browser.authorize(world.web)["code"]
    tokens = exchange(live_server, world.mall_id, world.web, used).json()
    waiting = browser.authorize(world.web)["code"]  # consented before: straight back
    assert cleanup(app)["authorization_codes"] == 0

    assert_refused(exchange(live_server, world.mall_id, world.web, used))
    assert_access_token(live_server, world, gateway, tokens["access_token"], False)
    assert_refused(refresh(live_server, world.mall_id, world.web, tokens["refresh_token"]))

    travel(61)
    assert_refused(exchange(live_server, world.mall_id, world.web, waiting), "Code time expired")
    fresh = browser.authorize(world.web)["code"]
    assert cleanup(app)["authorization_codes"] == 2  # the tombstone and the expired one
    assert exchange(live_server, world.mall_id, world.web, fresh).status_code == 200


#: DESIGN.md, "Who may authorize": (test mall, installed mall, new mall) per status.
WHO_MAY_AUTHORIZE = {
    Status.IN_PRODUCTION: (True, False, False),
    Status.UNDER_REVIEW: (True, False, False),
    Status.REVIEW_REJECTED: (True, False, False),
    Status.FOR_SALE: (True, True, True),
    Status.SOLD: (False, True, False),  # the test mall has never installed it
}
MALLS = ("testmall", "installedmall", "newmall")


def authorize_verdict(response) -> bool:
    """``False`` for the rule's refusal; ``True`` for a page, a code or another error."""
    if response.status_code == 200:
        return True
    assert response.status_code in (302, 303), response.text[:300]
    return query_of(response.headers["Location"]).get("error") != "unauthorized_client"


@pytest.mark.parametrize("status", list(Status))
def test_app_may_authorize_rule(app, live_server, world, status):
    """``may_authorize`` has two users, both over the authorization endpoint: the request
    (consent page, or a code straight back when everything was consented before) and the
    consent decision, which is checked again when it arrives (the status may have moved)."""
    runner = app.test_cli_runner()

    def set_status(value: str) -> None:
        reason = ["--reason", "test"] if value == Status.REVIEW_REJECTED else []
        result = runner.invoke(args=["app", "status", world.web.client_id, str(value), *reason])
        assert result.exit_code == 0, result.output

    with app.app_context():
        add_mall("installedmall")
        add_mall("newmall")
    browsers = {mall: Browser(live_server, mall) for mall in MALLS}
    for browser in browsers.values():
        browser.login()
    set_status(Status.FOR_SALE)
    held = world.web.scopes[:2]  # installed with fewer scopes: asking for all shows a page
    browsers["installedmall"].authorize(world.web, scope=",".join(held))
    pages, forms = {}, {}
    for mall, browser in browsers.items():
        pages[mall] = browser.authorize_url(world.web)
        shown = browser.open_consent(pages[mall])
        assert shown.status_code == 200, mall
        forms[mall] = {"decision": "deny", "csrf_token": csrf_token(shown.text)}

    set_status(status)
    for mall, expected in zip(MALLS, WHO_MAY_AUTHORIZE[status], strict=True):
        assert expected == may_authorize(
            status,
            is_developers_test_mall=mall == "testmall",
            installed_on_mall=mall == "installedmall",
        )
        browser = browsers[mall]
        # The decision on the page shown while the app was for sale (deny: nothing changes).
        decided = browser.session.post(pages[mall], data=forms[mall], allow_redirects=False)
        assert authorize_verdict(decided) is expected, (mall, decided.headers.get("Location"))
        if expected:  # a sold app may not widen its installation (DESIGN.md): not a refusal
            denied = "invalid_scope" if status == Status.SOLD else "access_denied"
            assert query_of(decided.headers["Location"])["error"] == denied
        # A new request, for everything the app has and for what the mall already granted.
        asked = browser.get(browser.authorize_url(world.web))
        assert authorize_verdict(asked) is expected, (mall, asked.headers.get("Location"))
        if mall == "installedmall":
            again = browser.get(browser.authorize_url(world.web, scope=",".join(held)))
            assert authorize_verdict(again) is expected
            if expected:
                assert "code" in query_of(again.headers["Location"])


NOW = datetime(2026, 6, 1, 12, 0, 0)
SECOND, HOUR = timedelta(seconds=1), timedelta(hours=1)
#: Edge values: a second before, exactly at and a second after ``NOW``.
MOMENTS = (NOW - SECOND, NOW, NOW + SECOND)


def test_sql_and_python_sides_of_each_hybrid_agree(app_context, world):
    """Every hybrid rule, as a SQL condition on the database and as a Python test on the
    loaded rows, over every combination of edge values: the same rows."""
    app_pk = db.session.scalar(select(App.id).where(App.client_id == world.web.client_id))
    mall_pk = db.session.scalar(select(Mall.id).where(Mall.mall_id == world.mall_id))
    combinations = product(
        MOMENTS,  # access_expires_at
        (None, NOW - HOUR),  # access_revoked_at
        (True, False),  # a refresh token was issued
        (None, *MOMENTS),  # refresh_expires_at
        (None, NOW - HOUR),  # refresh_revoked_at
        (None, NOW - HOUR),  # rotated_at
    )
    for i, (
        access_expires,
        access_revoked,
        has_refresh,
        refresh_expires,
        refresh_revoked,
        rotated,
    ) in enumerate(combinations):
        db.session.add(
            Token(
                family_id=f"{i:032x}",
                app_pk=app_pk,
                mall_pk=mall_pk,
                user_id="owner",
                scope="mall.read_product",
                grant_scope="mall.read_product",
                access_token_hash=sha256_hex(f"access-{i}"),
                refresh_token_hash=sha256_hex(f"refresh-{i}") if has_refresh else None,
                issued_at=NOW - HOUR,
                access_expires_at=access_expires,
                refresh_expires_at=refresh_expires,
                access_revoked_at=access_revoked,
                refresh_revoked_at=refresh_revoked,
                rotated_at=rotated,
            )
        )
    for i, (expires, used) in enumerate(product(MOMENTS, (None, NOW - HOUR))):
        db.session.add(
            AuthorizationCode(
                code_hash=sha256_hex(f"code-{i}"),
                app_pk=app_pk,
                mall_pk=mall_pk,
                user_id="owner",
                redirect_uri=world.web.redirect_uri,
                scope="mall.read_product",
                created_at=NOW - HOUR,
                expires_at=expires,
                used_at=used,
            )
        )
    db.session.commit()
    db.session.expunge_all()  # the Python side reads the rows as the database returns them

    for model, rule in (
        (Token, "access_active"),
        (Token, "refresh_live"),
        (Token, "refresh_active"),
        (AuthorizationCode, "unexpired"),
    ):
        rows = db.session.scalars(select(model)).all()
        in_sql = set(db.session.scalars(select(model.id).where(getattr(model, rule)(NOW))))
        in_python = {row.id for row in rows if getattr(row, rule)(NOW)}
        assert in_sql == in_python, rule
        assert 0 < len(in_sql) < len(rows), rule  # the table turns the rule both ways
