"""Browser-facing hardening on every HTML page (SECURITY.md 31, 33, 34, 36, 37, 40 and item 6;
issue 5 point 6): headers, no inline script, CSRF on every form, no open redirect through
``next=``, the session rotated at every login, cookies per DESIGN.md's Configuration."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from authserver import create_app
from authserver.extensions import db
from authserver.models import App

from .devcenter import REVIEWER, add_reviewer, log_in
from .helpers import PASSWORD, csrf_token
from .servers import TEST_ENCRYPTION_KEY

#: GET endpoints that are not HTML pages (JSON, images, redirects, the Admin API).
NOT_PAGES = {
    "static",
    "oauth_metadata.metadata",
    "admin_api.dispatch",
    "icons.app_icon",
    "ops.healthz",
    "ops.readyz",
    "mall_admin.launch",
    "i18n.switch",  # sets the language cookie and redirects (tests/test_i18n.py)
    "gateway.check",  # JSON-less yes/no for nginx (tests/test_gateway_check.py)
    "openapi.openapi_json",  # JSON (tests/test_openapi.py)
    "jwks.jwks",  # JSON (tests/test_jwt_access_tokens.py)
}
#: POST endpoints that take no cookie, so no CSRF token: bearer tokens or client credentials.
CSRF_EXEMPT = {
    "oauth_endpoints.token",
    "oauth_endpoints.introspect",
    "oauth_endpoints.revoke",
    "admin_api.dispatch",
}


class _Scan(HTMLParser):
    """Collects inline scripts, on*= handlers and every URL the page points at."""

    def __init__(self):
        super().__init__()
        self.inline_scripts = 0
        self.handlers: list[str] = []
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "script" and not attributes.get("src"):
            self.inline_scripts += 1
        self.handlers += [name for name, _ in attrs if name.lower().startswith("on")]
        self.urls += [value or "" for name, value in attrs if name in ("src", "href", "action")]
        if tag == "a" and (attributes.get("href") or "").lower().startswith("javascript:"):
            self.handlers.append("javascript: link")


def _logged_in(app, world) -> dict[str, FlaskClient]:
    """Browsers of the three kinds of account; the operator has installed the web app."""
    with app.app_context():
        add_reviewer()
    developer, reviewer, operator = app.test_client(), app.test_client(), app.test_client()
    log_in(developer, world.developer)
    log_in(reviewer, REVIEWER, area="review")
    login = f"/malls/{world.mall_id}/admin/login"
    token = csrf_token(operator.get(login).get_data(as_text=True))
    operator.post(login, data={"user_id": "owner", "password": PASSWORD, "csrf_token": token})
    return {"developer": developer, "reviewer": reviewer, "operator": operator}


def _authorize_query(world) -> str:
    return (
        f"/malls/{world.mall_id}/api/v2/oauth/authorize?response_type=code"
        f"&client_id={world.web.client_id}&redirect_uri={world.web.redirect_uri}"
        f"&scope=mall.read_product&state=s"
    )


def _install(operator: FlaskClient, world) -> None:
    url = _authorize_query(world)
    page = operator.get(url)
    operator.post(url, data={"decision": "approve", "csrf_token": csrf_token(page.get_data(True))})


def _pages(app, world) -> list[tuple[str, str, str]]:
    """(endpoint, browser, path) for every HTML page, errors included."""
    web, mall = world.web.client_id, world.mall_id
    dev = "/developers/apps/" + web
    return [
        ("developer_center.landing", "anonymous", "/developers/"),
        ("developer_center.signup", "anonymous", "/developers/signup"),
        ("developer_center.login", "anonymous", "/developers/login"),
        ("review.login", "anonymous", "/review/login"),
        ("mall_admin.login", "anonymous", f"/malls/{mall}/admin/login"),
        ("developer_center.apps", "developer", "/developers/apps"),
        ("developer_center.new_app", "developer", "/developers/apps/new"),
        ("developer_center.app_created", "developer", dev + "/created"),
        ("developer_center.app_overview", "developer", dev),
        ("developer_center.basic_info", "developer", dev + "/basic"),
        ("developer_center.permissions", "developer", dev + "/permissions"),
        ("developer_center.credentials", "developer", dev + "/credentials"),
        ("developer_center.reissue", "developer", dev + "/credentials/reissue"),
        ("developer_center.status", "developer", dev + "/status"),
        ("developer_center.delete", "developer", dev + "/delete"),
        ("developer_center.test_malls", "developer", "/developers/test-malls"),
        ("developer_center.account", "developer", "/developers/account"),
        ("review.queue", "reviewer", "/review/"),
        ("review.audit_trail", "reviewer", "/review/audit"),
        ("review.app_detail", "reviewer", f"/review/apps/{web}"),
        ("review.delete", "reviewer", f"/review/apps/{web}/delete"),
        ("mall_admin.apps", "operator", f"/malls/{mall}/admin/apps"),
        ("mall_admin.uninstall", "operator", f"/malls/{mall}/admin/apps/{web}/uninstall"),
        (
            "oauth.authorize",
            "operator",
            _authorize_query(world).replace("mall.read_product", "mall.read_order"),
        ),
        ("error: authorization", "operator", _authorize_query(world).replace(web, "unknown")),
        ("landing.index", "anonymous", "/"),
        ("guides.index", "anonymous", "/developers/guides/"),
        ("guides.authentication", "anonymous", "/developers/guides/authentication"),
        ("guides.api", "anonymous", "/developers/guides/api"),
        ("guides.reference", "anonymous", "/developers/guides/api-reference"),
        ("error: not found", "anonymous", "/malls/nosuchmall/admin/login"),
        ("error: forbidden", "developer", f"/review/apps/{web}"),
    ]


def test_every_html_page_is_hardened(app, world):
    browsers = {"anonymous": app.test_client(), **_logged_in(app, world)}
    _install(browsers["operator"], world)
    pages = _pages(app, world)
    get_endpoints = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if "GET" in rule.methods and rule.endpoint not in NOT_PAGES
    }
    assert get_endpoints <= {endpoint for endpoint, _, _ in pages}, "a page is not checked"
    for endpoint, who, path in pages:
        response = browsers[who].get(path)
        assert response.mimetype == "text/html", (endpoint, response.status_code)
        assert response.status_code < 500, endpoint
        headers = response.headers
        csp = headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp, endpoint
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
        assert headers["X-Frame-Options"] == "DENY", endpoint
        assert headers["Referrer-Policy"] == "no-referrer", endpoint
        assert headers["X-Content-Type-Options"] == "nosniff"
        scan = _Scan()
        scan.feed(response.get_data(as_text=True))
        assert scan.inline_scripts == 0, f"inline <script> on {endpoint}"
        assert not scan.handlers, f"event handler attributes {scan.handlers} on {endpoint}"
        foreign = [url for url in scan.urls if urlsplit(url).netloc not in ("", "localhost")]
        # The only foreign URLs allowed: the app's own URL on developer/review pages.
        assert all(url.startswith("https://app.example") for url in foreign), (endpoint, foreign)
        if endpoint in ("oauth.authorize", "mall_admin.login", "developer_center.login"):
            assert not foreign, endpoint  # RFC 9700 §4.2.4


def test_hsts_only_over_https(app):
    plain = app.test_client().get("/developers/login")
    assert "Strict-Transport-Security" not in plain.headers
    secure = app.test_client().get("/developers/login", base_url="https://localhost")
    max_age = re.search(r"max-age=(\d+)", secure.headers["Strict-Transport-Security"])
    assert max_age and int(max_age.group(1)) >= 31536000


def test_no_cors_anywhere(app, world):
    """Item 36: no Access-Control-* header at the authorization endpoint (nor elsewhere)."""
    origin = {"Origin": "https://evil.example"}
    client = app.test_client()
    for method, path in [
        ("GET", _authorize_query(world)),
        ("OPTIONS", _authorize_query(world)),
        ("POST", f"/malls/{world.mall_id}/api/v2/oauth/token"),
        ("OPTIONS", f"/malls/{world.mall_id}/api/v2/oauth/token"),
    ]:
        response = client.open(path, method=method, headers=origin)
        cors = [name for name, _ in response.headers.items() if name.lower().startswith("access")]
        assert not cors, (method, path, cors)


def _table_state(app) -> list:
    with app.app_context():
        db.session.expire_all()
        return [
            sorted(map(repr, db.session.execute(select(table)).all()))
            for table in db.metadata.sorted_tables
        ]


def _posts(world) -> list[tuple[str, str, str, dict]]:
    web, mall = world.web.client_id, world.mall_id
    dev = "/developers/apps/" + web
    review = "/review/apps/" + web
    credentials = {"email": world.developer, "password": PASSWORD}
    return [
        ("oauth.authorize_decision", "operator", _authorize_query(world), {"decision": "approve"}),
        ("mall_admin.login", "anonymous", f"/malls/{mall}/admin/login", {"user_id": "owner"}),
        ("mall_admin.logout", "operator", f"/malls/{mall}/admin/logout", {}),
        ("mall_admin.uninstall", "operator", f"/malls/{mall}/admin/apps/{web}/uninstall", {}),
        ("developer_center.signup", "anonymous", "/developers/signup", credentials),
        ("developer_center.login", "anonymous", "/developers/login", credentials),
        ("developer_center.logout", "developer", "/developers/logout", {}),
        ("developer_center.new_app", "developer", "/developers/apps/new", {"name": "X"}),
        ("developer_center.basic_info", "developer", dev + "/basic", {"name": "Renamed"}),
        ("developer_center.permissions", "developer", dev + "/permissions", {}),
        ("developer_center.reissue", "developer", dev + "/credentials/reissue", {"confirm": "y"}),
        ("developer_center.submit", "developer", dev + "/submit", {}),
        ("developer_center.delete", "developer", dev + "/delete", {"confirm": "y"}),
        ("developer_center.test_malls", "developer", "/developers/test-malls", {"mall_id": "n"}),
        ("developer_center.account", "developer", "/developers/account", {"display_name": "N"}),
        ("review.login", "anonymous", "/review/login", {"email": REVIEWER, "password": PASSWORD}),
        ("review.logout", "reviewer", "/review/logout", {}),
        ("review.approve", "reviewer", review + "/approve", {}),
        ("review.reject", "reviewer", review + "/reject", {"reason": "no"}),
        ("review.mark_sold", "reviewer", review + "/sold", {}),
        ("review.delete", "reviewer", review + "/delete", {"confirm": "y"}),
    ]


def test_every_form_refuses_a_post_without_its_csrf_token(app, world):
    browsers = {"anonymous": app.test_client(), **_logged_in(app, world)}
    _install(browsers["operator"], world)
    browsers["operator"].get(_authorize_query(world).replace("read_product", "read_order"))
    posts = _posts(world)
    post_endpoints = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if "POST" in rule.methods and rule.endpoint not in CSRF_EXEMPT
    }
    assert post_endpoints == {endpoint for endpoint, _, _, _ in posts}, "a form is not checked"
    before = _table_state(app)
    for endpoint, who, path, data in posts:
        for token in (None, "forged-token"):
            sent = {**data, "csrf_token": token} if token else data
            response = browsers[who].post(path, data=sent)
            assert response.status_code == 400, (endpoint, response.status_code)
            assert "Form expired" in response.get_data(as_text=True), endpoint
            assert "Location" not in response.headers
    assert _table_state(app) == before, "a refused form changed the database"
    with app.app_context():
        assert db.session.scalar(select(App).where(App.client_id == world.web.client_id))


EVIL_NEXT = [
    "https://evil.example/",
    "//evil.example/",
    "/\\evil.example",
    "\\\\evil.example",
    "https:evil.example",
    "/%09/evil.example",
    "\t//evil.example",
    "javascript:alert(1)",
    "http://localhost@evil.example/",
    "///evil.example",
]


@pytest.mark.parametrize("kind", ["operator", "developer", "reviewer"])
def test_no_open_redirect_through_next(app, world, kind):
    with app.app_context():
        add_reviewer()
    if kind == "operator":
        url = f"/malls/{world.mall_id}/admin/login"
        fields = {"user_id": "owner", "password": PASSWORD}
    else:
        url = "/developers/login" if kind == "developer" else "/review/login"
        fields = {"email": world.developer if kind == "developer" else REVIEWER}
        fields["password"] = PASSWORD
    for target in EVIL_NEXT:
        browser = app.test_client()
        page = browser.get(url, query_string={"next": target}).get_data(as_text=True)
        data = {**fields, "next": target, "csrf_token": csrf_token(page)}
        response = browser.post(url, data=data)
        assert response.status_code == 303, (target, response.status_code)
        location = urlsplit(response.headers["Location"])
        assert location.netloc in ("", "localhost"), (kind, target, location)
        assert location.path.startswith("/") and not location.path.startswith("//")


@pytest.mark.parametrize("kind", ["operator", "developer", "reviewer"])
def test_every_login_rotates_the_session(app, world, kind):
    """Item 37: nothing from before the login survives it (the CSRF secret is new, so a form
    token handed out before the login is refused after it)."""
    with app.app_context():
        add_reviewer()
    browser = app.test_client()
    if kind == "operator":
        url, fields = f"/malls/{world.mall_id}/admin/login", {"user_id": "owner"}
        logout = f"/malls/{world.mall_id}/admin/logout"
    else:
        area = "developers" if kind == "developer" else "review"
        url, logout = f"/{area}/login", f"/{area}/logout"
        fields = {"email": world.developer if kind == "developer" else REVIEWER}
    old_token = csrf_token(browser.get(url).get_data(as_text=True))
    with browser.session_transaction() as session:
        old_secret = session["csrf_token"]
    response = browser.post(url, data={**fields, "password": PASSWORD, "csrf_token": old_token})
    assert response.status_code == 303
    cookie = response.headers.get("Set-Cookie", "")
    assert cookie.startswith("authserver_session=")
    with browser.session_transaction() as session:
        assert session.get("csrf_token") != old_secret
    assert browser.post(logout, data={"csrf_token": old_token}).status_code == 400


def test_cookies_are_secure_when_the_issuer_is_https(app, world):
    secure_app = create_app(
        {
            "AUTHSERVER_DATABASE_URL": app.config["AUTHSERVER_DATABASE_URL"],
            "AUTHSERVER_SECRET_KEY": "test-secret-key",
            "AUTHSERVER_ENCRYPTION_KEYS": TEST_ENCRYPTION_KEY,
            "AUTHSERVER_ISSUER": "https://as.example",
        }
    )
    browser = secure_app.test_client()
    url = f"/malls/{world.mall_id}/admin/login"
    page = browser.get(url, base_url="https://as.example")
    cookie = page.headers["Set-Cookie"]
    attributes = [part.strip().lower() for part in cookie.split(";")]
    assert {"secure", "httponly", "samesite=lax"} <= set(attributes), cookie
    with secure_app.app_context():
        db.engine.dispose()
    plain = app.test_client().get(url).headers["Set-Cookie"].lower()
    assert "httponly" in plain and "samesite=lax" in plain and "secure" not in plain
