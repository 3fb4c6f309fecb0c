"""The Developer Center's guides over HTTP: the pages, their facts read from the code (the scope
table, the 404 rule, the call limit, the launch hmac), their samples run against this server
(curl for the code flow, PKCE, refresh, the Admin API and revocation; Python for the launch),
the API reference's assets all served here, and the links from the Developer Center's pages.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from authserver import scopes
from authserver.admin_api.resources import RESOURCES, url_path
from authserver.extensions import db
from authserver.models import Developer

from .helpers import PASSWORD, Browser, add_mall, csrf_token, exchange
from .page_parts import Page

GUIDES = ("/developers/guides/", "/developers/guides/authentication", "/developers/guides/api")
REFERENCE = "/developers/guides/api-reference"
VENDOR = Path(__file__).resolve().parents[1] / "authserver" / "static" / "vendor" / "swagger-ui"
DEMO_MALL = "demomall"  # the mall the samples name (``make run`` seeds it)


def fetch(live_server: str, path: str, session=requests) -> tuple[requests.Response, Page]:
    response = session.get(live_server + path, allow_redirects=False)
    assert response.status_code == 200, (path, response.status_code)
    assert response.headers["Content-Type"].startswith("text/html")
    return response, Page(response.text)


def shell_samples(page: Page) -> list[str]:
    return [text for kind, _, text in page.samples if kind == "shell"]


def run_sample(sample: str, **variables: str) -> dict:
    """Run a curl sample in bash with its variables set; the JSON it printed."""
    result = subprocess.run(
        ["bash", "-euc", sample.replace("curl ", "curl --silent --show-error --fail-with-body ")],
        env={"PATH": "/usr/bin:/bin", **variables},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, (sample, result.stdout, result.stderr)
    return json.loads(result.stdout)


def sample_with(page: Page, *needles: str) -> str:
    found = [text for text in shell_samples(page) if all(n in text for n in needles)]
    assert len(found) == 1, (needles, found)
    return found[0]


@pytest.fixture
def demo_world(app, world):
    """The world's apps installable on a mall named as the samples name it."""
    with app.app_context():
        developer = db.session.query(Developer).filter_by(email=world.developer).one()
        add_mall(DEMO_MALL, test_mall_of=developer)
    return world


# --- the pages -----------------------------------------------------------------------------


@pytest.mark.parametrize("path", [*GUIDES, REFERENCE])
def test_every_guide_is_a_page_of_the_developer_center(live_server, path):
    response, page = fetch(live_server, path)
    assert 'class="brand-link" href="/developers/"' in response.text  # the shared layout
    for other in ("/developers/guides/authentication", "/developers/guides/api", REFERENCE):
        assert other in page.links
    assert response.headers["Content-Security-Policy"].startswith("default-src 'self'")


def test_the_scope_table_is_the_catalogue(live_server):
    _, page = fetch(live_server, "/developers/guides/api")
    rows = page.rows["scope-table"][1:]  # after the header row
    assert [row[2] for row in rows] == [category.read_scope for category in scopes.CATEGORIES]
    for row, category in zip(rows, scopes.CATEGORIES, strict=True):
        assert row[0] == category.label
        assert row[1] == category.covers
        assert row[3] == (category.write_scope or "none (read only)")
        assert row[4].split(", ") == [
            f"/api/v2/admin/{url_path(RESOURCES[path])}" for path in category.resources
        ]
    assert "mall.write_salesreport" not in " ".join(" ".join(row) for row in rows)


