"""Every Developer Center and review page: labels bound to inputs, where-you-are navigation,
no inline script, clickjacking headers, the viewport for phones, one stylesheet."""

from __future__ import annotations

import re

import pytest

from .devcenter import text

DEVELOPER_PAGES = [
    "/developers/apps",
    "/developers/apps/new",
    "/developers/test-malls",
    "/developers/apps/{cid}/basic",
    "/developers/apps/{cid}/permissions",
    "/developers/apps/{cid}/credentials",
    "/developers/apps/{cid}/credentials/reissue",
    "/developers/apps/{cid}/status",
    "/developers/apps/{cid}/delete",
    "/developers/apps/{cid}/created",
]


def check_page(html: str) -> None:
    assert '<meta name="viewport"' in html
    assert html.count('rel="stylesheet"') == 1
    assert not re.search(r"<script(?![^>]*\bsrc=)", html), "inline script"
    assert not re.search(r'\son[a-z]+="', html), "inline event handler"
    assert 'aria-current="page"' in html
    for tag in re.findall(r"<(?:input|textarea|select)\b[^>]*>", html):
        if re.search(r'type="(hidden|submit)"', tag):
            continue
        field_id = re.search(r'\bid="([^"]+)"', tag)
        assert field_id, tag
        assert f'for="{field_id.group(1)}"' in html or re.search(
            rf"<label[^>]*>\s*{re.escape(tag)}", html
        ), f"no label for {tag}"


@pytest.mark.parametrize("path", DEVELOPER_PAGES)
def test_developer_pages(developer_client, world, path):
    response = developer_client.get(path.format(cid=world.web.client_id))
    assert response.status_code == 200
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Cache-Control"] == "no-store"
    check_page(text(response))


@pytest.mark.parametrize("path", ["/developers/login", "/developers/signup"])
def test_account_pages(client, path):
    response = client.get(path)
    check_page(text(response))


@pytest.mark.parametrize("path", ["/review/", "/review/apps/{cid}", "/review/apps/{cid}/delete"])
def test_review_pages(reviewer_client, world, path):
    response = reviewer_client.get(path.format(cid=world.web.client_id))
    assert response.status_code == 200
    check_page(text(response))


def test_tabs_show_where_you_are(developer_client, world):
    page = text(developer_client.get(f"/developers/apps/{world.web.client_id}/permissions"))
    tabs = re.search(r'<nav class="tabs".*?</nav>', page, re.S).group(0)
    assert re.search(r'permissions" aria-current="page">Permissions<', tabs)
    assert tabs.count('aria-current="page"') == 1


def test_stylesheet_has_focus_and_phone_rules(client):
    css = client.get("/static/style.css").get_data(as_text=True)
    assert ":focus-visible" in css
    assert "@media (max-width: 640px)" in css
