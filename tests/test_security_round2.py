"""Issue 16 (security round 2), input items: huge numbers at the Admin API (item 4), validators
fooled by a trailing newline (item 10), chunked bodies past the form limit (item 8)."""

from __future__ import annotations

import pytest
import requests
from sqlalchemy import func, select

from authserver.admin_api.records import AdminRecord
from authserver.extensions import db
from authserver.models.apps import NATIVE, WEB
from authserver.store.malls import mall_id_problem
from authserver.validators import (
    https_url_problem,
    is_loopback_redirect_uri,
    redirect_uri_matches,
    redirect_uri_problem,
)
from authserver.web.developer_center import forms

from .admin_api_support import ALL, Api, app_with_scopes, obtain_token
from .helpers import (
    NATIVE_REDIRECT,
    PASSWORD,
    Browser,
    csrf_token,
    exchange,
    pkce_pair,
    token_url,
)

HUGE = "1" + "0" * 400  # a JSON integer no float holds: math.isfinite overflowed on it


# -- item 4: numbers outside a field's range are a 422 naming the field ----------------------
def _raw_post(api: Api, path: str, body: str) -> requests.Response:
    return api.session.post(
        f"{api.base_url}/malls/{api.mall_id}/api/v2/admin/{path}",
        data=body.encode(),
        headers={"Content-Type": "application/json"},
    )


def _api(app, live_server: str, world) -> Api:
    client = app_with_scopes(app, world, ALL)
    return Api(
        live_server, world.mall_id, obtain_token(live_server, world.mall_id, client)["access_token"]
    )


def _record_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(AdminRecord))


@pytest.mark.parametrize(
    "path, request_json, field",
    [
        ("products", f'{{"product_name": "p", "price": {HUGE}}}', "price"),
        ("products", f'{{"product_name": "p", "price": -{HUGE}}}', "price"),
        ("products", '{"product_name": "p", "price": 1e400}', "price"),
        ("products", '{"product_name": "p", "price": 1, "supply_price": 1e16}', "supply_price"),
        ("suppliers", f'{{"supplier_name": "s", "commission": {HUGE}}}', "commission"),
        ("coupons", f'{{"coupon_name": "c", "benefit_price": {HUGE}}}', "benefit_price"),
        ("categories", f'{{"category_name": "c", "display_order": {HUGE}}}', "display_order"),
        ("categories", '{"category_name": "c", "display_order": 1e400}', "display_order"),
        ("categories", '{"category_name": "c", "display_order": 2147483648}', "display_order"),
        ("coupons", '{"coupon_name": "c", "available_coupon_count_by_order": -1}',
         "available_coupon_count_by_order"),
        ("categories", f'{{"category_name": "c", "parent_category_no": {HUGE}}}',
         "parent_category_no"),
        ("products", f'{{"product_name": "p", "price": "1", "margin_rate": {HUGE}}}',
         "margin_rate"),
    ],
)  # fmt: skip
def test_huge_numbers_are_422_naming_the_field(app, live_server, world, path, request_json, field):
    api = _api(app, live_server, world)
    answer = _raw_post(api, path, f'{{"shop_no": 1, "request": {request_json}}}')
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"]["code"] == 422
    assert answer.json()["error"]["more_info"] == {"field": field}
    assert _record_count(app) == 0


def test_unparseable_numbers_in_the_body_are_400_never_500(app, live_server, world):
    api = _api(app, live_server, world)
    for number in ("1" * 5000, "-" + "9" * 5000, "NaN", "Infinity"):  # over Python's 4300 digits
        body = f'{{"shop_no": 1, "request": {{"product_name": "p", "price": {number}}}}}'
        answer = _raw_post(api, "products", body)
        assert answer.status_code == 400, answer.text
        assert answer.json()["error"]["more_info"] == {"field": "body"}
    shop = _raw_post(api, "products", f'{{"shop_no": {HUGE}, "request": {{}}}}')
    assert shop.status_code == 422 and shop.json()["error"]["more_info"] == {"field": "shop_no"}
    assert _record_count(app) == 0


# -- item 10: full matches, so a trailing newline matches nothing ------------------------------
def test_loopback_redirect_uri_with_a_trailing_newline_gets_no_code(live_server, world):
    browser = Browser(live_server, world.mall_id)
    assert browser.login().status_code == 303
    _, challenge = pkce_pair()
    pkce = {"code_challenge": challenge, "code_challenge_method": "S256"}
    url = browser.authorize_url(world.native, redirect_uri="http://127.0.0.1:9999/callback\n",
                                **pkce)  # fmt: skip
    assert "callback%0A" in url
    page = browser.open_consent(url)
    assert page.status_code == 400 and "Location" not in page.headers
    answer = browser.session.post(url, data={"decision": "approve"}, allow_redirects=False)
    assert answer.status_code == 400 and "Location" not in answer.headers
    # The same URI without the newline (any port) is the registered one: a consent page.
    good = browser.authorize_url(world.native, redirect_uri="http://127.0.0.1:9999/callback",
                                 **pkce)  # fmt: skip
    assert browser.open_consent(good).status_code == 200


def test_code_challenge_with_a_trailing_newline_is_refused(live_server, world):
    browser = Browser(live_server, world.mall_id)
    assert browser.login().status_code == 303
    _, challenge = pkce_pair()
    url = browser.authorize_url(
        world.native, code_challenge=challenge + "\n", code_challenge_method="S256"
    )
    answer = browser.open_consent(url)
    assert answer.status_code in (302, 303)
    assert answer.headers["Location"].startswith(NATIVE_REDIRECT + "?")
    assert "error=invalid_request" in answer.headers["Location"]
    assert "code=" not in answer.headers["Location"]


