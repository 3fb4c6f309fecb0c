"""Host-based malls: ``https://<mall>.<suffix>/api/v2/...`` served as ``/malls/<mall>/api/v2/...``.

DESIGN.md "URL map". The server runs over TLS here (a throw-away certificate), as Cafe24's
mall hosts do: an https external base is what gives a mall its host-form issuer. The suffix
``cafe24api.test`` is resolved to 127.0.0.1 as a DNS entry would: by curl's ``--resolve``, and
for requests by a transport adapter that connects to 127.0.0.1 and keeps the name in the URL,
the Host header and the cookie jar.
"""

from __future__ import annotations

import html
import re
import shutil
import subprocess
import threading
from collections.abc import Iterator
from urllib.parse import urlsplit, urlunsplit

import pytest
import requests
import urllib3
from authlib.oauth2 import rfc8414, rfc9207
from requests.adapters import HTTPAdapter
from requests_oauthlib import OAuth2Session
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.serving import make_server

from .helpers import PASSWORD, csrf_token, query_of

SUFFIX = "cafe24api.test"
WELL_KNOWN = "/.well-known/oauth-authorization-server"
CURL = shutil.which("curl")

urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)  # the test certificate


@pytest.fixture(scope="module")
def tls_server(app) -> Iterator[int]:
    """The app over https on a loopback port (a self-signed certificate); its port."""
    server = make_server("127.0.0.1", 0, app, threaded=True, ssl_context="adhoc")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_port
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def mall_hosts(configure, tls_server) -> int:
    """The suffix switched on, the external base the TLS server's; its port."""
    configure(
        AUTHSERVER_MALL_HOST_SUFFIX=SUFFIX, AUTHSERVER_ISSUER=f"https://127.0.0.1:{tls_server}"
    )
    return tls_server


class ResolveToLoopback(HTTPAdapter):
    """``*.cafe24api.test`` connects to 127.0.0.1, as a DNS entry would make it: the URL the
    session sees, the Host header and the cookies keep the name."""

    def send(self, request, **kwargs):
        kwargs["verify"] = False  # the test certificate (a CA bundle in the environment wins
        # over ``Session.verify`` in requests, so it is set here)
        parts = urlsplit(request.url)
        if not (parts.hostname or "").endswith("." + SUFFIX):
            return super().send(request, **kwargs)
        sent = request.copy()
        sent.url = urlunsplit(parts._replace(netloc=f"127.0.0.1:{parts.port}"))
        sent.headers["Host"] = parts.netloc
        response = super().send(sent, **kwargs)
        response.url, response.request = request.url, request
        return response


def resolving(session: requests.Session) -> requests.Session:
    session.mount("https://", ResolveToLoopback())
    return session


def mall_base(mall_id: str, port: int) -> str:
    return f"https://{mall_id}.{SUFFIX}:{port}"


def log_in_and_approve(session: requests.Session, authorize_url: str) -> dict[str, str]:
    """The operator's browser on the mall host: authorize -> login -> consent -> callback."""
    to_login = session.get(authorize_url, allow_redirects=False)
    assert to_login.status_code in (302, 303), to_login.text[:300]
    login_url = requests.compat.urljoin(authorize_url, to_login.headers["Location"])
    assert urlsplit(login_url).hostname == urlsplit(authorize_url).hostname
    page = session.get(login_url)
    assert page.status_code == 200, page.text[:300]
    logged_in = session.post(
        page.url,
        data={
            "user_id": "owner",
            "password": PASSWORD,
            "csrf_token": csrf_token(page.text),
            "next": html.unescape(re.search(r'name="next"[^>]*value="([^"]*)"', page.text)[1]),
        },
        headers={"Referer": page.url},  # as a browser sends it (Flask-WTF's https check)
        allow_redirects=False,
    )
    assert logged_in.status_code == 303, logged_in.text[:300]
    consent = session.get(requests.compat.urljoin(page.url, logged_in.headers["Location"]))
    assert consent.status_code == 200, consent.text[:300]
    approved = session.post(
        consent.url,
        data={"decision": "approve", "csrf_token": csrf_token(consent.text)},
        headers={"Referer": consent.url},
        allow_redirects=False,
    )
    assert approved.status_code in (302, 303), approved.text[:300]
    return {"location": approved.headers["Location"], **query_of(approved.headers["Location"])}


