"""The header of every page names the platform (``AUTHSERVER_PLATFORM_NAME``, default
``authserver``) and, on a mall's pages (the mall admin, consent, their error pages), the mall."""

from __future__ import annotations

import re

import requests

from .helpers import Browser


def brand(html: str) -> list[str]:
    match = re.search(r'<span class="brand">(.*?)</span>\s*<nav', html, re.S)
    assert match, "no brand in the header"
    return re.sub(r"<[^>]+>|\s+", " ", match.group(1)).split()


def title(html: str) -> str:
    return re.search(r"<title>(.*?)</title>", html, re.S).group(1)


def test_the_default_platform_name_heads_every_area(live_server, world):
    for path, area in (
        ("/developers/login", ["Developer", "Center"]),
        ("/review/login", ["Review", "console"]),
    ):
        html = requests.get(f"{live_server}{path}").text
        assert brand(html) == ["authserver", *area], path
        assert title(html).endswith(" · authserver")


def test_a_configured_platform_name_and_the_mall_on_mall_pages(live_server, world, configure):
    configure(AUTHSERVER_PLATFORM_NAME="Cafe24 Sandbox")
    operator = Browser(live_server, world.mall_id)
    login = operator.get(operator.url(f"/malls/{world.mall_id}/admin/login")).text
    assert brand(login) == ["Cafe24", "Sandbox", "·", "testmall", "·", "mall", "admin"]
    assert title(login).endswith(" · Cafe24 Sandbox")
    operator.login()
    consent = operator.get(operator.authorize_url(world.web)).text
    assert brand(consent)[:4] == ["Cafe24", "Sandbox", "·", "testmall"]
    error = operator.get(operator.authorize_url(world.web, redirect_uri="https://x.example/")).text
    assert error.count("request cannot be processed") == 2  # title and heading
    assert brand(error)[:4] == ["Cafe24", "Sandbox", "·", "testmall"]
    devcenter = requests.get(f"{live_server}/developers/login").text
    assert brand(devcenter) == ["Cafe24", "Sandbox", "Developer", "Center"]


def test_the_korean_mall_header_keeps_the_platform_and_mall_names(live_server, world):
    operator = Browser(live_server, world.mall_id)
    operator.session.headers["Accept-Language"] = "ko"
    login = operator.get(operator.url(f"/malls/{world.mall_id}/admin/login")).text
    assert brand(login) == ["authserver", "·", "testmall", "·", "쇼핑몰", "관리자"]
