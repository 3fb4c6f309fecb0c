"""The app list and the new-app form (Developer Center rules: list columns, App Key/Secret)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from authserver.app_status import Status
from authserver.extensions import db
from authserver.models import App

from .devcenter import app_row, audit_events, count, post_form, text

NEW = "/developers/apps/new"


def test_list_shows_date_placeholder_name_status_and_create_button(app, developer_client, world):
    page = text(developer_client.get("/developers/apps"))
    for name in ("Web App", "Native App", "Other App"):
        assert name in page
    assert "In production" in page
    assert re.search(r'<time datetime="[^"]+">\d{4}-\d{2}-\d{2}</time>', page)
    assert page.count("default-app-icon.svg") == 3
    assert 'href="/developers/apps/new"' in page and "Create app" in page
    assert 'aria-current="page"' in page


def test_list_reveals_rejection_reason_behind_an_icon(app, developer_client, world):
    with app.app_context():
        row = app_row(world.web.client_id)
        row.status, row.rejection_reason = Status.REVIEW_REJECTED, "Icon is blurry."
        db.session.commit()
    page = text(developer_client.get("/developers/apps"))
    assert "Review rejected" in page
    details = re.search(r'<details class="reason">.*?</details>', page, re.S).group(0)
    assert "Icon is blurry." in details
    assert "<summary>" in details


def test_list_shows_the_icon_when_there_is_one(app, developer_client, world):
    with app.app_context():
        row = app_row(world.web.client_id)
        row.icon, row.icon_content_type = b"\x89PNG...", "image/png"
        db.session.commit()
    page = text(developer_client.get("/developers/apps"))
    assert f'src="/apps/{world.web.client_id}/icon?v=' in page
    assert page.count("default-app-icon.svg") == 2


def test_list_shows_only_my_apps(app, client, world):
    from .devcenter import add_developer, log_in

    with app.app_context():
        add_developer("other@example.com")
    log_in(client, "other@example.com")
    page = text(client.get("/developers/apps"))
    assert "Web App" not in page
    assert "No apps yet" in page


@pytest.mark.parametrize(
    ("app_type", "url"),
    [("web", "https://shop-app.example.com/"), ("native", "https://shop-app.example.com:8443/x")],
)
def test_new_app_issues_key_and_secret_and_shows_them(app, developer_client, app_type, url):
    response = post_form(
        developer_client, NEW, {"name": "My Shop App", "app_url": url, "app_type": app_type}
    )
    assert response.status_code == 303
    page = text(developer_client.get(response.headers["Location"]))
    with app.app_context():
        row = db.session.scalar(select(App).where(App.name == "My Shop App"))
        assert row.app_type == app_type
        assert row.app_url == url
        assert row.status == Status.IN_PRODUCTION
        assert re.fullmatch(r"[0-9A-Za-z]{22}", row.client_id)
        assert len(row.client_secret) >= 22
        assert row.client_id in page
        assert row.client_secret in page
        assert row.client_secret not in row.client_secret_encrypted
        assert [e.client_id for e in audit_events("app_created")] == [row.client_id]


def test_new_app_page_explains_both_types(developer_client):
    page = text(developer_client.get(NEW))
    assert "authenticates with its App Secret" in page
    assert "PKCE" in page
    assert "cannot be changed later" in page


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"name": "", "app_url": "https://a.example/"}, "name", "Enter the app"),
        ({"name": "   ", "app_url": "https://a.example/"}, "name", "Enter the app"),
        ({"name": "A", "app_url": "   "}, "app_url", "Enter the App URL."),
        ({"name": "x" * 101, "app_url": "https://a.example/"}, "name", "at most 100"),
        ({"name": "A", "app_url": "http://a.example/"}, "app_url", "Only https://"),
        ({"name": "A", "app_url": "https://a.example/#x"}, "app_url", "fragment"),
        ({"name": "A", "app_url": "/relative"}, "app_url", "absolute URL"),
        ({"name": "A", "app_url": ""}, "app_url", "Enter the App URL."),
        (
            {"name": "A", "app_url": "https://a.example/", "app_type": "desktop"},
            "app_type",
            "Choose",
        ),
    ],
)
def test_new_app_refusals_create_nothing(app, developer_client, data, field, message):
    data = {"app_type": "web", **data}
    response = post_form(developer_client, NEW, data)
    assert response.status_code == 400
    page = text(response)
    error = re.search(rf'<div class="error" id="{field}-error">(.*?)</div>', page, re.S)
    assert error and message in error.group(1), page
    with app.app_context():
        assert count(App) == 3


def test_new_app_without_csrf_token_is_refused(app, developer_client):
    response = developer_client.post(
        NEW, data={"name": "A", "app_url": "https://a.example/", "app_type": "web"}
    )
    assert response.status_code == 400
    with app.app_context():
        assert count(App) == 3
