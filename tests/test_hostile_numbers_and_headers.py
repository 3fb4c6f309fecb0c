"""Hostile input, continued (issue 16): Hypothesis over the Admin API's write bodies (numbers at
and past every field's limits, 400-digit integers, 1e400, deep nesting, long arrays) and over
every header the server reads (Host, X-Forwarded-* with and without AUTHSERVER_PROXY_HOPS,
Authorization and the gateway's headers in odd encodings). Never a 5xx, always the surface's
documented shape (the assertions of test_hostile_input.py). Bounded: derandomized, a few dozen
examples each, on the Flask test client (raw WSGI environ for bytes no client would send).
"""

from __future__ import annotations

import base64

import pytest
import requests
from hypothesis import given, settings
from hypothesis import strategies as st

from authserver import create_app
from authserver.admin_api.resources import INT, ITEMS, NUMBER, RESOURCES, STR_LIST, TEXT

from .admin_api_support import ALL, app_with_scopes, obtain_token
from .test_hostile_input import FAST, assert_api_shape, assert_oauth_shape, assert_page_shape

#: The top-level resources that take a write body (sub-resources' bodies are the same checks).
WRITABLE = [
    r
    for r in RESOURCES.values()
    if r.kind != "report" and r.parent is None and {"create", "update"} & r.actions
]
PER_RESOURCE = settings(FAST, max_examples=25)

#: Integers at and just past every limit the API has (MAX_INT, the 10**15 of amounts, 64 bits).
EDGE_INTS = [0, 1, -1, 2**31 - 2, 2**31 - 1, 2**31, -(2**31), 2**53 + 1, 10**15, 10**15 + 1,
             2**63, -(2**63) - 1]  # fmt: skip
#: Number literals that are not what any float or small int holds, written as JSON text.
RAW_NUMBERS = ["1" + "0" * 400, "-" + "9" * 400, "1e400", "-1e400", "1e-400", "1.5e308",
               "0.1e-999999", "1" * 4301, "12345678901234567890.5", "-0", "0.0"]  # fmt: skip


def _json_number() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(EDGE_INTS).map(str),
        st.sampled_from(RAW_NUMBERS),
        st.integers(min_value=-(2**70), max_value=2**70).map(str),
        st.floats(allow_nan=False, allow_infinity=False).map(repr),
    )


@st.composite
def _json_value(draw, depth: int = 0) -> str:
    """JSON text: numbers mostly, with strings, booleans, null, arrays and objects."""
    choices = [_json_number(), st.sampled_from(['"x"', "true", "null", "[]", "{}", '""'])]
    if depth < 2:
        choices.append(
            st.lists(_json_value(depth + 1), max_size=4).map(lambda v: f"[{','.join(v)}]")
        )
        choices.append(
            st.lists(_items_entry(), min_size=1, max_size=3).map(lambda v: f"[{','.join(v)}]")
        )
    return draw(st.one_of(*choices))


@st.composite
def _items_entry(draw) -> str:
    return f'{{"product_no":{draw(_json_number())},"quantity":{draw(_json_number())}}}'


@st.composite
def _write_body(draw, resource) -> tuple[str, str, str]:
    """(method, path, body): a create or update of ``resource`` with hostile field values."""
    fields = {}
    for f in resource.fields:
        if draw(st.booleans()) or f.required:
            if f.type in (INT, NUMBER):  # the literals past every limit, most of the time
                fields[f.name] = draw(st.one_of(st.sampled_from(RAW_NUMBERS), _json_number()))
            elif f.type == ITEMS:
                fields[f.name] = draw(_json_value())
            elif f.type in (STR_LIST, TEXT):
                fields[f.name] = draw(st.sampled_from(['["a"]', '"t"', draw(_json_value())]))
            else:
                fields[f.name] = draw(st.sampled_from(['"v"', draw(_json_value())]))
    request = "{" + ",".join(f'"{name}":{value}' for name, value in fields.items()) + "}"
    shape = draw(st.sampled_from(["plain", "nested", "array", "shop"]))
    if shape == "nested":  # deep nesting where a field's value goes: 400 or 422, no recursion
        depth = draw(st.integers(1, 5000))
        name = draw(st.sampled_from([f.name for f in resource.fields] or ["x"]))
        fields[name] = "[" * depth + "]" * depth
        request = "{" + ",".join(f'"{key}":{value}' for key, value in fields.items()) + "}"
    elif shape == "array":  # a long array: bounded by MAX_CONTENT_LENGTH anyway
        length = draw(st.integers(0, 20_000))
        request = "[" + ",".join(["1"] * length) + "]"
    shop = draw(_json_number()) if shape == "shop" else "1"
    body = f'{{"shop_no":{shop},"request":{request}}}'
    if resource.kind == "singleton":
        return "PUT", resource.path, body
    method = draw(st.sampled_from(["POST", "PUT"]))
    return method, resource.path if method == "POST" else f"{resource.path}/1", body


