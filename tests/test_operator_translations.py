"""Every operator page and every error an operator can meet, in Korean, has no English left:
the login (and its refusals), the consent page (and its expired, undecided and answered
requests), the installed apps, uninstall, launch refusals and every authorize error page with
its detail line. Only product names, ids, URLs and the seeded data may stay Latin."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
import requests

from .helpers import PASSWORD, Browser, csrf_token, exchange

#: Latin words a Korean page may show: the product and the protocol's own names.
ALLOWED_WORDS = {
    "authserver", "cafe24", "admin", "api", "client_id", "redirect_uri", "response_type", "code",
}  # fmt: skip
#: The seeded world's names (data, not the page's sentences).
DATA = ("Web App", "Other App", "Native App", "testmall", "owner", "dev")
#: Attributes a reader meets as text (screen readers, tooltips, placeholders).
TEXT_ATTRIBUTES = ("aria-label", "title", "placeholder", "alt")
IGNORED_ELEMENTS = {"script", "style", "code"}
VOID = {"meta", "link", "img", "input", "br", "hr", "wbr", "col", "source"}
LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z_'.-]*[A-Za-z]|[A-Za-z]")
URL = re.compile(r"(https?:)?//\S+|/[\w./?=&%-]+")


class _VisibleText(HTMLParser):
    """The text a reader sees or hears, without code, scripts and ``lang="en"`` parts (the
    language switch's "English" names itself in its own language, as it should)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.skipping: list[str] = []
        self.texts: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag in VOID:
            if not self.skipping:
                self.texts.extend(attributes[a] or "" for a in TEXT_ATTRIBUTES if a in attributes)
            return
        if self.skipping or tag in IGNORED_ELEMENTS or attributes.get("lang") == "en":
            self.skipping.append(tag)
            return
        self.texts.extend(attributes[a] or "" for a in TEXT_ATTRIBUTES if a in attributes)

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if self.skipping:
            self.skipping.pop()

    def handle_data(self, data):
        if not self.skipping:
            self.texts.append(data)


def english_left(html: str) -> list[str]:
    """The Latin words of a page once the allowed names, data, ids and URLs are taken out."""
    parser = _VisibleText()
    parser.feed(html)
    text = " ".join(parser.texts)
    for name in DATA:
        text = text.replace(name, " ")
    text = URL.sub(" ", text)
    words = LATIN_WORD.findall(text)
    return [w for w in words if w.lower() not in ALLOWED_WORDS and not re.search(r"\d", w)]


def assert_korean(response: requests.Response, *, status: int, where: str) -> None:
    assert response.status_code == status, (where, response.status_code, response.text[:300])
    assert '<html lang="ko">' in response.text, where
    assert english_left(response.text) == [], where


@pytest.fixture
def korean(live_server, world) -> Browser:
    """An operator's browser asking for Korean, logged in."""
    browser = Browser(live_server, world.mall_id)
    browser.session.headers["Accept-Language"] = "ko-KR,ko;q=0.9"
    assert browser.login().status_code == 303
    return browser


def test_the_checker_catches_english_and_spares_ids_urls_and_data():
    assert english_left("<p>상세: The redirect_uri is not registered for this app.</p>") == [
        "The", "is", "not", "registered", "for", "this", "app",
    ]  # fmt: skip
    assert english_left('<p title="Copy">복사</p>') == ["Copy"]
    clean = (
        "<p>Web App · testmall · <code>AbC123xyz</code> https://app.example/cb 상세</p>"
        '<a lang="en" href="/language/en">English</a><script>var x = "English";</script>'
    )
    assert english_left(clean) == []


def test_login_page_and_its_refusals_are_korean(live_server, world, configure):
    browser = Browser(live_server, world.mall_id)
    browser.session.headers["Accept-Language"] = "ko"
    login = browser.url(f"/malls/{world.mall_id}/admin/login")
    assert_korean(browser.get(login), status=200, where="login")
    assert_korean(browser.login(password="wrong"), status=400, where="wrong password")
    assert_korean(browser.login(user_id="", password=""), status=400, where="empty fields")
    configure(AUTHSERVER_AUTH_FAILURES_PER_ACCOUNT_AND_ADDRESS=1)
    browser.login(password="wrong")
    assert_korean(browser.login(), status=429, where="locked out")
    expired = browser.session.post(login, data={"user_id": "owner", "password": PASSWORD})
    assert_korean(expired, status=400, where="form without its CSRF token")


def test_consent_page_and_its_errors_are_korean(korean, world):
    url = korean.authorize_url(world.web)
    page = korean.get(url)
    assert_korean(page, status=200, where="consent")
    token = csrf_token(page.text)
    undecided = korean.session.post(url, data={"csrf_token": token}, allow_redirects=False)
    assert_korean(undecided, status=400, where="no decision")
    approved = korean.session.post(
        url, data={"csrf_token": token, "decision": "approve"}, allow_redirects=False
    )
    assert approved.status_code == 302
    again = korean.session.post(
        url, data={"csrf_token": token, "decision": "approve"}, allow_redirects=False
    )
    assert_korean(again, status=400, where="consent expired")


def test_consent_page_with_permissions_already_granted_is_korean(korean, world):
    korean.authorize(world.web, scope="mall.read_product")
    page = korean.get(korean.authorize_url(world.web))
    assert "<details>" in page.text  # the "already granted" list is on the page
    assert_korean(page, status=200, where="consent with granted permissions")


def test_installed_apps_uninstall_and_their_errors_are_korean(korean, world, live_server):
    base = f"/malls/{world.mall_id}/admin"
    assert_korean(korean.get(korean.url(f"{base}/apps")), status=200, where="no apps yet")
    query = korean.authorize(world.web)
    assert exchange(live_server, world.mall_id, world.web, query["code"]).status_code == 200
    assert_korean(korean.get(korean.url(f"{base}/apps")), status=200, where="installed apps")
    uninstall = korean.url(f"{base}/apps/{world.web.client_id}/uninstall")
    page = korean.get(uninstall)
    assert_korean(page, status=200, where="uninstall")
    done = korean.session.post(uninstall, data={"csrf_token": csrf_token(page.text)})
    assert_korean(done, status=200, where="uninstalled")
    for path, status in (
        (f"{base}/apps/{world.web.client_id}/uninstall", 404),  # no longer installed
        (f"{base}/apps/{world.web.client_id}/launch", 404),
        (f"{base}/nowhere", 404),
    ):
        assert_korean(korean.get(korean.url(path)), status=status, where=path)
    wrong_method = korean.session.delete(korean.url(f"{base}/apps"))
    assert_korean(wrong_method, status=405, where="wrong method")


@pytest.mark.parametrize(
    "change",
    [
        {"client_id": None},
        {"client_id": "nosuchapp"},
        {"redirect_uri": None},
        {"redirect_uri": "https://evil.example/cb"},
        {"response_type": "token", "redirect_uri": "https://evil.example/cb"},
    ],
    ids=["no-client", "unknown-client", "no-redirect", "unregistered-redirect", "response-type"],
)
def test_every_authorize_error_page_is_korean_detail_included(korean, world, change):
    page = korean.get(korean.authorize_url(world.web, **change))
    assert_korean(page, status=400, where=str(change))
    assert "상세:" in page.text


@pytest.mark.parametrize("name", ["client_id", "redirect_uri"])
def test_a_repeated_parameter_error_page_is_korean(korean, world, name):
    url = korean.authorize_url(world.web) + f"&{name}=again"
    page = korean.get(url)
    assert_korean(page, status=400, where=name)
    assert "여러 번" in page.text


def test_an_unknown_mall_is_a_korean_404(live_server):
    page = requests.get(
        f"{live_server}/malls/nosuchmall/admin/login", headers={"Accept-Language": "ko"}
    )
    assert_korean(page, status=404, where="unknown mall")
