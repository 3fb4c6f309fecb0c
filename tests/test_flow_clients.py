"""The whole flow driven by two real OAuth client libraries: login, consent, code, refresh."""

from __future__ import annotations

from authlib.integrations.requests_client import OAuth2Session as AuthlibSession
from requests_oauthlib import OAuth2Session as OAuthlibSession

from .helpers import Browser, token_url


def test_authlib_client_full_flow(live_server, world):
    client = world.web
    session = AuthlibSession(
        client.client_id,
        client.client_secret,
        scope=" ".join(client.scopes),
        redirect_uri=client.redirect_uri,
        token_endpoint_auth_method="client_secret_basic",
    )
    authorize_endpoint = f"{live_server}/malls/{world.mall_id}/api/v2/oauth/authorize"
    url, state = session.create_authorization_url(authorize_endpoint)

    browser = Browser(live_server, world.mall_id)
    assert browser.login().status_code == 303
    answer = browser.decide(url)
    assert answer.status_code in (302, 303)
    callback = answer.headers["Location"]

    token = session.fetch_token(
        token_url(live_server, world.mall_id), authorization_response=callback, state=state
    )
    assert token["token_type"] == "Bearer"
    assert token["expires_in"] == 7200
    assert token["scopes"] == client.scopes
    assert token["mall_id"] == world.mall_id
    assert token["user_id"] == "owner"

    refreshed = session.refresh_token(token_url(live_server, world.mall_id))
    assert refreshed["access_token"] != token["access_token"]
    assert refreshed["refresh_token"] != token["refresh_token"]
    assert refreshed["scopes"] == client.scopes


def test_requests_oauthlib_client_full_flow(live_server, world):
    client = world.web
    session = OAuthlibSession(
        client.client_id, redirect_uri=client.redirect_uri, scope=client.scopes
    )
    authorize_endpoint = f"{live_server}/malls/{world.mall_id}/api/v2/oauth/authorize"
    url, state = session.authorization_url(authorize_endpoint)

    browser = Browser(live_server, world.mall_id)
    browser.login()
    callback = browser.decide(url).headers["Location"]

    token = session.fetch_token(
        token_url(live_server, world.mall_id),
        authorization_response=callback,
        client_secret=client.client_secret,
    )
    assert token["access_token"]
    assert set(token["scope"]) == set(client.scopes)

    refreshed = session.refresh_token(
        token_url(live_server, world.mall_id),
        auth=(client.client_id, client.client_secret),
    )
    assert refreshed["refresh_token"] != token["refresh_token"]
