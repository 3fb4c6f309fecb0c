"""Races (SECURITY.md C1, C2): concurrent redemptions of one code and concurrent refreshes of
one refresh token, behind a start barrier, on SQLite and on PostgreSQL."""

from __future__ import annotations

import threading

import requests

from authserver.extensions import db
from authserver.models import Token

from .helpers import Browser, exchange, refresh, token_url
from .oauth_helpers import is_active

PARALLEL = 20
ROUNDS = 20


def _race(url: str, data: dict, auth: tuple[str, str]) -> list[requests.Response]:
    """POST the same request PARALLEL times at once (every thread waits at a barrier)."""
    barrier = threading.Barrier(PARALLEL)
    answers: list = [None] * PARALLEL

    def run(index):
        with requests.Session() as session:
            barrier.wait()
            answers[index] = session.post(url, data=data, auth=auth)

    threads = [threading.Thread(target=run, args=(index,)) for index in range(PARALLEL)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return answers


def test_concurrent_code_redemptions_yield_exactly_one_token(app, live_server, world):
    browser = Browser(live_server, world.mall_id)
    browser.login()
    url = token_url(live_server, world.mall_id)
    for _ in range(ROUNDS):
        code = browser.authorize(world.web)["code"]
        data = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": world.web.redirect_uri,
        }
        auth = (world.web.client_id, world.web.client_secret)
        answers = _race(url, data, auth)
        statuses = [answer.status_code for answer in answers]
        assert statuses.count(200) == 1, statuses
        assert statuses.count(400) == PARALLEL - 1, statuses
        assert all(a.json()["error"] == "invalid_grant" for a in answers if a.status_code == 400)
        # DESIGN.md: losing a concurrent redemption is a second use, so the winner's tokens
        # were revoked (RFC 9700 §4.5).
        (winner,) = [answer.json() for answer in answers if answer.status_code == 200]
        with app.app_context():
            row = Token.by_access_token(winner["access_token"])
            assert row is not None and not row.is_access_active()


def test_concurrent_refreshes_never_fork_the_family(app, live_server, world):
    browser = Browser(live_server, world.mall_id)
    browser.login()
    code = browser.authorize(world.web)["code"]
    tokens = exchange(live_server, world.mall_id, world.web, code).json()
    url = token_url(live_server, world.mall_id)
    data = {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
    auth = (world.web.client_id, world.web.client_secret)
    answers = _race(url, data, auth)
    statuses = [answer.status_code for answer in answers]
    assert all(status < 500 for status in statuses), statuses
    assert statuses.count(200) <= 1, statuses
    with app.app_context():
        live = [row for row in db.session.scalars(db.select(Token)) if row.is_refresh_active()]
        assert len(live) <= 1


def test_losing_a_concurrent_refresh_revokes_the_family(app, live_server, world, gateway):
    """Issue 16 item 16, decided as for codes: a refresh that loses the race is a second use
    of a rotated refresh token, so every round ends the same way: one 200, the rest
    ``invalid_grant``, and the winner's new tokens revoked with the family."""
    browser = Browser(live_server, world.mall_id)
    browser.login()
    url = token_url(live_server, world.mall_id)
    auth = (world.web.client_id, world.web.client_secret)
    for _ in range(5):
        code = browser.authorize(world.web)["code"]
        tokens = exchange(live_server, world.mall_id, world.web, code).json()
        data = {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
        answers = _race(url, data, auth)
        statuses = [answer.status_code for answer in answers]
        assert statuses.count(200) == 1, statuses
        assert statuses.count(400) == PARALLEL - 1, statuses
        assert all(a.json()["error"] == "invalid_grant" for a in answers if a.status_code == 400)
        (winner,) = [answer.json() for answer in answers if answer.status_code == 200]
        assert not is_active(live_server, world.mall_id, gateway, winner["access_token"])
        again = refresh(live_server, world.mall_id, world.web, winner["refresh_token"])
        assert again.status_code == 400
        assert again.json()["error"] == "invalid_grant"
