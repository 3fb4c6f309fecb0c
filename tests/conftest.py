"""Fixtures: the app on a real database, a live HTTP server, and a seeded world.

The suite runs on SQLite by default and on PostgreSQL when AUTHSERVER_TEST_DATABASE_URL is set
(.ci/run does both). One app and one live server serve the whole session; every test starts
from empty tables.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from werkzeug.serving import make_server

from authserver import create_app
from authserver.extensions import db
from authserver.security import ratelimit

from .helpers import World, make_world

# requests-oauthlib refuses http token URLs unless told this is a test on loopback.
os.environ.setdefault("OAUTHLIB_INSECURE_TRANSPORT", "1")


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    instance = tmp_path_factory.mktemp("instance")
    database_url = os.environ.get("AUTHSERVER_TEST_DATABASE_URL") or (
        f"sqlite:///{instance / 'test.sqlite'}"
    )
    app = create_app(
        {
            "AUTHSERVER_DATABASE_URL": database_url,
            "AUTHSERVER_SECRET_KEY": "test-secret-key",
            "TESTING": True,
            "AUTHSERVER_RATELIMIT_PATH": str(instance / "ratelimit.sqlite"),
        }
    )
    app.instance_path = str(instance)
    with app.app_context():
        _drop_everything()
        db.create_all()
    yield app
    with app.app_context():
        db.session.remove()
        _drop_everything()
        db.engine.dispose()


def _drop_everything() -> None:
    """The models' tables and Alembic's version table (`init-db` tests stamp it), so a reused
    PostgreSQL test database never claims a revision its tables do not have."""
    db.drop_all()
    with db.engine.begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))


@pytest.fixture(scope="session")
def live_server(app) -> Iterator[str]:
    """The app served over real HTTP on a loopback port, in a thread, for the whole session."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture(autouse=True)
def _empty_tables(app):
    yield
    ratelimit.buckets(app).clear()  # rate limits start afresh too
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as connection:
            for table in reversed(db.metadata.sorted_tables):
                connection.execute(table.delete())


@pytest.fixture
def app_context(app):
    with app.app_context():
        yield


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def world(app) -> World:
    """A developer with a test mall (operator ``owner``), a web app and a native app."""
    with app.app_context():
        return make_world()


@pytest.fixture
def configure(app):
    """Change settings for one test: ``configure(AUTHSERVER_CODE_TTL=2)``; restored after."""
    saved: dict = {}

    def apply(**values):
        for key, value in values.items():
            saved.setdefault(key, app.config.get(key))
            app.config[key] = value

    yield apply
    app.config.update(saved)


@pytest.fixture
def travel(time_machine) -> Callable[[float], None]:
    """``travel(seconds)``: the process's clocks that many seconds ahead, in every thread (the
    live server's too), so that expiry tests move time instead of sleeping. time-machine moves
    the wall clock (``time.time``: itsdangerous, JWTs, the rate limiter's buckets;
    ``datetime.now``: ``models.base.utcnow``) and lets it tick on."""
    time_machine.move_to(datetime.now(UTC), tick=True)

    def go(seconds: float) -> None:
        time_machine.shift(seconds)

    return go


@pytest.fixture
def developer_client(app, client, world):
    """The test client logged in to the Developer Center as the world's developer."""
    from .devcenter import log_in

    log_in(client, world.developer)
    return client


@pytest.fixture
def reviewer_client(app):
    """A second test client logged in to the review console as platform staff."""
    from .devcenter import REVIEWER, add_reviewer, log_in

    with app.app_context():
        add_reviewer()
    reviewer = app.test_client()
    log_in(reviewer, REVIEWER, area="review")
    return reviewer


@pytest.fixture
def gateway(app) -> tuple[str, str]:
    """An API gateway credential ``(client_id, client_secret)``, as ``gateway create`` makes."""
    from authserver.oauth.gateways import create_gateway

    with app.app_context():
        created, secret = create_gateway("test gateway")
        return created.client_id, secret
