"""Authlib's request and answer objects, built without Authlib's per-request costs:
ServerRequest (oauth/requests.py) and the JSON of AuthorizationServer.handle_response."""

from __future__ import annotations

from datetime import UTC, datetime

import flask
import pytest
from authlib.consts import default_json_headers
from authlib.oauth2.rfc6749 import OAuth2Request
from werkzeug.datastructures import MultiDict

from authserver.oauth.requests import ServerRequest, request_credentials
from authserver.oauth.server import authorization_server

INACTIVE = b'{"active": false}'


class _UncountableHeaders(dict):
    """Headers whose truth test fails, as a stand-in for counting a whole WSGI environ."""

    def __len__(self) -> int:
        raise AssertionError("the headers were counted")


def test_server_request_has_every_attribute_of_authlibs_constructor():
    """ServerRequest sets Authlib's attributes itself; an Authlib that adds one fails here."""
    authlib = OAuth2Request("POST", "https://auth.example/token", headers={})
    ours = ServerRequest("POST", "https://auth.example/token", {}, MultiDict())
    assert set(vars(authlib)) <= set(vars(ours))
    assert {name: getattr(ours, name) for name in vars(authlib) if name != "payload"} == {
        name: value for name, value in vars(authlib).items() if name != "payload"
    }


def test_server_request_never_counts_the_headers():
    """Authlib's ``headers or {}`` walks Werkzeug's EnvironHeaders; ours keeps them as given."""
    headers = _UncountableHeaders(Authorization="Basic Zm9vOmJhcg==")
    request = ServerRequest("POST", "https://auth.example/token", headers, MultiDict())
    assert request.headers is headers
    assert request_credentials(request.headers) == ("foo", "bar")


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
