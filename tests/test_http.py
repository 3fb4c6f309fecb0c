"""The app's Request and Flask classes (authserver/http.py) answer exactly as Flask's own do."""

from __future__ import annotations

import asyncio
import io

import flask
import pytest
import requests
from werkzeug.exceptions import ClientDisconnected, HTTPException, RequestEntityTooLarge
from werkzeug.test import EnvironBuilder

from authserver.http import AuthServerFlask, Response

from .helpers import Browser

FORM = "application/x-www-form-urlencoded"

#: Bodies whose parsing must not differ from Werkzeug's: repeats, blanks, '+', escapes,
#: broken escapes, raw bytes that are not UTF-8, an empty body.
BODIES = [
    b"token=abc&token_type_hint=access_token",
    b"a=1&a=2&b=&c",
    b"scope=mall.read_product+mall.read_order&x=%2B%26%3D",
    b"bad=%zz&half=%4&ok=%41",
    b"key=\xff\xfe&other=1",
    b"name=%ff%fe",
    b"",
    b"&&=&==x",
]


def _flask_form(body: bytes) -> list[tuple[str, str]]:
    plain = flask.Flask("plain")
    with plain.test_request_context("/", method="POST", data=body, content_type=FORM):
        return list(flask.request.form.items(multi=True))


@pytest.mark.parametrize("body", BODIES)
def test_url_encoded_forms_parse_as_werkzeug_parses_them(app, body):
    with app.test_request_context("/", method="POST", data=body, content_type=FORM):
        assert flask.request.__class__.__module__ == "authserver.http"
        assert list(flask.request.form.items(multi=True)) == _flask_form(body)
        assert not flask.request.files


def test_a_form_over_max_content_length_is_still_413(app):
    limit = app.config["MAX_CONTENT_LENGTH"]
    body = b"a=" + b"x" * limit
    with app.test_request_context("/", method="POST", data=body, content_type=FORM):
        assert flask.request.max_content_length == limit
        with pytest.raises(RequestEntityTooLarge):
            flask.request.form  # noqa: B018 - the access is the test


def _read_as(target: flask.Flask, body: bytes, announced: int):
    """The form (or the exception) and what is left to read, for a body announced as
    ``announced`` bytes long, on ``target``."""
    overrides = {"wsgi.input": io.BytesIO(body), "CONTENT_LENGTH": str(announced)}
    with target.test_request_context(
        "/", method="POST", content_type=FORM, environ_overrides=overrides
    ):
        try:
            form = list(flask.request.form.items(multi=True))
        except HTTPException as exc:
            return type(exc), None
        return form, (flask.request.get_data(), flask.request.stream.read())


@pytest.mark.parametrize(
    ("body", "announced"),
    [(b"token=abc&x=1", 13), (b"token=abc&x=1", 9), (b"token=abc&x=1", 20), (b"", 0)],
)
def test_the_body_is_read_as_werkzeug_reads_it(app, body, announced):
    """Exactly ``Content-Length`` bytes; a shorter body is Werkzeug's 400; nothing is left to
    read afterwards."""
    ours = _read_as(app, body, announced)
    assert ours == _read_as(flask.Flask("plain"), body, announced)
    if announced > len(body):
        assert ours == (ClientDisconnected, None)


def test_the_limits_are_the_configuration_of_each_app(app):
    with app.test_request_context("/"):
        assert flask.request.max_content_length == app.config["MAX_CONTENT_LENGTH"]
        assert flask.request.max_form_parts == app.config["MAX_FORM_PARTS"]
        assert flask.request.max_form_memory_size == app.config["MAX_FORM_MEMORY_SIZE"]


def test_a_token_request_with_a_large_form_gets_413_over_http(live_server, world):
    response = requests.post(
        f"{live_server}/malls/{world.mall_id}/api/v2/oauth/token",
        data=b"grant_type=authorization_code&code=" + b"x" * (2 * 1024 * 1024),
        headers={"Content-Type": FORM},
    )
    assert response.status_code == 413
    assert response.json()["error"] == "invalid_request"


def test_ensure_sync_remembers_plain_functions_and_still_runs_coroutines():
    app = AuthServerFlask("sync-check")

    @app.get("/plain")
    def plain():
        return "plain"

    @app.get("/coroutine")
    async def coroutine():
        await asyncio.sleep(0)
        return "coroutine"

    assert app.ensure_sync(plain) is plain
    assert app.ensure_sync(plain) is plain  # from the cache
    client = app.test_client()
    assert client.get("/plain").text == "plain"
    try:
        import asgiref  # noqa: F401 - Flask runs async views through asgiref
    except ImportError:
        with pytest.raises(RuntimeError, match="async"):
            app.ensure_sync(coroutine)
        return
    assert client.get("/coroutine").text == "coroutine"


def test_vary_cookie_only_where_a_cookie_could_change_the_answer(live_server, world):
    """Flask-Login's remember-me hook is skipped without cookies (extensions.py), and with it
    the session read that made every API answer ``Vary: Cookie``; sessions still do."""
    api = requests.get(f"{live_server}/malls/{world.mall_id}/api/v2/admin/products")
    assert api.status_code == 401
    assert "Cookie" not in api.headers.get("Vary", "")
    browser = Browser(live_server, world.mall_id)
    assert browser.login().status_code == 303
    page = browser.get(browser.url(f"/malls/{world.mall_id}/admin/apps"))
    assert page.status_code == 200
    assert "Cookie" in page.headers.get("Vary", "")


#: Responses whose sending must not differ from Werkzeug's: the fast path (a whole body with
#: its length) and every case Werkzeug rewrites (Location, Content-Location, no body, streams).
RESPONSES = [
    lambda: Response('{"a":1}', 200, mimetype="application/json"),
    lambda: Response(b"x", 401, headers=[("WWW-Authenticate", "Bearer"), ("X-A", "1")]),
    lambda: Response("moved", 302, headers={"Location": "/elsewhere?é=1"}),
    lambda: Response("c", 200, headers={"content-location": "/here/é"}),
    lambda: Response("gone", 204),
    lambda: Response("same", 304, headers={"ETag": '"x"'}),
    lambda: Response("early", 103),
    lambda: Response(iter([b"a", b"b"]), 200),
    lambda: Response([b"a", b"bc"], 200),
    lambda: Response("", 200),
]


@pytest.mark.parametrize("build", RESPONSES)
@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_responses_are_sent_as_werkzeug_sends_them(build, method):
    environ = EnvironBuilder("/base/path", method=method).get_environ()
    ours = build()
    theirs = build()
    theirs.__class__ = flask.Response
    our_iter, our_status, our_headers = ours.get_wsgi_response(dict(environ))
    their_iter, their_status, their_headers = theirs.get_wsgi_response(dict(environ))
    assert (our_status, our_headers) == (their_status, their_headers)
    assert list(our_iter) == list(their_iter)


def test_the_app_answers_with_its_response_class(app):
    assert app.response_class is Response
    with app.test_request_context("/"):
        assert isinstance(flask.jsonify(a=1), Response)
