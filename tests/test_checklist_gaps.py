"""Checklist items without a test elsewhere (tests/SECURITY_MATRIX.md): empty parameters are
omitted (item 4), and TLS behind a trusted proxy (item 40, I10)."""

from __future__ import annotations

from authserver import create_app
from authserver.extensions import db

from .helpers import Browser, query_of
from .servers import TEST_ENCRYPTION_KEY


def test_parameters_without_a_value_are_treated_as_omitted(live_server, world):
    """Item 4 (RFC 6749 §3.1): ``code_challenge=`` is no challenge, ``state=`` no state,
    and an empty ``scope`` is a missing scope."""
    browser = Browser(live_server, world.mall_id)
    browser.login()
    page = browser.get(browser.authorize_url(world.web, code_challenge="", foo=""))
    assert page.status_code == 200 and 'name="decision"' in page.text
    answer = browser.authorize(world.web, state="", code_challenge="", code_challenge_method="")
    assert "code" in answer and "state" not in answer
    missing = browser.get(browser.authorize_url(world.web, scope=""))
    assert missing.status_code == 302
    assert query_of(missing.headers["Location"])["error"] in ("invalid_scope", "invalid_request")


def test_tls_behind_one_trusted_proxy(app, world):
    """Item 40 / I10 with ``AUTHSERVER_PROXY_HOPS=1``: what the proxy says about the scheme is
    believed; plain http is upgraded (GET) or refused (POST); https gets HSTS."""
    proxied = create_app(
        {
            "AUTHSERVER_DATABASE_URL": app.config["AUTHSERVER_DATABASE_URL"],
            "AUTHSERVER_SECRET_KEY": "test-secret-key",
            "AUTHSERVER_ENCRYPTION_KEYS": TEST_ENCRYPTION_KEY,
            "AUTHSERVER_PROXY_HOPS": 1,
            # Issue 16 item 5: without an issuer, only a trusted Host names one.
            "AUTHSERVER_TRUSTED_HOSTS": ["auth.example.com"],
        }
    )
    client = proxied.test_client()
    host = {"Host": "auth.example.com"}
    base = f"/malls/{world.mall_id}/api/v2/oauth"
    try:
        plain = {**host, "X-Forwarded-Proto": "http", "X-Forwarded-For": "203.0.113.1"}
        upgraded = client.get(f"{base}/authorize?client_id=x", headers=plain)
        assert upgraded.status_code == 301
        assert upgraded.headers["Location"].startswith("https://auth.example.com/")
        refused = client.post(f"{base}/token", data={"grant_type": "refresh_token"}, headers=plain)
        assert refused.status_code == 400
        assert "https" in refused.json["error_description"]
        assert "Strict-Transport-Security" not in refused.headers

        secure = {**host, "X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.1"}
        answer = client.post(f"{base}/token", data={"grant_type": "refresh_token"}, headers=secure)
        assert answer.status_code == 400 and "https" not in answer.json["error_description"]
        hsts = answer.headers["Strict-Transport-Security"]
        assert int(hsts.split("max-age=")[1].split(";")[0]) >= 31536000
        page = client.get(f"/malls/{world.mall_id}/admin/login", headers=secure)
        assert "Strict-Transport-Security" in page.headers
    finally:
        with proxied.app_context():
            db.engine.dispose()