def test_full_code_flow_and_admin_api_on_the_mall_host(world, mall_hosts):
    """requests-oauthlib, written as for Cafe24: only the base domain differs."""
    base = mall_base(world.mall_id, mall_hosts)
    metadata = resolving(requests.Session()).get(base + WELL_KNOWN)
    assert metadata.status_code == 200
    document = metadata.json()
    # RFC 8414 §3.3: the issuer is the URL the metadata was fetched from, minus the well-known.
    assert document["issuer"] == base
    assert document["token_endpoint"] == f"{base}/api/v2/oauth/token"
    checked = rfc8414.AuthorizationServerMetadata(document)
    checked.validate(metadata_classes=[rfc9207.AuthorizationServerMetadata])
    assert document["jwks_uri"] == f"{base}/.well-known/jwks.json"
    assert resolving(requests.Session()).get(document["jwks_uri"]).status_code == 200

    oauth = resolving(
        OAuth2Session(
            world.web.client_id, redirect_uri=world.web.redirect_uri, scope=world.web.scopes
        )
    )
    authorize_url, state = oauth.authorization_url(document["authorization_endpoint"])
    callback = log_in_and_approve(oauth, authorize_url)
    assert callback["state"] == state
    assert callback["iss"] == base  # RFC 9207: the same issuer as the metadata's
    token = oauth.fetch_token(
        document["token_endpoint"],
        authorization_response=callback["location"],
        client_secret=world.web.client_secret,
    )
    assert token["mall_id"] == world.mall_id and token["scopes"] == world.web.scopes

    products = oauth.get(f"{base}/api/v2/admin/products")
    assert products.status_code == 200 and products.json() == {"products": []}

    introspected = oauth.post(
        document["introspection_endpoint"],
        data={"token": token["access_token"]},
        auth=(world.web.client_id, world.web.client_secret),
    ).json()
    assert introspected["active"] is True and introspected["iss"] == base

    revoked = oauth.post(
        document["revocation_endpoint"],
        data={"token": token["access_token"]},
        auth=(world.web.client_id, world.web.client_secret),
    )
    assert revoked.status_code == 200
    assert oauth.get(f"{base}/api/v2/admin/products").status_code == 401


def test_path_form_keeps_working_with_the_same_issuer(world, mall_hosts):
    """One issuer per mall, whichever URL form reached it."""
    session = resolving(requests.Session())
    by_host = session.get(mall_base(world.mall_id, mall_hosts) + WELL_KNOWN).json()
    by_path = session.get(
        f"https://127.0.0.1:{mall_hosts}/malls/{world.mall_id}{WELL_KNOWN}"
    ).json()
    assert by_host == by_path
    assert by_path["issuer"] == mall_base(world.mall_id, mall_hosts)


@pytest.mark.skipif(CURL is None, reason="CURL IS NOT INSTALLED")
def test_curl_resolving_the_mall_host_to_loopback(world, mall_hosts):
    """Cafe24's documented requests with curl, the mall host resolved by ``--resolve``."""
    host = f"{world.mall_id}.{SUFFIX}"
    base = mall_base(world.mall_id, mall_hosts)
    session = resolving(requests.Session())
    query = (
        f"response_type=code&client_id={world.web.client_id}&state=app_install"
        f"&redirect_uri={world.web.redirect_uri}&scope=mall.read_product,mall.read_order"
    )
    code = log_in_and_approve(session, f"{base}/api/v2/oauth/authorize?{query}")["code"]

    def curl(*args: str) -> tuple[int, str]:
        result = subprocess.run(
            [CURL, "--silent", "--insecure", "--resolve", f"{host}:{mall_hosts}:127.0.0.1",
             "--write-out", "\n%{http_code}", *args],
            capture_output=True, text=True, timeout=30, check=True,
        )  # fmt: skip
        body, _, status = result.stdout.rpartition("\n")
        return int(status), body

    status, body = curl(
        "-X", "POST", f"{base}/api/v2/oauth/token",
        "-u", f"{world.web.client_id}:{world.web.client_secret}",
        "-H", "Content-Type: application/x-www-form-urlencoded",
        "-d", "grant_type=authorization_code", "-d", f"code={code}",
        "-d", f"redirect_uri={world.web.redirect_uri}",
    )  # fmt: skip
    assert status == 200, body
    access_token = requests.models.complexjson.loads(body)["access_token"]
    status, body = curl(
        f"{base}/api/v2/admin/products", "-H", f"Authorization: Bearer {access_token}"
    )
    assert (status, body) == (200, '{"products":[]}')
    status, body = curl(base + WELL_KNOWN)
    assert status == 200 and f'"issuer":"{base}"' in body


