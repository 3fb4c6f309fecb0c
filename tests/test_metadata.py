"""RFC 8414 metadata per mall, and RFC 9207 ``iss`` on every authorization response.

SECURITY.md items 38 and 39, and item 5 (the exact ``state`` echo, together with ``iss``).
"""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
import requests
from authlib.oauth2 import rfc8414, rfc9207

from authserver import scopes

from .helpers import Browser, add_mall, pkce_pair, query_of

EXPECTED = {
    "response_types_supported": ["code"],
    "grant_types_supported": ["authorization_code", "refresh_token"],
    "code_challenge_methods_supported": ["S256"],
    "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
    "revocation_endpoint_auth_methods_supported": [
        "client_secret_basic",
        "client_secret_post",
        "none",
    ],
    "introspection_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
    "authorization_response_iss_parameter_supported": True,
}


def metadata_urls(base: str, mall_id: str) -> list[str]:
    return [
        f"{base}/malls/{mall_id}/.well-known/oauth-authorization-server",
        f"{base}/.well-known/oauth-authorization-server/malls/{mall_id}",
    ]


def fetch_metadata(base: str, mall_id: str) -> dict:
    response = requests.get(metadata_urls(base, mall_id)[0])
    assert response.status_code == 200
    return response.json()


def test_metadata_at_both_locations_is_the_same_valid_document(live_server, world):
    """Item 39: RFC 8414 §3 at the mall base and at the RFC 8414 §3.1 path form."""
    documents = []
    for url in metadata_urls(live_server, world.mall_id):
        response = requests.get(url)
        assert response.status_code == 200, url
        assert response.headers["Content-Type"].startswith("application/json")
        documents.append(response.json())
    assert documents[0] == documents[1]
    document = documents[0]
    issuer = f"{live_server}/malls/{world.mall_id}"
    assert document["issuer"] == issuer
    oauth = f"{issuer}/api/v2/oauth"
    assert document["authorization_endpoint"] == f"{oauth}/authorize"
    assert document["token_endpoint"] == f"{oauth}/token"
    assert document["revocation_endpoint"] == f"{oauth}/revoke"
    assert document["introspection_endpoint"] == f"{oauth}/introspect"
    assert document["scopes_supported"] == list(scopes.ALL_SCOPES)
    for key, value in EXPECTED.items():
        assert document[key] == value, key
    rfc8414.AuthorizationServerMetadata(document).validate(
        metadata_classes=[rfc9207.AuthorizationServerMetadata]
    )


def test_every_listed_endpoint_exists(live_server, world):
    document = fetch_metadata(live_server, world.mall_id)
    for key in ("token_endpoint", "revocation_endpoint", "introspection_endpoint"):
        response = requests.post(document[key], data={})
        assert response.status_code in (400, 401), key
        assert "error" in response.json()
    assert requests.get(document["authorization_endpoint"]).status_code == 400
    assert requests.get(document["jwks_uri"]).json()["keys"] is not None


def test_well_known_path_of_the_issuer_is_served(live_server, world):
    """RFC 8414 §3.1: the well-known URL derived from the issuer answers with that issuer."""
    from authlib.oauth2.rfc8414 import get_well_known_url

    issuer = fetch_metadata(live_server, world.mall_id)["issuer"]
    url = get_well_known_url(issuer, external=True)
    assert requests.get(url).json()["issuer"] == issuer


def test_unknown_mall_is_404_json(live_server, world):
    for url in metadata_urls(live_server, "nosuchmall"):
        response = requests.get(url)
        assert response.status_code == 404
        assert response.json()["error"] == "not_found"


def test_configured_issuer_is_https_without_query(live_server, world, configure):
    configure(AUTHSERVER_ISSUER="https://auth.example.com")
    document = fetch_metadata(live_server, world.mall_id)
    assert document["issuer"] == f"https://auth.example.com/malls/{world.mall_id}"
    assert document["token_endpoint"].startswith("https://auth.example.com/malls/")


# -- RFC 9207: iss on every authorization response -----------------------------------------
@pytest.fixture
def browser(live_server, world) -> Browser:
    browser = Browser(live_server, world.mall_id)
    browser.login()
    return browser


def _authorize(browser: Browser, pairs: list[tuple[str, str]]) -> str:
    url = browser.url(f"/malls/{browser.mall_id}/api/v2/oauth/authorize?{urlencode(pairs)}")
    response = browser.get(url)
    assert response.status_code in (302, 303), response.text[:300]
    return response.headers["Location"]


