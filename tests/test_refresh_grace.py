"""Refresh retry safety: a grace window (default 0, as Cafe24) in which the immediate
predecessor of a rotated refresh token may be presented once more; exactly one refresh token
of a family is ever live."""

from __future__ import annotations

import pytest

from authserver.extensions import db
from authserver.models import Token

from .helpers import Browser, exchange, refresh


@pytest.fixture
def tokens(live_server, world) -> dict:
    browser = Browser(live_server, world.mall_id)
    browser.login()
    code = browser.authorize(world.web)["code"]
    return exchange(live_server, world.mall_id, world.web, code).json()


def _refresh(live_server, world, token):
    return refresh(live_server, world.mall_id, world.web, token)


def _live_refresh_tokens(app) -> int:
    with app.app_context():
        return sum(row.is_refresh_active() for row in db.session.scalars(db.select(Token)))


def test_default_is_no_grace(live_server, world, tokens):
    lost = _refresh(live_server, world, tokens["refresh_token"]).json()
    assert _refresh(live_server, world, tokens["refresh_token"]).status_code == 400
    assert _refresh(live_server, world, lost["refresh_token"]).status_code == 400


def test_retry_inside_the_window_gets_a_fresh_pair_once(app, live_server, world, tokens, configure):
    configure(AUTHSERVER_REFRESH_GRACE_SECONDS=30)
    lost = _refresh(live_server, world, tokens["refresh_token"]).json()  # response "lost"
    retry = _refresh(live_server, world, tokens["refresh_token"])
    assert retry.status_code == 200
    retried = retry.json()
    assert _live_refresh_tokens(app) == 1
    # The successor the client never saw is revoked; the retried one works.
    assert _refresh(live_server, world, lost["refresh_token"]).status_code == 400
    third = _refresh(live_server, world, retried["refresh_token"])
    assert third.status_code == 200


def test_second_retry_revokes_the_family(app, live_server, world, tokens, configure):
    configure(AUTHSERVER_REFRESH_GRACE_SECONDS=30)
    _refresh(live_server, world, tokens["refresh_token"])
    retried = _refresh(live_server, world, tokens["refresh_token"]).json()
    assert _refresh(live_server, world, tokens["refresh_token"]).status_code == 400
    assert _refresh(live_server, world, retried["refresh_token"]).status_code == 400
    assert _live_refresh_tokens(app) == 0


def test_retry_outside_the_window_revokes_the_family(
    app, live_server, world, tokens, configure, travel
):
    configure(AUTHSERVER_REFRESH_GRACE_SECONDS=1)
    successor = _refresh(live_server, world, tokens["refresh_token"]).json()
    travel(1.5)
    assert _refresh(live_server, world, tokens["refresh_token"]).status_code == 400
    assert _refresh(live_server, world, successor["refresh_token"]).status_code == 400
    assert _live_refresh_tokens(app) == 0


def test_retry_after_the_successor_was_used_revokes_the_family(
    app, live_server, world, tokens, configure
):
    configure(AUTHSERVER_REFRESH_GRACE_SECONDS=30)
    second = _refresh(live_server, world, tokens["refresh_token"]).json()
    third = _refresh(live_server, world, second["refresh_token"]).json()
    assert _refresh(live_server, world, tokens["refresh_token"]).status_code == 400
    assert _refresh(live_server, world, third["refresh_token"]).status_code == 400
