"""Helpers for the introspection, revocation, metadata, launch and installed-apps tests."""

from __future__ import annotations

import requests

from authserver.models import Mall, Token

from .helpers import Browser, Client, exchange, pkce_pair


def oauth_url(base_url: str, mall_id: str, endpoint: str) -> str:
    return f"{base_url}/malls/{mall_id}/api/v2/oauth/{endpoint}"


def obtain_tokens(
    base_url: str, mall_id: str, client: Client, browser: Browser | None = None
) -> dict:
    """The real flow: operator login, consent, code, exchange. Returns the token response."""
    if browser is None:
        browser = Browser(base_url, mall_id)
        browser.login()
    extra_authorize, extra_token = {}, {}
    if client.app_type == "native":
        verifier, challenge = pkce_pair()
        extra_authorize = {"code_challenge": challenge, "code_challenge_method": "S256"}
        extra_token = {"code_verifier": verifier}
    answer = browser.authorize(client, **extra_authorize)
    response = exchange(base_url, mall_id, client, answer["code"], **extra_token)
    assert response.status_code == 200, response.text
    return response.json()


def introspect(
    base_url: str, mall_id: str, token: str | None, auth=None, **fields
) -> requests.Response:
    data = {"token": token, **fields} if token is not None else dict(fields)
    return requests.post(oauth_url(base_url, mall_id, "introspect"), data=data, auth=auth)


def revoke(
    base_url: str, mall_id: str, client: Client | None, token: str | None, **fields
) -> requests.Response:
    """Revoke as Cafe24 documents it: HTTP Basic for web apps, ``client_id`` for native."""
    data = {"token": token, **fields} if token is not None else dict(fields)
    auth = None
    if client is not None and client.app_type == "web":
        auth = (client.client_id, client.client_secret)
    elif client is not None:
        data.setdefault("client_id", client.client_id)
    return requests.post(oauth_url(base_url, mall_id, "revoke"), data=data, auth=auth)


def is_active(base_url: str, mall_id: str, gateway: tuple[str, str], token: str) -> bool:
    response = introspect(base_url, mall_id, token, auth=gateway)
    assert response.status_code == 200, response.text
    return response.json()["active"]


def token_rows(db, mall_id: str | None = None) -> list[Token]:
    query = db.select(Token)
    if mall_id is not None:
        query = query.join(Mall, Mall.id == Token.mall_pk).where(Mall.mall_id == mall_id)
    return list(db.session.scalars(query))
