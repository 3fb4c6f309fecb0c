"""Support for the Admin API tests: real tokens from the real flow, and a small API client."""

from __future__ import annotations

from collections.abc import Iterable

import requests

from authserver import scopes
from authserver.admin_api.resources import RESOURCES
from authserver.extensions import db
from authserver.models import Developer

from .helpers import Browser, Client, World, add_app, exchange


def api_url(base_url: str, mall_id: str, path: str) -> str:
    return f"{base_url}/malls/{mall_id}/api/v2/admin/{path}"


def obtain_token(
    base_url: str, mall_id: str, client: Client, scope_list: Iterable[str] | None = None
) -> dict:
    """Log in as the operator, approve, exchange the code: the token response."""
    browser = Browser(base_url, mall_id)
    assert browser.login().status_code == 303
    wanted = list(scope_list) if scope_list is not None else client.scopes
    query = browser.authorize(client, scope=",".join(wanted))
    answer = exchange(base_url, mall_id, client, query["code"])
    assert answer.status_code == 200, answer.text
    return answer.json()


def app_with_scopes(app, world: World, scope_list: Iterable[str], name: str = "API App") -> Client:
    """A web app of the world's developer registering ``scope_list``."""
    with app.app_context():
        developer = db.session.query(Developer).filter_by(email=world.developer).one()
        return add_app(developer, name=name, scope_list=list(scope_list))


ALL = list(scopes.ALL_SCOPES)


class Api:
    """Calls to one mall's Admin API with one bearer token."""

    def __init__(self, base_url: str, mall_id: str, token: str):
        self.base_url, self.mall_id, self.token = base_url, mall_id, token
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"

    def call(self, method: str, path: str, body=None, **kwargs) -> requests.Response:
        if body is not None:
            kwargs["json"] = {"shop_no": 1, "request": body}
        return self.session.request(method, api_url(self.base_url, self.mall_id, path), **kwargs)

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.call("GET", path, **kwargs)

    def post(self, path: str, body=None, **kwargs) -> requests.Response:
        return self.call("POST", path, body, **kwargs)

    def put(self, path: str, body=None, **kwargs) -> requests.Response:
        return self.call("PUT", path, body, **kwargs)

    def delete(self, path: str, **kwargs) -> requests.Response:
        return self.call("DELETE", path, **kwargs)


def seed(app, mall_id: str, path: str, *rows: dict) -> None:
    """Store records of a resource Cafe24 offers no create for (orders, customers, carts,
    boards, themes), as the demo seeder and the mall's own back office do: each row is
    checked by the same ``validate`` an API write uses."""
    from authserver.admin_api.records import create_record
    from authserver.admin_api.resources import RESOURCES, validate
    from authserver.models import Mall

    resource = RESOURCES[path]
    with app.app_context():
        mall = db.session.query(Mall).filter_by(mall_id=mall_id).one()
        for row in rows:
            create_record(mall.id, resource, None, validate(resource, row, partial=False))
        db.session.commit()


def numbers_of(api: Api, path: str, **params) -> list:
    """The keys of the records a list of ``path`` answers with ``params``."""
    answer = api.get(path, params=params)
    assert answer.status_code == 200, answer.text
    key = RESOURCES[path].number_field
    return [record[key] for record in answer.json()[path.rsplit("/", 1)[-1]]]


def count_of(api: Api, path: str, **params) -> int:
    """The count of ``path`` with ``params``."""
    answer = api.get(f"{path}/count", params=params)
    assert answer.status_code == 200, answer.text
    return answer.json()["count"]


def travelling_api(app, live_server: str, world: World, configure) -> Api:
    """An app with every scope on the test mall, in Cafe24's zone, whose token outlives the
    days a test of date filters travels (the filter tests' ``api``)."""
    configure(
        AUTHSERVER_API_BUCKET_SIZE=10_000,
        AUTHSERVER_TIMEZONE="Asia/Seoul",
        AUTHSERVER_ACCESS_TOKEN_TTL=30 * 86400,
    )
    client = app_with_scopes(app, world, ALL)
    return Api(
        live_server, world.mall_id, obtain_token(live_server, world.mall_id, client)["access_token"]
    )
