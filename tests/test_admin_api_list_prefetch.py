"""An Admin API list in one statement on PostgreSQL (``list_prefetch.py``): one round trip, the
same bytes as the two statements, records read only for a call that succeeds, and the fallback
when the SQL gate and the Python checks disagree. On SQLite lists keep their two statements."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import delete, false, select, true, update

from authserver import readonly
from authserver.admin_api import list_prefetch, records
from authserver.admin_api.resources import RESOURCES
from authserver.extensions import db
from authserver.models import Developer, Installation, Token, utcnow
from authserver.oauth.token_lookup import token_digest

from .admin_api_support import ALL, Api, app_with_scopes, obtain_token
from .helpers import Statements, add_mall

#: The first app's token: products, customers (none stored) and its own ``apps`` records.
SCOPES = [
    "mall.read_product",
    "mall.write_product",
    "mall.read_customer",
    "mall.read_application",
    "mall.write_application",
]
LISTS = [
    "products",
    "products?limit=2",
    "products?limit=2&offset=3",
    "products?offset=5",  # just past the last record: an empty page
    "products?offset=99&limit=100",
    "customers",  # no records at all
    "apps",  # per app: the first app's two records, not the second's
]


def on_postgresql(app) -> bool:
    return readonly.engine(app).dialect.name == "postgresql"


@pytest.fixture
def apis(app, live_server, world, configure) -> tuple[Api, Api]:
    # A bucket that drains at once: every answer says 1/size, so two calls' headers compare.
    configure(AUTHSERVER_API_BUCKET_SIZE=10_000, AUTHSERVER_API_LEAK_PER_SECOND=1e9)
    first = app_with_scopes(app, world, ALL, name="First")
    second = app_with_scopes(app, world, ALL, name="Second")
    token = obtain_token(live_server, world.mall_id, first, SCOPES)["access_token"]
    api = Api(live_server, world.mall_id, token)
    scoped = ["mall.read_application", "mall.write_application"]
    other = Api(
        live_server,
        world.mall_id,
        obtain_token(live_server, world.mall_id, second, scoped)["access_token"],
    )
    for index in range(5):
        assert (
            api.post("products", {"product_name": f"P{index}", "price": index}).status_code == 201
        )
    assert api.post("apps", {"version": "1.0"}).status_code == 201
    assert other.post("apps", {"version": "2.0"}).status_code == 201
    assert api.post("apps", {"version": "1.1", "description": "é \u2603"}).status_code == 201
    return api, other


@pytest.fixture(autouse=True)
def _no_hints(monkeypatch) -> None:
    """Each test starts with no token refused by the gate (``_REFUSED``)."""
    monkeypatch.setattr(list_prefetch, "_REFUSED", set())


@pytest.fixture
def gates(monkeypatch) -> list[tuple[bool, int]]:
    """What each one-statement lookup found: (the gate passed, records read)."""
    seen: list[tuple[bool, int]] = []
    original = readonly.head_and_converted

    def spy(statement, parameters, memo, width):
        row, texts = original(statement, parameters, memo, width)
        seen.append((row is not None and bool(row.records_gate), len(texts)))
        return row, texts

    monkeypatch.setattr(readonly, "head_and_converted", spy)
    return seen


def answer(api: Api, path: str, method: str = "GET", fresh: bool = True):
    """Status, headers (but the date) and body; ``fresh``: with no record's text remembered,
    so each path encodes its records itself."""
    if fresh:
        records._MEMOS.clear()
    got = api.call(method, path)
    return got.status_code, {k: v for k, v in got.headers.items() if k != "Date"}, got.content


def both(app, monkeypatch, api: Api, path: str, method: str = "GET"):
    """The answer with the one statement and with the two (``enabled`` off), which must be
    the same bytes; and how many statements each ran on the read engine."""
    engine = readonly.engine(app)
    with Statements(engine) as one:
        prefetched = answer(api, path, method)
    with monkeypatch.context() as patch:
        patch.setattr(list_prefetch, "enabled", lambda: False)
        with Statements(engine) as two:
            plain = answer(api, path, method)
    assert prefetched == plain, path
    return prefetched, one.count, two.count


def test_a_list_is_one_statement_on_postgresql_with_the_same_bytes(app, apis, monkeypatch, gates):
    api, other = apis
    postgresql = on_postgresql(app)
    for method in ("GET", "HEAD"):
        for path in LISTS:
            gates.clear()
            (status, headers, body), one, two = both(app, monkeypatch, api, path, method)
            found = list(gates)
            assert status == 200 and headers["Content-Type"] == "application/json"
            assert headers["X-Api-Call-Limit"] == "1/10000"
            assert (one, two) == ((1, 2) if postgresql else (2, 2)), path
            if postgresql:  # the gate passed and the page came with the token
                items = api.get(path).json()[path.split("?")[0]]
                assert found == [(True, len(items))], path
            else:
                assert found == []
    assert [item["version"] for item in api.get("apps").json()["apps"]] == ["1.0", "1.1"]
    assert both(app, monkeypatch, other, "apps")[1:] == ((1, 2) if postgresql else (2, 2))
    assert [item["app_no"] for item in other.get("apps").json()["apps"]] == [2]
    assert [p["product_no"] for p in api.get("products?limit=2&offset=3").json()["products"]] == [
        4,
        5,
    ]
    assert api.get("products?offset=5").json() == {"products": []}


def test_a_changed_record_shows_at_once(app, apis, monkeypatch):
    api, _ = apis
    before = answer(api, "products", fresh=False)  # the texts remembered
    assert api.put("products/2", {"price": 8.25}).status_code == 200
    after = answer(api, "products", fresh=False)
    assert after != before and api.get("products").json()["products"][1]["price"] == 8.25
    assert both(app, monkeypatch, api, "products")[0] == after


def _narrow_installation(app, world):
    with app.app_context():
        db.session.execute(update(Installation).values(scope="mall.write_product"))
        db.session.commit()


def _expire(app, world):
    with app.app_context():
        db.session.execute(update(Token).values(access_expires_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()


def _revoke(app, world):
    with app.app_context():
        Token.revoke_where(Token.mall_pk.isnot(None))
        db.session.commit()


def _uninstall(app, world):
    with app.app_context():
        db.session.execute(delete(Installation))
        db.session.commit()


@pytest.mark.parametrize(
    "spoil, status",
    [
        (None, 404),  # the second app's token has no mall.read_product
        (_narrow_installation, 404),  # the token has it, the installation no longer
        (_expire, 401),
        (_revoke, 401),
        (_uninstall, 401),
    ],
)
def test_a_refused_list_reads_no_record(app, world, apis, monkeypatch, gates, spoil, status):
    api, other = apis
    caller = other if spoil is None else api
    if spoil is not None:
        spoil(app, world)
    (got, headers, body), one, two = both(app, monkeypatch, caller, "products")
    assert got == status
    assert (one, two) == (1, 1)  # the token's lookup only, either way
    assert gates == ([(False, 0)] if on_postgresql(app) else [])


def test_a_refused_token_gets_the_plain_lookup_next_time(app, world, apis, monkeypatch, gates):
    """After the gate refused a token for a scope at a mall, its next calls there run the plain
    lookup: a refusal costs what it did before; and should the call succeed after all, it
    reads its page as before."""
    api, other = apis
    postgresql = on_postgresql(app)
    engine = readonly.engine(app)
    refused = answer(other, "products")
    with Statements(engine) as reads:
        assert answer(other, "products") == refused and refused[0] == 404
    assert reads.count == 1
    assert gates == ([(False, 0)] if postgresql else [])  # once: then the plain lookup
    listed = answer(api, "products")
    with app.app_context():
        granted = db.session.scalars(select(Installation.scope)).all()
    _narrow_installation(app, world)
    assert answer(api, "products")[0] == 404
    with app.app_context():  # the installation grants the scope again: the hint is stale
        for installation in db.session.scalars(select(Installation)):
            installation.scope = granted[0] if len(set(granted)) == 1 else " ".join(ALL)
        db.session.commit()
    with Statements(engine) as reads:
        assert answer(api, "products") == listed and listed[0] == 200
    assert reads.count == 2  # the plain lookup, then the page as before
    assert len(gates) == (3 if postgresql else 0)


def test_a_token_of_another_mall_reads_no_record(app, world, apis, monkeypatch, gates):
    api, _ = apis
    with app.app_context():
        developer = db.session.scalar(select(Developer).filter_by(email=world.developer))
        add_mall("othermall", test_mall_of=developer)
    elsewhere = Api(api.base_url, "othermall", api.token)
    (status, headers, _), one, two = both(app, monkeypatch, elsewhere, "products")
    assert status == 401 and headers["WWW-Authenticate"] == 'Bearer error="invalid_token"'
    assert (one, two) == (1, 1)
    assert gates == ([(False, 0)] if on_postgresql(app) else [])


@pytest.mark.parametrize(
    "path, status",
    [("products?limit=0", 422), ("products?offset=x", 422), ("products/count", 200),
     ("products/2", 200), ("store", 404), ("nothing", 404)],
)  # fmt: skip
def test_other_calls_keep_their_statements(app, apis, monkeypatch, gates, path, status):
    api, _ = apis
    (got, _, _), one, two = both(app, monkeypatch, api, path)
    assert got == status and one == two
    assert gates == []  # never the one statement


def _statements_with(gate) -> dict[bool, object]:
    return {per_app: list_prefetch._statement(per_app, gate) for per_app in (False, True)}


def test_when_the_gate_says_no_the_list_is_read_as_before(app, apis, monkeypatch, gates):
    if not on_postgresql(app):
        pytest.skip("the one statement is PostgreSQL's")
    api, _ = apis
    expected = answer(api, "products?limit=3&offset=1")
    gates.clear()
    monkeypatch.setattr(list_prefetch, "_STATEMENTS", _statements_with(false()))
    with Statements(readonly.engine(app)) as reads:
        for _ in range(2):  # through SQLAlchemy the first time, prepared the second
            list_prefetch._REFUSED.clear()
            assert answer(api, "products?limit=3&offset=1") == expected
    assert reads.count == 4  # the lookup (gate false, no record), then the page as before
    assert gates == [(False, 0), (False, 0)]


def test_when_only_the_gate_says_yes_python_still_refuses(app, apis, monkeypatch, gates):
    if not on_postgresql(app):
        pytest.skip("the one statement is PostgreSQL's")
    api, other = apis
    no_scope, products = answer(other, "products"), answer(api, "products")
    gates.clear()
    list_prefetch._REFUSED.clear()  # the refusal above would send the next call to the plain lookup
    monkeypatch.setattr(list_prefetch, "_STATEMENTS", _statements_with(true()))
    assert answer(other, "products") == no_scope and no_scope[0] == 404
    assert answer(api, "products") == products and products[0] == 200
    _expire(app, None)
    expired = answer(api, "products")
    assert expired[0] == 401 and expired[1]["WWW-Authenticate"] == 'Bearer error="invalid_token"'
    # Read each time (what the real gate prevents), but shown only to the call that succeeds.
    assert gates == [(True, 5)] * 3


def test_the_one_statement_reads_what_the_two_read(app, apis):
    """``readonly.head_and_converted`` through SQLAlchemy (a statement's first run) and
    prepared: the lookup row of ``fetch_for_admin_api`` and the texts of ``list_json``."""
    if not on_postgresql(app):
        pytest.skip("the one statement is PostgreSQL's")
    api, _ = apis
    statement = list_prefetch._statement(False)  # a new statement: its first run is SQLAlchemy's
    resource = RESOURCES["products"]
    with app.app_context():
        digest = token_digest("access_token", api.token)
        lookup = readonly.first(list_prefetch.ADMIN_API_LOOKUP, {"digest": digest})._asdict()
        mall_pk, app_pk = lookup["mall_pk"], lookup["app_pk"]
        zone = records.time_zone()
        expected = records.list_json(mall_pk, resource, app_pk, 3, 1, zone)
        parameters = {
            "digest": digest,
            "mall_id": api.mall_id,
            "scope": "mall.read_product",
            "resource": "products",
            "limit": 3,
            "offset": 1,
        }
        for _ in range(2):
            records._MEMOS.clear()
            memo = records.list_memo(resource, zone)
            row, texts = readonly.head_and_converted(
                statement, parameters, memo, list_prefetch._WIDTH
            )
            assert texts == expected and len(texts) == 3
            assert {key: getattr(row, key) for key in lookup} == lookup
            assert row.records_gate is True
        # Remembered by the record's columns: the list's own statement finds them in the memo.
        assert records.list_json(mall_pk, resource, app_pk, 3, 1, zone) == expected
        assert len(memo._seen) == 3