@pytest.mark.parametrize("resource", WRITABLE, ids=lambda r: r.path)
def test_admin_api_write_bodies_with_hostile_numbers(app, live_server, world, configure, resource):
    configure(AUTHSERVER_API_BUCKET_SIZE=100_000)
    client_app = app_with_scopes(app, world, ALL)
    token = obtain_token(live_server, world.mall_id, client_app)["access_token"]
    client = app.test_client()

    @PER_RESOURCE
    @given(call=_write_body(resource))
    def check(call):
        method, path, body = call
        response = client.open(
            f"/malls/{world.mall_id}/api/v2/admin/{path}",
            method=method,
            data=body.encode(),
            content_type="application/json",
            headers={"Authorization": f"Bearer {token}"},
        )
        payload = response.get_json(silent=True)
        assert_api_shape(response.status_code, response.content_type,
                         response.get_data(as_text=True), payload)  # fmt: skip
        assert response.status_code in (200, 201, 400, 404, 413, 422), payload
        if response.status_code == 422:
            assert payload["error"]["more_info"].get("field"), payload

    check()


# -- headers -------------------------------------------------------------------------------
def _header_value() -> st.SearchStrategy[str]:
    """A header value as WSGI carries it: latin-1 text, any byte (PEP 3333)."""
    return st.one_of(
        st.sampled_from(["", " ", "evil.example", "127.0.0.1", "localhost:5000", "[::1]:8080",
                         "https", "http", "ftp", "1.2.3.4, 5.6.7.8", "a" * 5000, "%00",
                         "auth.example.com:99999", "[::1", "xn--e1a.example", "a,b,c", "0"]),
        st.binary(max_size=80).map(lambda raw: raw.decode("latin-1")),
        st.text(max_size=40).map(lambda t: t.encode("utf-8", "surrogatepass").decode("latin-1")),
    )  # fmt: skip


def _authorization() -> st.SearchStrategy[str]:
    schemes = st.sampled_from(["Basic", "Bearer", "bearer", "BASIC", "Digest", "Negotiate", "",
                               "Basic  ", "Bearer\t", "Token"])  # fmt: skip
    return st.one_of(
        st.none(),
        st.tuples(schemes, _header_value()).map(lambda pair: f"{pair[0]} {pair[1]}"),
        st.binary(max_size=60).map(lambda raw: "Basic " + base64.b64encode(raw).decode()),
        st.just("Bearer " + "A" * 9000),
        _header_value(),
    )


HEADERS = ["HTTP_HOST", "HTTP_X_FORWARDED_FOR", "HTTP_X_FORWARDED_PROTO", "HTTP_X_FORWARDED_HOST",
           "HTTP_X_FORWARDED_PORT", "HTTP_X_FORWARDED_PREFIX", "HTTP_X_GATEWAY_AUTHORIZATION",
           "HTTP_X_ORIGINAL_METHOD", "HTTP_X_ORIGINAL_URI", "HTTP_ACCEPT_LANGUAGE",
           "HTTP_COOKIE", "HTTP_USER_AGENT"]  # fmt: skip