def test_every_pattern_validator_refuses_a_trailing_newline(app):
    assert not is_loopback_redirect_uri("http://127.0.0.1/cb\n")
    assert not redirect_uri_matches("http://127.0.0.1/cb", "http://127.0.0.1:9999/cb\n", NATIVE)
    assert not redirect_uri_matches("http://127.0.0.1/cb", "http://127.0.0.1/cb\n", NATIVE)
    assert redirect_uri_matches("http://127.0.0.1/cb", "http://127.0.0.1:9999/cb", NATIVE)
    for app_type in (WEB, NATIVE):
        assert redirect_uri_problem("https://app.example/cb\n", app_type)
        assert redirect_uri_problem("http://127.0.0.1/cb\n", app_type)
    assert https_url_problem("https://app.example/\n")
    with app.app_context():
        assert mall_id_problem("goodmall\n")
        assert mall_id_problem("goodmall") is None

    class Field:  # what WTForms hands a validator: the (filtered) value
        def __init__(self, data):
            self.data = data

    email = forms.EMAIL[-1]  # the pattern check, after DataRequired and Length
    email(None, Field("dev@example.com"))
    for bad in ("dev@example.com\n", "dev@example.com\nx", "dev@example"):
        with pytest.raises(ValueError):
            email(None, Field(bad))
    operator = forms.TestMallForm.operator.kwargs["validators"][-1]
    with pytest.raises(ValueError):
        operator(None, Field("owner\n"))


def test_developer_signup_and_login_refuse_an_email_with_an_inner_newline(live_server, world):
    session = requests.Session()
    page = session.get(f"{live_server}/developers/login")
    answer = session.post(
        f"{live_server}/developers/login",
        data={"email": "dev@example.com\nx", "password": PASSWORD,
              "csrf_token": csrf_token(page.text)},
        allow_redirects=False,
    )  # fmt: skip
    assert answer.status_code != 303


# -- item 8: the form limit holds for chunked bodies too ---------------------------------------
def _chunked(prefix: bytes, total: int):
    """A body sent as ``Transfer-Encoding: chunked`` (requests does for a generator)."""
    yield prefix
    sent, piece = len(prefix), b"A" * 8192
    while sent < total:
        yield piece
        sent += len(piece)


def _post_chunked(url: str, prefix: bytes, **kwargs) -> requests.Response:
    headers = {"Content-Type": "application/x-www-form-urlencoded", **kwargs.pop("headers", {})}
    return requests.post(url, data=_chunked(prefix, 900_000), headers=headers,
                         allow_redirects=False, **kwargs)  # fmt: skip


def test_a_chunked_form_over_the_limit_is_413_and_not_processed(app, live_server, world, gateway):
    browser = Browser(live_server, world.mall_id)
    assert browser.login().status_code == 303
    code = browser.authorize(world.web)["code"]
    token = token_url(live_server, world.mall_id)
    prefix = (f"grant_type=authorization_code&code={code}&redirect_uri="
              f"{requests.utils.quote(world.web.redirect_uri, safe='')}&pad=").encode()  # fmt: skip
    answer = _post_chunked(token, prefix, auth=(world.web.client_id, world.web.client_secret))
    assert answer.status_code == 413, answer.text[:300]
    assert answer.json()["error"] == "invalid_request"
    # Nothing was processed: the code is still unused.
    assert exchange(live_server, world.mall_id, world.web, code).status_code == 200

    introspect = f"{live_server}/malls/{world.mall_id}/api/v2/oauth/introspect"
    answer = _post_chunked(introspect, b"token=x&pad=", auth=gateway)
    assert answer.status_code == 413 and answer.json()["error"] == "invalid_request"

    session = requests.Session()
    login_page = session.get(f"{live_server}/developers/login")
    prefix = (f"csrf_token={csrf_token(login_page.text)}&email=dev%40example.com"
              f"&password={requests.utils.quote(PASSWORD)}&pad=").encode()  # fmt: skip
    answer = session.post(f"{live_server}/developers/login", data=_chunked(prefix, 900_000),
                          headers={"Content-Type": "application/x-www-form-urlencoded"},
                          allow_redirects=False)  # fmt: skip
    assert answer.status_code == 413 and answer.headers["Content-Type"].startswith("text/html")
    # Not logged in: the Developer Center still sends this browser to its login page.
    apps = session.get(f"{live_server}/developers/apps", allow_redirects=False)
    assert apps.status_code == 302


def test_a_chunked_form_under_the_limit_still_works(live_server, world):
    browser = Browser(live_server, world.mall_id)
    assert browser.login().status_code == 303
    code = browser.authorize(world.web)["code"]
    body = (f"grant_type=authorization_code&code={code}&redirect_uri="
            f"{requests.utils.quote(world.web.redirect_uri, safe='')}").encode()  # fmt: skip
    answer = requests.post(
        token_url(live_server, world.mall_id),
        data=iter([body[:10], body[10:]]),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        auth=(world.web.client_id, world.web.client_secret),
    )
    assert answer.status_code == 200, answer.text


def test_a_chunked_admin_api_body_over_the_limit_is_413_and_writes_nothing(app, live_server, world):
    api = _api(app, live_server, world)
    valid = b'{"shop_no": 1, "request": {"product_name": "p", "price": 1}}'
    pieces = [valid] + [b" " * 65536] * 17  # valid JSON, padded past MAX_CONTENT_LENGTH (1 MiB)
    answer = api.session.post(
        f"{live_server}/malls/{world.mall_id}/api/v2/admin/products",
        data=iter(pieces),
        headers={"Content-Type": "application/json"},
    )
    assert answer.status_code == 413, answer.text[:300]
    assert answer.json()["error"]["code"] == 413
    assert _record_count(app) == 0