def _base_pairs(client, **overrides) -> list[tuple[str, str]]:
    params = {
        "response_type": "code",
        "client_id": client.client_id,
        "redirect_uri": client.redirect_uri,
        "scope": ",".join(client.scopes),
        "state": "s1",
    }
    params.update(overrides)
    return [(key, value) for key, value in params.items() if value is not None]


def _assert_iss(location: str, client, issuer: str) -> dict[str, str]:
    assert location.startswith(client.redirect_uri + "?")
    query = query_of(location)
    assert query["iss"] == issuer
    return query


def test_iss_on_success_and_on_the_consent_skipping_success(live_server, world, browser):
    issuer = fetch_metadata(live_server, world.mall_id)["issuer"]
    first = browser.authorize(world.web)
    assert first["iss"] == issuer and first["code"]
    # Everything consented already: no page, straight back with a code.
    again = _assert_iss(_authorize(browser, _base_pairs(world.web)), world.web, issuer)
    assert again["code"] and again["state"] == "s1"


def test_iss_on_access_denied(live_server, world, browser):
    issuer = fetch_metadata(live_server, world.mall_id)["issuer"]
    response = browser.decide(browser.authorize_url(world.web), decision="deny")
    query = _assert_iss(response.headers["Location"], world.web, issuer)
    assert query["error"] == "access_denied"
    assert query["state"] == "xyz"


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"scope": "mall.read_customer"}, "invalid_scope"),
        ({"scope": "mall.no_such_scope"}, "invalid_scope"),
        ({"response_type": "token"}, "unsupported_response_type"),
        ({"response_type": '"'}, "unsupported_response_type"),
        ({"scope": None}, "invalid_request"),
        ({"code_challenge": "x" * 43, "code_challenge_method": "plain"}, "invalid_request"),
    ],
)
def test_iss_on_every_error_redirect(live_server, world, browser, overrides, error):
    issuer = fetch_metadata(live_server, world.mall_id)["issuer"]
    location = _authorize(browser, _base_pairs(world.web, **overrides))
    query = _assert_iss(location, world.web, issuer)
    assert query["error"] == error
    assert query["state"] == "s1"
    assert "code" not in query


def test_iss_on_invalid_request_redirects_for_repeats_and_missing_pkce(live_server, world, browser):
    issuer = fetch_metadata(live_server, world.mall_id)["issuer"]
    repeated = _base_pairs(world.web) + [("scope", "mall.read_order")]
    query = _assert_iss(_authorize(browser, repeated), world.web, issuer)
    assert query["error"] == "invalid_request"
    native = _assert_iss(_authorize(browser, _base_pairs(world.native)), world.native, issuer)
    assert native["error"] == "invalid_request"


def test_iss_on_unauthorized_client(live_server, world, app):
    """An app in production may not be installed on a mall that is not its test mall."""
    with app.app_context():
        add_mall("plainmall")
    browser = Browser(live_server, "plainmall")
    browser.login()
    issuer = fetch_metadata(live_server, "plainmall")["issuer"]
    location = _authorize(browser, _base_pairs(world.web))
    query = _assert_iss(location, world.web, issuer)
    assert query["error"] == "unauthorized_client"
    assert issuer.endswith("/malls/plainmall")


@pytest.mark.parametrize("scope", [None, "mall.read_customer"])
def test_state_round_trips_exactly_with_iss(live_server, world, browser, scope):
    """Item 5: ``state=a&b=c %`` decodes to exactly that, on success and on error."""
    state = "a&b=c %"
    overrides = {"state": state}
    if scope:
        overrides["scope"] = scope
    else:
        browser.authorize(world.web)  # consent once, so the next request redirects at once
    location = _authorize(browser, _base_pairs(world.web, **overrides))
    assert "state=a%26b%3Dc+%25" in location or "state=a%26b%3Dc%20%25" in location
    query = _assert_iss(location, world.web, fetch_metadata(live_server, world.mall_id)["issuer"])
    assert query["state"] == state
    assert ("error" in query) == bool(scope)


def test_iss_follows_the_configured_issuer(live_server, world, browser, configure):
    configure(AUTHSERVER_ISSUER="https://auth.example.com")
    query = browser.authorize(world.web, state="cfg")
    assert query["iss"] == "https://auth.example.com/malls/testmall"
    assert query["iss"] == fetch_metadata(live_server, world.mall_id)["issuer"]


def test_native_success_has_iss(live_server, world, browser):
    _, challenge = pkce_pair()
    query = browser.authorize(world.native, code_challenge=challenge, code_challenge_method="S256")
    assert query["iss"] == fetch_metadata(live_server, world.mall_id)["issuer"]