@pytest.fixture(scope="module")
def proxied_app(app):
    """The same database behind one trusted proxy (``AUTHSERVER_PROXY_HOPS=1``)."""
    return create_app(
        {
            "AUTHSERVER_DATABASE_URL": app.config["AUTHSERVER_DATABASE_URL"],
            "AUTHSERVER_SECRET_KEY": "test-secret-key",
            "AUTHSERVER_PROXY_HOPS": 1,
            "AUTHSERVER_ACCESS_LOG": False,
            "TESTING": True,
        }
    )


@pytest.mark.parametrize("hops", [0, 1])
def test_every_header_the_server_reads(app, proxied_app, world, hops):
    target = proxied_app if hops else app
    client = target.test_client()
    mall = f"/malls/{world.mall_id}"
    calls = [
        ("GET", f"{mall}/.well-known/oauth-authorization-server", "oauth"),
        ("GET", f"/.well-known/oauth-authorization-server{mall}", "oauth"),
        ("GET", f"{mall}/.well-known/jwks.json", "oauth"),
        ("POST", f"{mall}/api/v2/oauth/token", "oauth"),
        ("POST", f"{mall}/api/v2/oauth/introspect", "oauth"),
        ("POST", f"{mall}/api/v2/oauth/revoke", "oauth"),
        ("GET", f"{mall}/api/v2/admin/products", "api"),
        ("GET", "/gateway/check", "api"),
        ("GET", f"{mall}/api/v2/oauth/authorize?client_id={world.web.client_id}", "page"),
        ("GET", f"{mall}/admin/login", "page"),
        ("GET", "/developers/login", "page"),
        ("GET", "/healthz", "ops"),
    ]

    @FAST
    @given(
        call=st.sampled_from(calls),
        headers=st.dictionaries(st.sampled_from(HEADERS), _header_value(), max_size=6),
        authorization=_authorization(),
    )
    def check(call, headers, authorization):
        method, path, surface = call
        environ = dict(headers)
        if authorization is not None:
            environ["HTTP_AUTHORIZATION"] = authorization
        response = client.open(
            path,
            method=method,
            data=b"grant_type=refresh_token&refresh_token=x&token=x" if method == "POST" else None,
            content_type="application/x-www-form-urlencoded" if method == "POST" else None,
            environ_overrides=environ,
        )
        body = response.get_data(as_text=True)
        payload = response.get_json(silent=True)
        if surface == "oauth":
            assert_oauth_shape(response.status_code, response.content_type, body, payload)
        elif surface == "ops":  # JSON when answered, an error in the page shape otherwise
            assert response.status_code < 500 and (
                payload is not None or response.status_code >= 400
            )
        elif path.startswith("/gateway/"):  # nginx's auth_request reads only the status
            assert response.status_code < 500, body[:300]
        elif surface == "api":
            if response.status_code >= 400:
                assert_api_shape(response.status_code, response.content_type, body, payload)
        else:
            location = response.headers.get("Location")
            assert_page_shape(response.status_code, response.content_type or "", body, location)
        if "evil.example" in environ.get("HTTP_HOST", "") and not hops:
            assert "evil.example" not in body  # never an issuer, a link or a realm from it

    check()


@pytest.mark.parametrize("value", [b"Bearer \x85", b"x \xa0", b"Bearer  "])
@pytest.mark.parametrize("endpoint", ["token", "introspect", "revoke"])
def test_an_authorization_authlib_cannot_split_is_a_failed_authentication(
    live_server, world, endpoint, value
):
    """Found by the fuzzing above: Authlib's Basic parser splits on any whitespace (U+0085,
    U+00A0) and raised on a value of one word after a space: a 500 at every endpoint that
    authenticates clients."""
    answer = requests.post(
        f"{live_server}/malls/{world.mall_id}/api/v2/oauth/{endpoint}",
        data={"token": "x", "grant_type": "refresh_token", "refresh_token": "x"},
        headers={"Authorization": value},
    )
    assert answer.status_code in (400, 401), answer.text
    assert answer.json()["error"] == "invalid_client"
