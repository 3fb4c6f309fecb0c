"""Authlib's request and answer objects: ServerRequest (oauth/requests.py), where each endpoint
reads its parameters, and the JSON of AuthorizationServer.handle_response."""

from __future__ import annotations

from datetime import UTC, datetime

import flask
import pytest
from authlib.consts import default_json_headers
from authlib.oauth2.rfc6749 import InsecureTransportError, OAuth2Request
from werkzeug.datastructures import MultiDict

from authserver.oauth.requests import ServerRequest
from authserver.oauth.server import authorization_server

INACTIVE = b'{"active": false}'


def test_a_token_request_reads_the_form_body_only(app):
    """RFC 6749 §2.3.1: a ``client_secret`` (or any parameter) in a token request's query string
    is not read; the form body is. Cafe24's comma-separated scopes become space-separated."""
    body = {"client_id": "app1", "scope": "mall.read_product,mall.read_order"}
    with app.test_request_context(
        "/token?client_secret=leaked&grant_type=password", method="POST", data=body
    ):
        request = ServerRequest.from_flask(flask.request)
    assert isinstance(request, OAuth2Request)
    assert "client_secret" not in request.form and not request.args
    assert request.payload.client_id == "app1"
    assert request.payload.grant_type is None
    assert request.payload.scope == "mall.read_product mall.read_order"
    assert request.scope == "mall.read_product mall.read_order"
    assert request.payload.datalist["scope"] == ["mall.read_product,mall.read_order"]


def test_an_authorization_request_reads_the_query(app):
    query = "response_type=code&client_id=app1&scope=mall.read_product,mall.read_order"
    with app.test_request_context(f"/authorize?{query}", method="GET"):
        request = ServerRequest.from_flask(flask.request)
    assert request.payload.client_id == "app1"
    assert request.payload.response_type == "code"
    assert request.payload.scope == "mall.read_product mall.read_order"


def test_authlibs_transport_check_still_applies():
    """The request is built by Authlib's own constructor: plain http off loopback raises."""
    with pytest.raises(InsecureTransportError):
        ServerRequest("POST", "http://auth.example/token", {}, MultiDict())
    loopback = ServerRequest("POST", "http://127.0.0.1/token", {}, MultiDict())
    assert loopback.payload.data == {}


def test_introspection_over_plain_http_off_loopback_is_refused(app, world, gateway, configure):
    """Off loopback the issuer is configured (docs/deploy.md); plain http is refused there."""
    configure(AUTHSERVER_ISSUER="https://auth.example")
    url = f"/malls/{world.mall_id}/api/v2/oauth/introspect"
    client = app.test_client()
    plain = client.post(url, data={"token": "x"}, auth=gateway, base_url="http://auth.example")
    assert plain.status_code == 400
    assert plain.get_json()["error"] == "invalid_request"
    secure = client.post(url, data={"token": "x"}, auth=gateway, base_url="https://auth.example")
    assert secure.status_code == 200
    assert secure.get_data() == INACTIVE


@pytest.mark.parametrize("sort_keys", [True, False])
def test_answers_are_the_bytes_of_flask_json(app, sort_keys):
    """handle_response encodes with a cached encoder: the same bytes as ``flask.json.dumps``
    under the app's provider options (sorted keys, ASCII escapes, Flask's datetime format)."""
    payload = {"z": 1, "active": True, "name": "caf\u00e9", "at": datetime(2026, 1, 2, tzinfo=UTC)}
    saved = app.json.sort_keys
    app.json.sort_keys = sort_keys
    try:
        with app.app_context():
            answer = authorization_server.handle_response(200, payload, default_json_headers)
            assert answer.get_data(as_text=True) == flask.json.dumps(payload)
    finally:
        app.json.sort_keys = saved
    assert answer.status_code == 200
    assert list(answer.headers.items())[:3] == default_json_headers


@pytest.mark.parametrize("endpoint", ["introspect", "token"])
def test_basic_credentials_are_parsed_once_per_request(app, world, gateway, monkeypatch, endpoint):
    """The mall loader, the brute-force account, the one-method rule and client authentication
    (the gateway method at introspection) all read the Basic credentials: parsed once, kept in
    the request's WSGI environ."""
    from authserver.oauth import requests as oauth_requests

    calls = []
    parse = oauth_requests.basic_credentials

    def counted(headers):
        calls.append(1)
        return parse(headers)

    monkeypatch.setattr(oauth_requests, "basic_credentials", counted)
    if endpoint == "introspect":
        data, auth, expected = {"token": "x"}, gateway, 200
    else:  # a code exchange with an unknown code: every check up to the code lookup runs
        data = {"grant_type": "authorization_code", "code": "x", "redirect_uri": "https://a.b/"}
        auth, expected = (world.web.client_id, world.web.client_secret), 400
    url = f"/malls/{world.mall_id}/api/v2/oauth/{endpoint}"
    answer = app.test_client().post(url, data=data, auth=auth, base_url="http://127.0.0.1")
    assert answer.status_code == expected, answer.get_data()
    assert len(calls) == 1
