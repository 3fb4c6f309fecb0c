"""The front page ``/`` over HTTP: a small page of links (the Developer Center, the guides,
the API reference, a mall's metadata, the health checks), every one of which answers."""

from __future__ import annotations

import requests

from .helpers import add_mall
from .page_parts import Page

LINKS = (
    "/developers/",
    "/developers/guides/",
    "/developers/guides/authentication",
    "/developers/guides/api",
    "/developers/guides/api-reference",
    "/openapi.json",
    "/healthz",
    "/readyz",
)


def test_the_front_page_links_where_a_newcomer_goes(live_server):
    response = requests.get(live_server + "/", allow_redirects=False)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    assert response.headers["Content-Security-Policy"].startswith("default-src 'self'")
    page = Page(response.text)
    for link in LINKS:
        assert link in page.links, link
    for link in set(page.links):
        if link.startswith("/") and not link.startswith("/language/"):
            assert requests.get(live_server + link).status_code == 200, link
    # without the demo mall, the page names the pattern and links no mall
    assert "/malls/&lt;mall_id&gt;/.well-known/oauth-authorization-server" in response.text
    assert not [link for link in page.links if link.startswith("/malls/")]


def test_the_front_page_links_the_demo_malls_metadata(app, live_server):
    with app.app_context():
        add_mall("demomall")
    page = Page(requests.get(live_server + "/").text)
    metadata = "/malls/demomall/.well-known/oauth-authorization-server"
    assert metadata in page.links
    answer = requests.get(live_server + metadata)
    assert answer.status_code == 200
    assert answer.json()["issuer"] == f"{live_server}/malls/demomall"
    assert "/malls/demomall/.well-known/jwks.json" in page.links
    assert requests.get(live_server + "/malls/demomall/.well-known/jwks.json").status_code == 200


def test_the_front_page_uses_the_shared_layout(live_server):
    html = requests.get(live_server + "/").text
    assert '<a class="skip-link" href="#main">' in html  # base.html
    assert '<link rel="stylesheet" href="/static/style.css">' in html
    assert "<script>" not in html
