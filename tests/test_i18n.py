"""Korean and English on the operator pages (Accept-Language, the language switch), English
everywhere else, and JSON answers untouched; the catalogue complete and compiled."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from authserver import scopes
from authserver.web.mall_admin.launch import verify_launch

from .helpers import Browser, csrf_token, exchange, query_of

ROOT = Path(__file__).resolve().parents[1]
CATALOGUE = ROOT / "authserver" / "translations" / "ko" / "LC_MESSAGES"


def lang_of(html: str) -> str:
    match = re.search(r'<html lang="([^"]+)"', html)
    assert match, "no <html lang>"
    return match.group(1)


@pytest.fixture
def operator(live_server, world) -> Browser:
    browser = Browser(live_server, world.mall_id)
    assert browser.login().status_code == 303
    return browser


def consent_page(browser: Browser, world, accept_language: str | None) -> requests.Response:
    headers = {"Accept-Language": accept_language} if accept_language else {}
    page = browser.get(browser.authorize_url(world.web), headers=headers)
    assert page.status_code == 200, page.text[:300]
    return page


def test_korean_browser_gets_the_consent_page_and_scope_labels_in_korean(operator, world):
    html = consent_page(operator, world, "ko-KR,ko;q=0.9,en-US;q=0.8").text
    assert lang_of(html) == "ko"
    for text in ("요청하는 권한", "동의하고 설치", "거부", "상품", "주문", "상점", "읽기 권한"):
        assert text in html
    assert "쓰기 권한 (등록, 수정, 삭제)" in html
    assert "Approve" not in html and "Products" not in html


@pytest.mark.parametrize("accept_language", ["en-US,en;q=0.9", None, "fr-FR,de;q=0.5"])
def test_english_or_unknown_or_missing_accept_language_is_english(operator, world, accept_language):
    html = consent_page(operator, world, accept_language).text
    assert lang_of(html) == "en"
    assert "Permissions requested" in html and "Approve" in html and "Products" in html
    assert "동의" not in html


def test_the_switch_overrides_accept_language_and_persists(operator, world, live_server):
    here = f"/malls/{world.mall_id}/admin/apps"
    switched = operator.get(f"{live_server}/language/ko?next={here}")
    assert switched.status_code == 303 and switched.headers["Location"] == here
    cookie = switched.headers["Set-Cookie"]
    assert cookie.startswith("lang=ko;") and "HttpOnly" in cookie and "SameSite=Lax" in cookie

    page = operator.get(f"{live_server}{here}", headers={"Accept-Language": "en"})
    assert lang_of(page.text) == "ko" and "설치된 앱" in page.text
    html = consent_page(operator, world, "en").text
    assert lang_of(html) == "ko" and "동의하고 설치" in html

    operator.get(f"{live_server}/language/en?next={here}")
    html = consent_page(operator, world, "ko").text
    assert lang_of(html) == "en" and "Approve" in html


def test_every_operator_page_shows_the_switch_back_to_itself(live_server, world):
    login = requests.get(f"{live_server}/malls/{world.mall_id}/admin/login?next=/x")
    assert 'nav class="language-switch" aria-label="Language"' in login.text
    assert f'href="/language/ko?next=%2Fmalls%2F{world.mall_id}%2Fadmin%2Flogin%3Fnext%3D%2Fx"' in (
        login.text
    )
    assert "<script" not in login.text  # the switch is plain links: nothing for the CSP to block


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example", "/\\evil"])
def test_the_switch_never_sends_the_browser_off_site(live_server, target):
    response = requests.get(
        f"{live_server}/language/ko", params={"next": target}, allow_redirects=False
    )
    assert response.status_code == 303 and response.headers["Location"] == "/"


def test_an_unknown_language_sets_nothing(live_server):
    response = requests.get(f"{live_server}/language/xx?next=/", allow_redirects=False)
    assert response.status_code == 303 and "Set-Cookie" not in response.headers


def test_korean_operator_login_and_errors(live_server, world):
    browser = Browser(live_server, world.mall_id)
    browser.session.headers["Accept-Language"] = "ko"
    page = browser.get(browser.url(f"/malls/{world.mall_id}/admin/login"))
    assert lang_of(page.text) == "ko"
    assert '<label for="user_id">운영자 아이디</label>' in page.text
    assert '<label for="password">비밀번호</label>' in page.text
    refused = browser.login(password="wrong")
    assert refused.status_code == 400
    assert "운영자 아이디 또는 비밀번호가 올바르지 않습니다." in refused.text
    empty = browser.login(user_id="", password="")
    assert empty.status_code == 400 and "이 항목은 필수입니다." in empty.text  # WTForms' Korean

    browser.login()
    missing = browser.get(browser.url(f"/malls/{world.mall_id}/admin/apps/nope/uninstall"))
    assert missing.status_code == 404 and "설치되지 않은 앱" in missing.text
    unknown = browser.get(browser.url(f"/malls/{world.mall_id}/admin/nowhere"))
    assert unknown.status_code == 404 and "페이지를 찾을 수 없음" in unknown.text
    bad = browser.get(browser.url(f"/malls/{world.mall_id}/api/v2/oauth/authorize?client_id=x"))
    assert bad.status_code == 400 and "앱의 요청을 처리할 수 없습니다" in bad.text
    assert lang_of(bad.text) == "ko"


def test_korean_uninstall_and_launch(operator, world, live_server):
    query = operator.authorize(world.web)
    assert exchange(live_server, world.mall_id, world.web, query["code"]).status_code == 200
    operator.session.headers["Accept-Language"] = "ko-KR"
    uninstall = operator.url(f"/malls/{world.mall_id}/admin/apps/{world.web.client_id}/uninstall")

    launch = operator.url(f"/malls/{world.mall_id}/admin/apps/{world.web.client_id}/launch")
    launched = operator.get(launch)
    assert launched.status_code == 302
    assert query_of(launched.headers["Location"])["lang"] == "ko"
    assert verify_launch(launched.headers["Location"], world.web.client_secret)

    page = operator.get(uninstall)
    assert "Web App 앱을 삭제할까요?" in page.text
    assert "<strong>testmall</strong>에 접근할 수 없게 됩니다" in page.text
    done = operator.session.post(uninstall, data={"csrf_token": csrf_token(page.text)})
    assert "Web App 앱을 삭제했습니다." in done.text
    assert "이 쇼핑몰에 설치된 앱이 아직 없습니다." in done.text


def test_developer_center_and_review_stay_english(live_server):
    for path in ("/developers/login", "/developers/signup", "/review/login"):
        response = requests.get(
            f"{live_server}{path}", headers={"Accept-Language": "ko"}, cookies={"lang": "ko"}
        )
        assert lang_of(response.text) == "en", path
        assert "본문 바로가기" not in response.text and "language-switch" not in response.text


def test_oauth_json_errors_stay_english(operator, world, live_server):
    korean = {"Accept-Language": "ko"}
    token = requests.post(
        f"{live_server}/malls/{world.mall_id}/api/v2/oauth/token",
        data={"grant_type": "authorization_code", "code": "nope", "redirect_uri": "x"},
        auth=(world.web.client_id, world.web.client_secret),
        headers=korean,
        cookies={"lang": "ko"},
    )
    assert token.status_code == 400
    assert set(token.json()) == {"error", "error_description"}
    assert token.json()["error"] == "invalid_grant" and token.json()["error_description"].isascii()

    operator.session.cookies.set("lang", "ko")
    redirect = operator.get(operator.authorize_url(world.web, scope="mall.read_customer"))
    error = query_of(redirect.headers["Location"])
    assert error["error"] == "invalid_scope" and error["error_description"].isascii()

    api = requests.get(f"{live_server}/malls/{world.mall_id}/api/v2/admin/products", headers=korean)
    assert api.status_code == 401 and api.json()["error"]["message"].isascii()


def test_every_category_label_and_description_is_translated():
    with (CATALOGUE / "messages.mo").open("rb") as mo:
        catalogue = {message.id: message.string for message in read_mo(mo) if message.id}
    for category in scopes.CATEGORIES:
        for text in (category.label, category.covers):
            assert catalogue.get(text), f"no Korean for {text!r}"
            assert not catalogue[text].isascii()


def test_the_catalogue_is_complete_and_the_mo_is_compiled_from_the_po(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", "-F",
         str(ROOT / "authserver/translations/babel.cfg"), "-k", "N_", "-k", "_l",
         "--no-location", "-o", str(pot), str(ROOT)],
        check=True, cwd=ROOT,
    )  # fmt: skip
    with pot.open("rb") as template:
        wanted = {message.id for message in read_po(template) if message.id}
    with (CATALOGUE / "messages.po").open("rb") as source:
        po = {m.id: m for m in read_po(source) if m.id}
    with (CATALOGUE / "messages.mo").open("rb") as compiled:
        mo = {m.id: m.string for m in read_mo(compiled) if m.id}

    assert wanted - set(po) == set(), "strings missing from the .po: run make translations"
    assert [mid for mid, m in po.items() if not m.string or m.fuzzy] == []
    assert mo == {mid: m.string for mid, m in po.items() if mid in wanted}, (
        "the .mo is stale: run make translations"
    )