def test_unknown_and_invalid_mall_hosts_are_404(world, mall_hosts):
    session = resolving(requests.Session())
    for label in ("nosuchmall", "x", "under_score", "a.b"):
        base = mall_base(label, mall_hosts)
        admin = session.get(f"{base}/api/v2/admin/products", headers={"Authorization": "Bearer x"})
        assert admin.status_code == 404, (label, admin.text)
        assert admin.json()["error"]["code"] == 404
        token = session.post(f"{base}/api/v2/oauth/token", data={"grant_type": "refresh_token"})
        assert token.status_code == 404, (label, token.text)
        assert session.get(base + WELL_KNOWN).status_code == 404


def test_a_host_outside_the_suffix_is_not_mapped_nor_an_issuer(world, mall_hosts, configure):
    session = resolving(requests.Session())
    # Not a mall host: the path is the path, as on any host.
    other = session.get(
        f"https://127.0.0.1:{mall_hosts}{WELL_KNOWN}",
        headers={"Host": f"{world.mall_id}.evil.test"},
    )
    assert other.status_code == 404
    # Without a configured base, only a trusted host names the issuer: an untrusted one is 400,
    # and a trusted one still gets the issuer built from the suffix, not from its Host.
    configure(AUTHSERVER_ISSUER=None, TRUSTED_HOSTS=["127.0.0.1", "." + SUFFIX])
    refused = session.get(
        f"https://127.0.0.1:{mall_hosts}/malls/{world.mall_id}{WELL_KNOWN}",
        headers={"Host": f"auth.evil.test:{mall_hosts}"},
    )
    assert refused.status_code == 400
    document = session.get(mall_base(world.mall_id, mall_hosts) + WELL_KNOWN).json()
    assert document["issuer"] == mall_base(world.mall_id, mall_hosts)


def test_without_the_suffix_mall_hosts_are_not_served(world, configure, tls_server):
    configure(AUTHSERVER_ISSUER=f"https://127.0.0.1:{tls_server}")
    session = resolving(requests.Session())
    assert session.get(mall_base(world.mall_id, tls_server) + WELL_KNOWN).status_code == 404
    by_path = session.get(f"https://127.0.0.1:{tls_server}/malls/{world.mall_id}{WELL_KNOWN}")
    assert by_path.json()["issuer"] == f"https://127.0.0.1:{tls_server}/malls/{world.mall_id}"


def test_plain_http_development_keeps_the_path_issuer(world, live_server, configure):
    """A loopback http server: the mall host is served, the issuer stays the path form (RFC 8414
    allows a plain-http issuer on loopback only)."""
    configure(AUTHSERVER_MALL_HOST_SUFFIX=SUFFIX, AUTHSERVER_ISSUER=live_server)
    port = urlsplit(live_server).port
    answer = requests.get(
        live_server + WELL_KNOWN, headers={"Host": f"{world.mall_id}.{SUFFIX}:{port}"}
    )
    assert answer.status_code == 200
    assert answer.json()["issuer"] == f"{live_server}/malls/{world.mall_id}"


def test_behind_a_proxy_the_forwarded_host_is_mapped(app, world, configure):
    """ProxyFix runs first (as ``AUTHSERVER_PROXY_HOPS`` installs it, outermost), so the mall is
    the one in the proxy's X-Forwarded-Host, not in the Host the proxy connected with."""
    configure(AUTHSERVER_MALL_HOST_SUFFIX=SUFFIX, AUTHSERVER_ISSUER="https://auth.example")
    server = make_server("127.0.0.1", 0, ProxyFix(app.wsgi_app, x_host=1, x_proto=1), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        answer = requests.get(
            f"http://127.0.0.1:{server.server_port}{WELL_KNOWN}",
            headers={"X-Forwarded-Host": f"{world.mall_id}.{SUFFIX}", "X-Forwarded-Proto": "https"},
        )
    finally:
        server.shutdown()
        thread.join(timeout=5)
    assert answer.status_code == 200
    assert answer.json()["issuer"] == f"https://{world.mall_id}.{SUFFIX}"
