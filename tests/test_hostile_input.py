"""Hostile input (issue 5 point 4): property-based requests with Hypothesis at every endpoint:
random and malformed parameters, repeated parameters, huge values, bad encodings (invalid
UTF-8, percent-encoding garbage, NUL), wrong content types. Never a 5xx, never a stack trace,
always the surface's documented shape: RFC 6749 JSON at the OAuth endpoints, Cafe24's envelope
at the Admin API, an HTML page (or a same-site redirect) elsewhere.

The bulk runs on the Flask test client (fast, raw WSGI environ for undecodable queries); a
smaller pass per surface goes over real HTTP to the live server. Examples are derandomized so
CI is stable; the size limits themselves are checked deterministically at the end.
"""

from __future__ import annotations

import io
from urllib.parse import urlsplit

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .admin_api_support import obtain_token
from .devcenter import log_in
from .helpers import csrf_token

FAST = settings(
    max_examples=100,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
LIVE = settings(FAST, max_examples=25)

NAMES = [
    "grant_type", "code", "redirect_uri", "code_verifier", "refresh_token", "scope", "client_id",
    "client_secret", "token", "token_type_hint", "response_type", "state", "code_challenge",
    "code_challenge_method", "decision", "csrf_token", "user_id", "password", "email", "next",
    "name", "app_url", "redirect_uris", "mall_id", "confirm", "reason", "limit", "offset",
]  # fmt: skip
GARBAGE = [
    b"%", b"%Z", b"%ZZ", b"%00", b"\x00", b"\xff\xfe", b"\xc3\x28", b"%C3%28", b"%ED%A0%80",
    b"a=b=c", b"&&&", b"=", b"+", b"%2", b"\r\n", b"<script>", b"'\"", b"..%2F..%2F",
    b"authorization_code", b"refresh_token", b"S256", b"plain", b"approve", b"deny",
]  # fmt: skip
CONTENT_TYPES = [
    "application/x-www-form-urlencoded",
    "application/x-www-form-urlencoded; charset=utf-16",
    "application/json",
    "text/plain",
    "multipart/form-data",
    "multipart/form-data; boundary=xyz",
    "application/octet-stream",
    "",
]


def _piece() -> st.SearchStrategy[bytes]:
    return st.one_of(
        st.sampled_from(GARBAGE),
        st.binary(max_size=40),
        st.text(max_size=40).map(lambda text: text.encode("utf-8", "surrogatepass")),
        st.integers(1, 20_000).map(lambda size: b"A" * size),
    )


@st.composite
def encoded(draw, names: list[str] | None = None) -> bytes:
    """A form-encoded-looking byte string: known and random names, repeats, garbage values."""
    pairs = draw(
        st.lists(
            st.tuples(
                st.one_of(st.sampled_from([n.encode() for n in names or NAMES]), _piece()),
                _piece(),
            ),
            max_size=8,
        )
    )
    return b"&".join(name + b"=" + value for name, value in pairs)


@st.composite
def hostile_request(draw, methods=("GET", "POST")) -> dict:
    return {
        "method": draw(st.sampled_from(methods)),
        "query": draw(encoded()),
        "body": draw(st.one_of(encoded(), st.binary(max_size=300))),
        "content_type": draw(st.sampled_from(CONTENT_TYPES)),
        "authorization": draw(
            st.one_of(
                st.none(),
                st.sampled_from(["Basic", "Bearer", "Basic Og==", "Basic %%%"]),
                st.binary(max_size=60).map(lambda raw: "Basic " + raw.hex()),
                st.text(alphabet=st.characters(max_codepoint=255), max_size=60),
            )
        ),
    }


def _send(client, path: str, request: dict):
    headers = {}
    if request["authorization"] is not None:
        headers["Authorization"] = request["authorization"]
    return client.open(
        path,
        method=request["method"],
        data=request["body"],
        content_type=request["content_type"] or None,
        headers=headers,
        environ_overrides={"QUERY_STRING": request["query"].decode("latin-1")},
    )


def _no_stack_trace(body: str) -> None:
    assert "Traceback" not in body and 'File "' not in body, body[:300]


def assert_oauth_shape(status: int, content_type: str, body: str, payload) -> None:
    assert status < 500, (status, body[:300])
    _no_stack_trace(body)
    assert content_type.startswith("application/json"), (status, content_type)
    assert isinstance(payload, dict)
    if status >= 400:
        assert set(payload) == {"error", "error_description"}, payload
        assert all(0x20 <= ord(ch) <= 0x7E for ch in payload["error_description"])


def assert_api_shape(status: int, content_type: str, body: str, payload) -> None:
    assert status < 500, (status, body[:300])
    _no_stack_trace(body)
    assert content_type.startswith("application/json"), (status, content_type)
    if status >= 400:
        assert set(payload["error"]) == {"code", "message", "more_info"}, payload
        assert payload["error"]["code"] == status


def assert_page_shape(status: int, content_type: str, body: str, location: str | None) -> None:
    assert status < 500, (status, body[:300])
    _no_stack_trace(body)
    if status in (301, 302, 303):
        target = urlsplit(location or "")
        # Same site (login, https upgrade) or the app's registered redirect URI.
        assert target.netloc in ("", "localhost", "127.0.0.1", "app.example") or (
            target.netloc.startswith("127.0.0.1:")
        ), location
    else:
        assert content_type.startswith("text/html"), (status, content_type)


def _check_oauth(response) -> None:
    payload = response.get_json(silent=True)
    body = response.get_data(as_text=True)
    assert_oauth_shape(response.status_code, response.content_type, body, payload)


def _check_page(response) -> None:
    body = response.get_data(as_text=True)
    location = response.headers.get("Location")
    assert_page_shape(response.status_code, response.content_type or "", body, location)


@pytest.mark.parametrize("endpoint", ["token", "revoke", "introspect"])
def test_oauth_endpoints(app, world, endpoint):
    client = app.test_client()

    @FAST
    @given(request=hostile_request(methods=("POST", "POST", "GET", "PUT")))
    def check(request):
        _check_oauth(_send(client, f"/malls/{world.mall_id}/api/v2/oauth/{endpoint}", request))

    check()


def test_authorize_get_and_post(app, world):
    anonymous = app.test_client()
    operator = app.test_client()
    login = f"/malls/{world.mall_id}/admin/login"
    token = csrf_token(operator.get(login).get_data(as_text=True))
    operator.post(login, data={"user_id": "owner", "password": "correct horse battery",
                               "csrf_token": token})  # fmt: skip
    prefix = (
        f"response_type=code&client_id={world.web.client_id}&redirect_uri=https://app.example/cb&"
    ).encode()

    @FAST
    @given(request=hostile_request(), valid_client=st.booleans(), logged_in=st.booleans())
    def check(request, valid_client, logged_in):
        if valid_client:
            request = {**request, "query": prefix + request["query"]}
        browser = operator if logged_in else anonymous
        _check_page(_send(browser, f"/malls/{world.mall_id}/api/v2/oauth/authorize", request))

    check()


def test_admin_api(app, live_server, world):
    token = obtain_token(live_server, world.mall_id, world.web)["access_token"]
    client = app.test_client()
    resources = ["products", "orders", "store", "products/1", "products/count", "x", "%00", ""]

    @FAST
    @given(
        request=hostile_request(methods=("GET", "POST", "PUT", "DELETE", "PATCH")),
        resource=st.one_of(st.sampled_from(resources), st.text(max_size=30)),
        authorized=st.booleans(),
    )
    def check(request, resource, authorized):
        if authorized:
            request = {**request, "authorization": f"Bearer {token}"}
        path = f"/malls/{world.mall_id}/api/v2/admin/" + resource.replace("?", "").replace("#", "")
        response = _send(client, path, request)
        body = response.get_data(as_text=True)
        payload = response.get_json(silent=True)
        assert_api_shape(response.status_code, response.content_type, body, payload)

    configure_bucket = app.config["AUTHSERVER_API_BUCKET_SIZE"]
    app.config["AUTHSERVER_API_BUCKET_SIZE"] = 10_000
    try:
        check()
    finally:
        app.config["AUTHSERVER_API_BUCKET_SIZE"] = configure_bucket


DEVELOPER_FORMS = ["/new", "/{id}/basic", "/{id}/permissions", "/{id}/credentials/reissue"]


def test_developer_center_forms_and_logins(app, world):
    developer = app.test_client()
    log_in(developer, world.developer)
    token = csrf_token(developer.get("/developers/apps/new").get_data(as_text=True))
    anonymous = app.test_client()
    anonymous_token = csrf_token(anonymous.get("/developers/login").get_data(as_text=True))
    pages = [
        (developer, "/developers/apps" + form.format(id=world.web.client_id), token)
        for form in DEVELOPER_FORMS
    ] + [
        (developer, "/developers/test-malls", token),
        (anonymous, "/developers/login", anonymous_token),
        (anonymous, "/developers/signup", anonymous_token),
        (anonymous, "/review/login", anonymous_token),
        (anonymous, f"/malls/{world.mall_id}/admin/login", anonymous_token),
    ]

    @FAST
    @given(
        page=st.sampled_from(pages),
        request=hostile_request(),
        with_token=st.booleans(),
    )
    def check(page, request, with_token):
        browser, path, csrf = page
        if with_token:
            request = {
                **request,
                "body": request["body"] + b"&csrf_token=" + csrf.encode(),
                "content_type": "application/x-www-form-urlencoded",
            }
        _check_page(_send(browser, path, request))

    check()


# -- one pass over real HTTP per surface ---------------------------------------------------------
def _live(method: str, url: str, request: dict) -> requests.Response:
    headers = {"Content-Type": request["content_type"]} if request["content_type"] else {}
    if request["authorization"] is not None:
        headers["Authorization"] = request["authorization"].encode("latin-1")
    return requests.request(
        method, url, data=request["body"], headers=headers, allow_redirects=False, timeout=30
    )


def test_live_server_pass(app, live_server, world):
    base = f"{live_server}/malls/{world.mall_id}"
    session_token = obtain_token(live_server, world.mall_id, world.web)["access_token"]

    @LIVE
    @given(request=hostile_request())
    def check(request):
        for endpoint in ("token", "revoke", "introspect"):
            answer = _live("POST", f"{base}/api/v2/oauth/{endpoint}", request)
            assert_oauth_shape(answer.status_code, answer.headers["Content-Type"],
                               answer.text, answer.json())  # fmt: skip
        answer = _live(request["method"], f"{base}/api/v2/oauth/authorize", request)
        assert_page_shape(answer.status_code, answer.headers.get("Content-Type", ""),
                          answer.text, answer.headers.get("Location"))  # fmt: skip
        for login in (f"{base}/admin/login", f"{live_server}/developers/login"):
            answer = _live("POST", login, request)
            assert_page_shape(answer.status_code, answer.headers.get("Content-Type", ""),
                              answer.text, answer.headers.get("Location"))  # fmt: skip
        api = {**request, "authorization": f"Bearer {session_token}"}
        answer = _live(request["method"], f"{base}/api/v2/admin/products", api)
        assert_api_shape(answer.status_code, answer.headers["Content-Type"],
                         answer.text, answer.json())  # fmt: skip

    check()


# -- size limits ---------------------------------------------------------------------------------
def test_size_limits_answer_413_414_400_in_each_surfaces_shape(app, world):
    client = app.test_client()
    token_url = f"/malls/{world.mall_id}/api/v2/oauth/token"
    big_form = client.post(token_url, data={"grant_type": "refresh_token", "x": "A" * 70_000})
    assert big_form.status_code == 413 and big_form.json["error"] == "invalid_request"
    huge = client.post(token_url, data=b"A" * (1024 * 1024 + 1), content_type="text/plain")
    assert huge.status_code == 413 and huge.json["error"] == "invalid_request"
    many = client.post(token_url, data="&".join(f"f{i}=1" for i in range(201)),
                       content_type="application/x-www-form-urlencoded")  # fmt: skip
    assert many.status_code == 400 and many.json["error"] == "invalid_request"

    long_query = "state=" + "A" * 9000
    page = client.get(f"/malls/{world.mall_id}/api/v2/oauth/authorize?{long_query}")
    assert page.status_code == 414 and page.mimetype == "text/html"
    api = client.get(f"/malls/{world.mall_id}/api/v2/admin/products?{long_query}")
    assert api.status_code == 414 and api.json["error"]["code"] == 414
    login = client.post("/developers/login", data={"email": "A" * 70_000})
    assert login.status_code == 413 and login.mimetype == "text/html"
    upload = {"f": (io.BytesIO(b"A" * (1024 * 1024 + 1)), "a.png")}
    icon = client.post("/developers/login", data=upload, content_type="multipart/form-data")
    assert icon.status_code == 413


def test_nul_characters_are_400_never_a_database_error(app, world):
    client = app.test_client()
    mall = world.mall_id
    assert client.get("/malls/a%00b/admin/login").status_code in (400, 404)
    assert client.get(f"/malls/{mall}/api/v2/oauth/authorize?client_id=%00").status_code == 400
    answer = client.post(f"/malls/{mall}/api/v2/oauth/token", data={"client_id": "a\x00"})
    assert answer.status_code == 400 and answer.json["error"] == "invalid_request"
    basic = client.post(
        f"/malls/{mall}/api/v2/oauth/introspect",
        data={"token": "x"},
        headers={"Authorization": "Basic YQBiOmM="},  # "a\x00b:c"
    )
    assert basic.status_code == 401 and basic.json["error"] == "invalid_client"


@pytest.mark.parametrize("endpoint, field", [("introspect", "token"), ("token", "code")])
def test_an_oversize_form_is_413_and_never_parsed(app, world, gateway, endpoint, field):
    """Over AUTHSERVER_MAX_FORM_BYTES the size limits answer 413 before any view reads the
    form (introspection and the token endpoint read it for their one statement)."""
    from flask.testing import EnvironBuilder
    from werkzeug.exceptions import RequestEntityTooLarge

    url = f"/malls/{world.mall_id}/api/v2/oauth/{endpoint}"
    body = {
        "grant_type": "authorization_code",
        "client_id": world.native.client_id,
        field: "A" * (app.config["AUTHSERVER_MAX_FORM_BYTES"] + 1),
    }
    answer = app.test_client().post(url, data=body, auth=gateway)
    assert answer.status_code == 413 and answer.json["error"] == "invalid_request"
    builder = EnvironBuilder(app, url, method="POST", data=body)
    environ = builder.get_environ()
    builder.close()
    sent = environ["wsgi.input"]
    with app.request_context(environ), pytest.raises(RequestEntityTooLarge):
        app.preprocess_request()
    assert sent.tell() == 0  # not a byte of the body read: the form was never parsed