def test_the_404_rule_sample_is_what_the_admin_api_answers(live_server, demo_world):
    world = demo_world
    _, page = fetch(live_server, "/developers/guides/api")
    shown = json.loads(next(text for kind, _, text in page.samples if "required_scope" in text))
    browser = Browser(live_server, DEMO_MALL)
    browser.login()
    code = browser.authorize(world.web, scope="mall.read_order")["code"]
    token = exchange(live_server, DEMO_MALL, world.web, code).json()["access_token"]
    answer = requests.get(
        f"{live_server}/malls/{DEMO_MALL}/api/v2/admin/products",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert answer.status_code == 404
    assert answer.json() == shown  # the guide's example scope is the products' read scope
    assert answer.json()["error"]["message"] == "Permission unauthorized."


def test_the_call_limit_shown_is_the_configured_one(live_server, configure):
    configure(AUTHSERVER_API_BUCKET_SIZE=7, AUTHSERVER_API_LEAK_PER_SECOND=1.05)
    response, _ = fetch(live_server, "/developers/guides/api")
    assert "X-Api-Call-Limit: 12/7" in response.text
    assert "<strong>7</strong> calls that drains <strong>1.05</strong> per second" in response.text
    assert "Retry-After" in response.text and "429" in response.text


def test_every_sample_url_is_a_route_of_this_server(app, live_server):
    """Every URL of this server in a shell sample names a route, for the method curl sends."""
    adapter = app.url_map.bind("127.0.0.1")
    seen = 0
    for path in GUIDES:
        _, page = fetch(live_server, path)
        for sample in shell_samples(page):
            for command in re.split(r"\n(?=\S)", sample):
                method = "POST" if (" -d " in command or "-X POST" in command) else "GET"
                for url in re.findall(r"https?://[^\s\"'?]+", command):
                    if not url.startswith(live_server):
                        continue
                    adapter.match(urlsplit(url).path, method=method)  # raises when it is none
                    seen += 1
    assert seen >= 8


def test_the_curl_samples_run_the_whole_flow(live_server, demo_world):
    """Code exchange, an Admin API call, refresh and revocation, run as the guide prints them."""
    world = demo_world
    if shutil.which("curl") is None:
        pytest.fail("curl is missing: apt-get install -y curl")
    _, page = fetch(live_server, "/developers/guides/authentication")
    browser = Browser(live_server, DEMO_MALL)
    browser.login()
    code = browser.authorize(world.web)["code"]
    keys = {"APP_KEY": world.web.client_id, "APP_SECRET": world.web.client_secret}
    exchange_sample = sample_with(page, "grant_type=authorization_code", "-u")
    token = run_sample(
        exchange_sample.split("\n", 1)[1], CODE=code, REDIRECT_URI=world.web.redirect_uri, **keys
    )
    assert token["mall_id"] == DEMO_MALL and token["refresh_token"]

    listed = run_sample(
        sample_with(page, "/api/v2/admin/products"), ACCESS_TOKEN=token["access_token"]
    )
    assert listed == {"products": []}

    refreshed = run_sample(
        sample_with(page, "grant_type=refresh_token"), REFRESH_TOKEN=token["refresh_token"], **keys
    )
    assert refreshed["refresh_token"] != token["refresh_token"]

    revoked = run_sample(
        sample_with(page, "/oauth/revoke"), ACCESS_TOKEN=refreshed["access_token"], **keys
    )
    assert revoked == {}
    introspected = requests.post(
        f"{live_server}/malls/{DEMO_MALL}/api/v2/oauth/introspect",
        auth=(world.web.client_id, world.web.client_secret),
        data={"token": refreshed["refresh_token"]},
    ).json()
    assert introspected == {"active": False}  # the revocation took the whole grant


def test_the_api_guide_samples_run(live_server, demo_world):
    """The API guide's list, create, count and paging commands, as printed."""
    world = demo_world
    browser = Browser(live_server, DEMO_MALL)
    browser.login()
    code = browser.authorize(world.web)["code"]
    token = {
        "ACCESS_TOKEN": exchange(live_server, DEMO_MALL, world.web, code).json()["access_token"]
    }
    _, page = fetch(live_server, "/developers/guides/api")
    listing, creating = sample_with(page, "-X POST", "product_name").split("\n\n")
    assert run_sample(listing, **token) == {"products": []}
    created = run_sample(creating, **token)["product"]
    assert created["product_name"] == "Linen shirt" and float(created["price"]) == 39000
    count, page_two = sample_with(page, "/products/count").split("\n")
    assert run_sample(count, **token) == {"count": 1}
    assert run_sample(page_two, **token) == {"products": []}  # offset past the one product


def test_the_pkce_samples_get_a_native_app_its_token(live_server, demo_world):
    world = demo_world
    _, page = fetch(live_server, "/developers/guides/authentication")
    python = next(text for kind, _, text in page.samples if "code_challenge" in text)
    names: dict = {}
    exec(python.split("# authorize URL")[0], names)  # the guide's verifier and challenge
    verifier, challenge = names["verifier"], names["challenge"]
    sample = sample_with(page, "code_verifier")
    redirect = re.search(r"redirect_uri=(http://127\.0\.0\.1:\d+/callback)", sample).group(1)
    browser = Browser(live_server, DEMO_MALL)
    browser.login()
    code = browser.authorize(
        world.native, redirect_uri=redirect, code_challenge=challenge, code_challenge_method="S256"
    )["code"]
    token = run_sample(sample, APP_KEY=world.native.client_id, CODE=code, VERIFIER=verifier)
    assert token["client_id"] == world.native.client_id and token["access_token"]


def test_the_launch_verifier_and_test_vector(live_server):
    response, page = fetch(live_server, "/developers/guides/authentication")
    match = re.search(r'<code id="launch-hmac">([^<]+)</code>', response.text)
    assert match.group(1) == "YxJQLEVs7PoADPXke4a0thpzoPVWl1xNZvOgxDD9iXg="  # DESIGN.md's vector
    verifier = next(text for _, sample_id, text in page.samples if sample_id == "launch-verifier")
    names: dict = {}
    exec(verifier, names)
    verify = names["verify_launch"]
    query = (
        "lang=en&mall_id=yourmall&shop_no=1&timestamp=1796000000&user_id=owner&user_type=P"
        "&hmac=YxJQLEVs7PoADPXke4a0thpzoPVWl1xNZvOgxDD9iXg%3D"
    )
    secret = "S3cr3tS3cr3tS3cr3tS3cr3t"
    assert verify(f"https://app.example/?{query}", secret, now=1796000010)
    assert not verify(f"https://app.example/?{query}", secret, now=1796000000 + 301)
    forged = query.replace("owner", "other")
    assert not verify(f"https://app.example/?{forged}", secret, now=1796000010)
    assert not verify(f"https://app.example/?{query}", "another secret", now=1796000010)


# --- the API reference ---------------------------------------------------------------------


def test_the_reference_page_uses_only_assets_of_this_server(live_server):
    response, page = fetch(live_server, REFERENCE)
    policy = response.headers["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'"
    for name, sources in directives.items():  # what the page may load: nothing from elsewhere
        if name != "form-action":  # where forms may go (the consent's redirect), not a fetch
            assert set(sources.split()) <= {"'self'", "data:", "'none'"}, name
    assert "<script>" not in response.text  # no inline script: scripts are files
    assert not re.search(r'(src|href)="(https?:)?//', response.text)  # no other host
    assets = set(page.assets)
    assert {
        "/static/vendor/swagger-ui/swagger-ui-bundle.js",
        "/static/vendor/swagger-ui/swagger-ui.css",
        "/static/api-reference.js",
    } <= assets
    for asset in assets:
        answer = requests.get(live_server + asset)
        assert answer.status_code == 200, asset
        kind = answer.headers["Content-Type"].split(";")[0]
        assert kind in ("text/javascript", "text/css"), asset
    start = requests.get(live_server + "/static/api-reference.js").text
    assert "validatorUrl: null" in start  # Swagger UI would otherwise ask validator.swagger.io
    assert 'data-spec-url="/openapi.json"' in response.text
    assert requests.get(live_server + "/openapi.json").json()["paths"]


def test_the_vendored_viewer_records_its_source_version_and_licence():
    readme = (VENDOR / "README.md").read_text()
    script = (VENDOR.parents[3] / "tools" / "vendor_swagger_ui.sh").read_text()
    pinned = re.search(r'VERSION="\$\{1:-([0-9.]+)\}"', script).group(1)
    assert f"**{pinned}**" in readme
    assert "`swagger-ui-dist`" in readme and "Apache License 2.0" in readme
    assert "Apache License" in (VENDOR / "LICENSE").read_text()
    assert (VENDOR / "swagger-ui-bundle.js").stat().st_size > 500_000


# --- links from the Developer Center -------------------------------------------------------


def developer_session(live_server: str, email: str) -> requests.Session:
    session = requests.Session()
    page = session.get(f"{live_server}/developers/login")
    answer = session.post(
        f"{live_server}/developers/login",
        data={"email": email, "password": PASSWORD, "csrf_token": csrf_token(page.text)},
        allow_redirects=False,
    )
    assert answer.status_code == 303
    return session


def test_the_permission_page_points_to_the_guides_as_cafe24s_does(live_server, world):
    session = developer_session(live_server, world.developer)
    response, _ = fetch(live_server, f"/developers/apps/{world.web.client_id}/permissions", session)
    note = re.search(r'<p class="muted" id="permission-guides">(.*?)</p>', response.text, re.S)
    assert "/developers/guides/api#scopes" in note.group(1)
    assert "/developers/guides/authentication" in note.group(1)
    assert REFERENCE in note.group(1)


@pytest.mark.parametrize("tab", ["basic", "permissions", "credentials", "status"])
def test_every_app_page_links_the_guides(live_server, world, tab):
    session = developer_session(live_server, world.developer)
    _, page = fetch(live_server, f"/developers/apps/{world.web.client_id}/{tab}", session)
    for guide in ("/developers/guides/authentication", "/developers/guides/api", REFERENCE):
        assert guide in page.links
    assert "/developers/guides/" in page.links  # the top bar's Guides


def test_the_guides_are_public_and_linked_before_login(live_server):
    _, page = fetch(live_server, "/developers/")
    assert "/developers/guides/" in page.links


def test_the_samples_never_name_an_untrusted_host(live_server, configure):
    """A steered Host header does not get into the samples (issuer.py's rule); a configured
    issuer does."""
    steered = requests.get(
        live_server + "/developers/guides/authentication", headers={"Host": "evil.example"}
    )
    assert "evil.example" not in steered.text
    assert "https://auth.example/malls/demomall/api/v2/oauth/token" in steered.text
    configure(AUTHSERVER_ISSUER="https://id.shop.example/")
    configured = requests.get(live_server + "/developers/guides/api").text
    assert "https://id.shop.example/malls/demomall/api/v2/admin/products" in configured
    assert live_server not in configured
