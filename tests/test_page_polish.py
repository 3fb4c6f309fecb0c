"""The pages' rough edges of issue 19, fixed: a description line for every permission category
on the consent page (``scopes.py`` the one source), a real default icon for apps without one,
the review console's permissions without repeated labels and with pills in their own row, the
audit trail's times as a date and a time, and the secret's toggle that says Show or Hide."""

from __future__ import annotations

import re

import pytest
import requests
from sqlalchemy import select

from authserver import scopes
from authserver.extensions import db
from authserver.models import Developer

from .devcenter import REVIEWER, add_reviewer, log_in
from .devcenter import text as page_text
from .helpers import Browser, add_app

DEFAULT_ICON = "/static/img/default-app-icon.svg"


@pytest.fixture
def every_scope_app(app, world):
    """An app that asks for every scope of the catalogue."""
    with app.app_context():
        developer = db.session.scalar(select(Developer).where(Developer.email == world.developer))
        return add_app(developer, name="Everything App", scope_list=list(scopes.ALL_SCOPES))


def permission_items(html: str) -> list[str]:
    listing = re.search(r'<ul class="permissions"[^>]*>(.*?)</ul>', html, re.S).group(1)
    return re.findall(r"<li>(.*?)</li>", listing, re.S)


def test_every_category_has_a_description_that_is_not_its_label():
    for category in scopes.CATEGORIES:
        assert category.covers and category.covers != category.label, category.name


@pytest.mark.parametrize("language", ["en", "ko"])
def test_the_consent_page_describes_every_category(live_server, world, every_scope_app, language):
    operator = Browser(live_server, world.mall_id)
    operator.session.headers["Accept-Language"] = language
    operator.login()
    html = operator.get(operator.authorize_url(every_scope_app)).text
    items = permission_items(html)
    assert len(items) == len(scopes.CATEGORIES)
    for item in items:
        description = re.search(r'<span class="muted small">([^<]+)</span>', item)
        assert description and description.group(1).strip(), item


def test_apps_without_an_icon_show_the_default_icon_which_is_served(live_server, world):
    operator = Browser(live_server, world.mall_id)
    operator.login()
    html = operator.get(operator.authorize_url(world.web)).text
    assert f'<img class="app-icon default-icon" src="{DEFAULT_ICON}" alt=""' in html
    assert "placeholder" not in html
    icon = requests.get(f"{live_server}{DEFAULT_ICON}")
    assert icon.status_code == 200 and icon.headers["Content-Type"].startswith("image/svg+xml")
    assert icon.text.lstrip().startswith("<svg") and "<script" not in icon.text


def test_the_review_console_lists_permissions_without_repeating_labels(
    app, client, world, every_scope_app
):
    with app.app_context():
        add_reviewer()
    log_in(client, REVIEWER, area="review")
    html = page_text(client.get(f"/review/apps/{every_scope_app.client_id}"))
    items = permission_items(html)
    assert len(items) == len(scopes.CATEGORIES)
    for item in items:
        label = re.search(r"<strong>([^<]+)</strong>", item).group(1)
        covers = re.search(r'<span class="muted small">([^<]+)</span>', item).group(1)
        assert label != covers, item
        # the pills sit in their own flex row, sized to their text (style.css)
        assert re.search(
            r'<span class="actions">(<span class="badge badge-\w+">\w+</span>)+</span>', item
        )
    assert f'<img class="app-icon default-icon" src="{DEFAULT_ICON}"' in html
    assert "by dev &lt;dev@example.com&gt;" in html  # staff see the display name and the email


def test_the_audit_trail_shows_a_date_and_a_time_and_labels_every_cell(app, client, world):
    with app.app_context():
        add_reviewer()
    log_in(client, REVIEWER, area="review")
    html = page_text(client.get("/review/audit"))
    row = re.search(r'<tr class="audit-row">(.*?)</tr>', html, re.S).group(1)
    time = re.search(
        r'<time datetime="(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)Z"><span class="audit-date">'
        r'(\d{4}-\d\d-\d\d)</span> <span class="audit-clock">(\d\d:\d\d:\d\d)</span></time>',
        row,
    )
    assert time and time.group(1) == f"{time.group(2)}T{time.group(3)}"
    labels = re.findall(r'<td data-label="([^"]+)"', row)
    assert labels == ["Time (UTC)", "Event", "Actor", "Mall", "App", "Address", "Detail"]


def test_the_secret_toggle_has_a_show_and_a_hide_label(developer_client, world):
    html = page_text(developer_client.get(f"/developers/apps/{world.web.client_id}/credentials"))
    summary = re.search(r'<details class="secret">\s*<summary>(.*?)</summary>', html, re.S)
    assert summary.group(1) == (
        '<span class="when-closed">Show App Secret</span>'
        '<span class="when-open">Hide App Secret</span>'
    )
    css = developer_client.get("/static/style.css").get_data(as_text=True)
    assert "details.secret:not([open]) .when-open, details.secret[open] .when-closed" in css
