"""The signed launch (DESIGN.md "Launch"): the test vector, and a real launch verified as an
app would verify it."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
import requests

from authserver.extensions import db
from authserver.models import App
from authserver.web.mall_admin.launch import launch_message, launch_url, sign_launch, verify_launch

from .helpers import Browser, add_mall

VECTOR_SECRET = "S3cr3tS3cr3tS3cr3tS3cr3t"
VECTOR_PARAMS = {
    "lang": "en",
    "mall_id": "yourmall",
    "shop_no": "1",
    "timestamp": "1796000000",
    "user_id": "owner",
    "user_type": "P",
}
VECTOR_MESSAGE = "lang=en&mall_id=yourmall&shop_no=1&timestamp=1796000000&user_id=owner&user_type=P"
VECTOR_HMAC = "YxJQLEVs7PoADPXke4a0thpzoPVWl1xNZvOgxDD9iXg="


def test_design_test_vector():
    assert launch_message(VECTOR_PARAMS) == VECTOR_MESSAGE
    assert urlencode(sorted(VECTOR_PARAMS.items())) == VECTOR_MESSAGE
    assert sign_launch(VECTOR_PARAMS, VECTOR_SECRET) == VECTOR_HMAC


def test_vector_url_verifies_and_goes_stale():
    url = launch_url("https://app.example/open", VECTOR_PARAMS, VECTOR_SECRET)
    assert "hmac=YxJQLEVs7PoADPXke4a0thpzoPVWl1xNZvOgxDD9iXg%3D" in url
    assert verify_launch(url, VECTOR_SECRET, now=1796000000 + 299)
    assert not verify_launch(url, VECTOR_SECRET, now=1796000000 + 301)
    assert not verify_launch(url, "another secret", now=1796000000)
    assert verify_launch(dict(parse_qsl(urlsplit(url).query)), VECTOR_SECRET, now=1796000000)


@pytest.fixture
def browser(live_server, world) -> Browser:
    browser = Browser(live_server, world.mall_id)
    browser.login()
    browser.authorize(world.web)  # installs the app
    return browser


def _launch(browser: Browser, client_id: str) -> requests.Response:
    return browser.get(browser.url(f"/malls/{browser.mall_id}/admin/apps/{client_id}/launch"))


def app_side_verify(location: str, secret: str, max_age: int = 300) -> dict[str, str]:
    """What an app does, written from DESIGN.md alone (not with the server's own launch code)."""
    pairs = parse_qsl(urlsplit(location).query, keep_blank_values=True)
    params = dict(pairs)
    received = params.pop("hmac")
    signed = {k: params[k] for k in ("lang", "mall_id", "shop_no", "timestamp", "user_id")}
    signed["user_type"] = params["user_type"]
    message = urlencode(sorted(signed.items()))
    expected = base64.b64encode(
        hmac.new(secret.encode(), message.encode(), hashlib.sha256).digest()
    ).decode()
    assert hmac.compare_digest(expected, received), "hmac mismatch"
    assert time.time() - int(signed["timestamp"]) <= max_age, "stale launch"
    return signed


def test_real_launch_verifies_as_an_app_would(live_server, world, browser):
    response = _launch(browser, world.web.client_id)
    assert response.status_code == 302
    assert response.headers["Cache-Control"] == "no-store"
    location = response.headers["Location"]
    assert location.startswith("https://app.example/?")
    signed = app_side_verify(location, world.web.client_secret)
    assert signed["mall_id"] == world.mall_id
    assert signed["user_id"] == "owner"
    assert signed["shop_no"] == "1"
    assert signed["lang"] == "en"
    assert signed["user_type"] == "P"
    assert abs(int(signed["timestamp"]) - time.time()) < 30
    assert verify_launch(location, world.web.client_secret)


def test_app_refuses_stale_or_tampered_launch(live_server, world, browser):
    location = _launch(browser, world.web.client_id).headers["Location"]
    secret = world.web.client_secret
    assert not verify_launch(location, secret, now=time.time() + 301)
    with pytest.raises(AssertionError, match="stale"):
        app_side_verify(location, secret, max_age=-1)
    tampered = location.replace("user_id=owner", "user_id=admin")
    assert not verify_launch(tampered, secret)
    with pytest.raises(AssertionError, match="mismatch"):
        app_side_verify(tampered, secret)
    assert not verify_launch(location, world.other_web.client_secret)
    repeated = location + "&user_id=owner"
    assert not verify_launch(repeated, secret)


def test_existing_query_of_the_app_url_is_kept(live_server, world, browser, app):
    with app.app_context():
        row = db.session.scalar(db.select(App).where(App.client_id == world.web.client_id))
        row.app_url = "https://app.example/launch?tenant=7&lang=ko"
        db.session.commit()
    location = _launch(browser, world.web.client_id).headers["Location"]
    assert location.startswith("https://app.example/launch?tenant=7&")
    pairs = parse_qsl(urlsplit(location).query)
    assert [name for name, _ in pairs].count("lang") == 1
    assert dict(pairs)["lang"] == "en"
    assert verify_launch(location, world.web.client_secret)


def test_native_app_launch_is_signed_with_its_app_secret(live_server, world, browser):
    from .helpers import pkce_pair

    _, challenge = pkce_pair()
    browser.authorize(world.native, code_challenge=challenge, code_challenge_method="S256")
    location = _launch(browser, world.native.client_id).headers["Location"]
    assert verify_launch(location, world.native.client_secret)


def test_launch_requires_the_operator_login(live_server, world, browser):
    anonymous = requests.get(
        f"{live_server}/malls/{world.mall_id}/admin/apps/{world.web.client_id}/launch",
        allow_redirects=False,
    )
    assert anonymous.status_code == 302
    assert "/admin/login" in anonymous.headers["Location"]
    assert "hmac" not in anonymous.headers["Location"]


def test_launch_of_an_app_not_installed_here_is_404(live_server, world, browser, app):
    assert _launch(browser, world.other_web.client_id).status_code == 404
    assert _launch(browser, "nosuchapp").status_code == 404
    with app.app_context():
        add_mall("othermall")
    other = Browser(live_server, "othermall")
    other.login()
    # Installed on testmall, not on othermall: the other mall's operator cannot open it.
    assert _launch(other, world.web.client_id).status_code == 404


def test_readme_snippet_verifies_a_real_launch(live_server, world, browser):
    """The verification code documented in docs/oauth.md "Launch" works as printed."""
    import pathlib
    import re

    doc = (pathlib.Path(__file__).parents[1] / "docs" / "oauth.md").read_text()
    section = doc.split("## Launch", 1)[1]
    snippet = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    namespace: dict = {}
    exec(compile(snippet, "docs/oauth.md", "exec"), namespace)  # noqa: S102 - our own docs
    location = _launch(browser, world.web.client_id).headers["Location"]
    assert namespace["verify_launch"](location, world.web.client_secret)
    assert not namespace["verify_launch"](location, world.other_web.client_secret)
    assert not namespace["verify_launch"](location, world.web.client_secret, max_age=-5)
