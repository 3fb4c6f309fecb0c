"""Test helpers: a seeded world, an operator's browser, PKCE pairs, form parsing."""

from __future__ import annotations

import base64
import hashlib
import os
import re
import secrets
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

import pytest
import requests
from sqlalchemy import event

from authserver import scopes
from authserver.app_status import Status
from authserver.extensions import db
from authserver.models import App, Developer, Mall, Operator

PASSWORD = "correct horse battery"
WEB_REDIRECT = "https://app.example/cb"
NATIVE_REDIRECT = "http://127.0.0.1/callback"
WEB_SCOPES = ["mall.read_product", "mall.write_product", "mall.read_order", "mall.read_store"]


@dataclass
class Client:
    client_id: str
    client_secret: str
    redirect_uri: str
    scopes: list[str]
    app_type: str = "web"


@dataclass
class World:
    mall_id: str
    operator: str
    developer: str
    web: Client
    native: Client
    other_web: Client
    extra: dict = field(default_factory=dict)


def add_app(
    developer: Developer,
    *,
    name: str = "Test App",
    app_type: str = "web",
    redirect_uris: list[str] | None = None,
    scope_list: list[str] | None = None,
    status: str = Status.IN_PRODUCTION,
) -> Client:
    redirect_uris = redirect_uris or [WEB_REDIRECT if app_type == "web" else NATIVE_REDIRECT]
    scope_list = scope_list or WEB_SCOPES
    app, secret = App.register(
        developer=developer,
        name=name,
        app_url="https://app.example/",
        app_type=app_type,
        redirect_uris=redirect_uris,
        scope=scopes.to_string(scope_list),
        status=status,
    )
    db.session.add(app)
    db.session.commit()
    return Client(app.client_id, secret, redirect_uris[0], scopes.normalise(scope_list), app_type)


def add_mall(mall_id: str, operator: str = "owner", test_mall_of: Developer | None = None) -> Mall:
    mall = Mall(mall_id=mall_id, test_mall_of=test_mall_of)
    account = Operator(user_id=operator, mall=mall)
    account.set_password(PASSWORD)
    db.session.add_all([mall, account])
    db.session.commit()
    return mall


def make_world() -> World:
    developer = Developer(email="dev@example.com")
    developer.set_password(PASSWORD)
    db.session.add(developer)
    db.session.commit()
    add_mall("testmall", test_mall_of=developer)
    return World(
        mall_id="testmall",
        operator="owner",
        developer=developer.email,
        web=add_app(developer, name="Web App"),
        native=add_app(developer, name="Native App", app_type="native"),
        other_web=add_app(developer, name="Other App"),
    )


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, "no csrf_token in the page"
    return match.group(1)


def query_of(location: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(location).query).items()}


class Browser:
    """An operator's browser: a cookie jar that logs in and answers consent pages."""

    def __init__(self, base_url: str, mall_id: str):
        self.base_url = base_url
        self.mall_id = mall_id
        self.session = requests.Session()

    def url(self, path: str) -> str:
        return urljoin(self.base_url, path)

    def authorize_url(self, client: Client, **params) -> str:
        query = {
            "response_type": "code",
            "client_id": client.client_id,
            "redirect_uri": client.redirect_uri,
            "scope": ",".join(client.scopes),
            "state": "xyz",
        }
        query.update(params)
        query = {key: value for key, value in query.items() if value is not None}
        return self.url(f"/malls/{self.mall_id}/api/v2/oauth/authorize?{urlencode(query)}")

    def login(self, user_id: str = "owner", password: str = PASSWORD) -> requests.Response:
        login_url = self.url(f"/malls/{self.mall_id}/admin/login")
        page = self.session.get(login_url)
        return self.session.post(
            login_url,
            data={"user_id": user_id, "password": password, "csrf_token": csrf_token(page.text)},
            allow_redirects=False,
        )

    def get(self, url: str, **kwargs) -> requests.Response:
        return self.session.get(url, allow_redirects=False, **kwargs)

    def open_consent(self, authorize_url: str) -> requests.Response:
        """GET the authorize URL (logged in): the consent page, or a redirect."""
        return self.get(authorize_url)

    def decide(self, authorize_url: str, decision: str = "approve") -> requests.Response:
        page = self.open_consent(authorize_url)
        if page.status_code != 200:
            return page
        return self.session.post(
            authorize_url,
            data={"decision": decision, "csrf_token": csrf_token(page.text)},
            allow_redirects=False,
        )

    def authorize(self, client: Client, **params) -> dict[str, str]:
        """Approve and return the redirect's query (``code``, ``state``, ``iss``)."""
        response = self.decide(self.authorize_url(client, **params))
        assert response.status_code in (302, 303), response.text[:500]
        location = response.headers["Location"]
        expected = params.get("redirect_uri") or client.redirect_uri
        assert location.startswith(expected + "?"), location
        return query_of(location)


def token_url(base_url: str, mall_id: str) -> str:
    return f"{base_url}/malls/{mall_id}/api/v2/oauth/token"


def exchange(base_url: str, mall_id: str, client: Client, code: str, **extra) -> requests.Response:
    """The code exchange as Cafe24 documents it: HTTP Basic, form body."""
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": client.redirect_uri}
    data.update(extra)
    auth = (client.client_id, client.client_secret) if client.app_type == "web" else None
    if client.app_type != "web":
        data.setdefault("client_id", client.client_id)
    return requests.post(token_url(base_url, mall_id), data=data, auth=auth)


def refresh(base_url: str, mall_id: str, client: Client, refresh_token: str, **extra):
    data = {"grant_type": "refresh_token", "refresh_token": refresh_token}
    data.update(extra)
    auth = (client.client_id, client.client_secret) if client.app_type == "web" else None
    if client.app_type != "web":
        data.setdefault("client_id", client.client_id)
    return requests.post(token_url(base_url, mall_id), data=data, auth=auth)


class Statements:
    """Counts the SQL statements the app runs on ``engine``, or on every engine when given
    SQLAlchemy's ``Engine`` class (the live server shares this process's engines), except those
    on the file ``ignore`` (e.g. the rate limiter's own SQLite file, which is not the database)."""

    def __init__(self, engine, ignore: str | None = None):
        self.engine, self.count, self._lock = engine, 0, threading.Lock()
        self.ignore = ignore

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._seen)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._seen)

    def _seen(self, connection, *args, **kwargs):
        if self.ignore is not None and connection.engine.url.database == self.ignore:
            return
        with self._lock:
            self.count += 1


#: The Redis the suite may use; .ci/run's machine has one at this address.
REDIS_URL = os.environ.get("AUTHSERVER_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@contextmanager
def redis_keyspace(label: str) -> Iterator[tuple[object, str]]:
    """A client of the test Redis and a key prefix of the caller's own, whose keys are deleted
    afterwards. Without a Redis the test is skipped, and under CI it fails."""
    redis = pytest.importorskip("redis")
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.RedisError as error:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"no Redis at {REDIS_URL}: {error}")
    prefix = f"authserver-{label}-{uuid.uuid4().hex}:"
    try:
        yield client, prefix
    finally:
        keys = list(client.scan_iter(match=f"{prefix}*"))
        if keys:
            client.delete(*keys)
        client.close()
