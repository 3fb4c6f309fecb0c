"""Basic information: name, App URL, Redirect URIs and the icon; nothing saved on a refusal."""

from __future__ import annotations

import io
import re

import pytest

from authserver.app_status import Status
from authserver.extensions import db

from .devcenter import app_row, audit_events, image_bytes, post_form, text


def basic_url(client_id: str) -> str:
    return f"/developers/apps/{client_id}/basic"


def submit(client, client_id, icon=None, **fields):
    data = {
        "name": "Renamed App",
        "app_url": "https://renamed.example:8443/app",
        "redirect_uris": "https://app.example/cb\nhttps://app.example/other",
        **fields,
    }
    if icon is not None:
        content, filename = icon
        data["icon"] = (io.BytesIO(content), filename)
    return post_form(client, basic_url(client_id), data, content_type="multipart/form-data")


def field_error(page: str, field: str) -> str:
    match = re.search(rf'<div class="error" id="{field}-error">(.*?)</div>', page, re.S)
    assert match, f"no error for {field}"
    return match.group(1)


def snapshot(client_id: str) -> tuple:
    row = app_row(client_id)
    return (row.name, row.app_url, list(row.redirect_uris), row.icon, row.app_type)


def test_edit_name_url_and_redirect_uris(app, developer_client, world):
    response = submit(developer_client, world.web.client_id)
    assert response.status_code == 303
    with app.app_context():
        row = app_row(world.web.client_id)
        assert row.name == "Renamed App"
        assert row.app_url == "https://renamed.example:8443/app"
        assert row.redirect_uris == ["https://app.example/cb", "https://app.example/other"]
        assert audit_events("app_updated")[0].detail["fields"] == [
            "name",
            "app_url",
            "redirect_uris",
        ]
    assert "Basic information saved." in text(developer_client.get(basic_url(world.web.client_id)))


def test_page_warns_about_changing_the_url(app, developer_client, world):
    page = text(developer_client.get(basic_url(world.web.client_id)))
    assert "Changing the URL of an app in service can break it" in page
    with app.app_context():
        app_row(world.web.client_id).status = Status.FOR_SALE
        db.session.commit()
    page = text(developer_client.get(basic_url(world.web.client_id)))
    assert "This app is in service." in page


def test_app_type_cannot_be_changed(app, developer_client, world):
    assert submit(developer_client, world.web.client_id, app_type="native").status_code == 303
    with app.app_context():
        assert app_row(world.web.client_id).app_type == "web"


@pytest.mark.parametrize(
    ("uris", "message"),
    [
        ("http://app.example/cb", "Line 1: Only https:// URIs are allowed."),
        ("https://app.example/cb#frag", "Line 1: A URL must not contain a fragment"),
        ("https://user:pw@app.example/cb", "Line 1: A URL must not contain a user name"),
        ("https://*.app.example/cb", "Line 1: Wildcards are not allowed."),
        ("/cb", "Line 1: Use an absolute URL"),
        ("https://app.example/cb\nhttps://app.example/cb", "Line 2: this URI is listed twice."),
        ("https://app.example/" + "a" * 200, "Line 1: Use at most 200 bytes."),
        ("\n".join(f"https://app.example/{n}" for n in range(11)), "at most 10 Redirect URIs"),
        ("http://127.0.0.1/callback", "Line 1: Only https:// URIs are allowed."),
    ],
)
def test_redirect_uri_refusals_save_nothing(app, developer_client, world, uris, message):
    with app.app_context():
        before = snapshot(world.web.client_id)
    response = submit(developer_client, world.web.client_id, redirect_uris=uris)
    assert response.status_code == 400
    page = text(response)
    assert message in field_error(page, "redirect_uris")
    assert "Nothing was saved." in page
    assert 'aria-describedby="redirect_uris-hint redirect_uris-error"' in page
    with app.app_context():
        assert snapshot(world.web.client_id) == before  # the valid name and URL were not saved


def test_native_app_may_register_loopback_uris(app, developer_client, world):
    uris = "http://127.0.0.1/callback\nhttp://[::1]:8080/cb\nhttps://app.example/cb"
    response = submit(developer_client, world.native.client_id, redirect_uris=uris)
    assert response.status_code == 303
    with app.app_context():
        assert app_row(world.native.client_id).redirect_uris == uris.split("\n")
    page = text(developer_client.get(basic_url(world.native.client_id)))
    assert "loopback" in page


def test_native_app_may_not_register_other_http_uris(app, developer_client, world):
    response = submit(developer_client, world.native.client_id, redirect_uris="http://app.example/")
    assert response.status_code == 400
    assert "loopback" in field_error(text(response), "redirect_uris")


@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_icon_png_or_jpeg_is_stored_and_served(app, developer_client, client, world, fmt):
    content = image_bytes(fmt=fmt)
    response = submit(developer_client, world.web.client_id, icon=(content, f"icon.{fmt.lower()}"))
    assert response.status_code == 303
    with app.app_context():
        row = app_row(world.web.client_id)
        assert row.icon == content
        assert row.icon_content_type == f"image/{fmt.lower()}"
    served = client.get(f"/apps/{world.web.client_id}/icon")
    assert served.status_code == 200
    assert served.data == content
    assert served.mimetype == f"image/{fmt.lower()}"
    page = text(developer_client.get("/developers/apps"))
    assert f'src="/apps/{world.web.client_id}/icon?v=' in page


def _big_png() -> bytes:
    content = image_bytes(noisy=True)
    assert len(content) > 50 * 1024
    return content


@pytest.mark.parametrize(
    ("make", "filename", "message"),
    [
        (lambda: image_bytes(fmt="GIF"), "icon.gif", "not a PNG or JPEG image"),
        (lambda: image_bytes(fmt="GIF"), "icon.png", "not a PNG or JPEG image"),
        (lambda: image_bytes(size=(121, 120)), "icon.png", "121 x 120 px; it must be exactly 120"),
        (lambda: image_bytes(size=(120, 60), fmt="JPEG"), "i.jpg", "120 x 60 px"),
        (_big_png, "icon.png", "use at most 50 KB"),
        (lambda: b"this is not an image at all" * 10, "icon.png", "not a PNG or JPEG image"),
        (lambda: image_bytes()[:200], "icon.png", "damaged or incomplete"),
    ],
)
def test_icon_refusals_save_nothing(app, developer_client, world, make, filename, message):
    with app.app_context():
        before = snapshot(world.web.client_id)
    response = submit(developer_client, world.web.client_id, icon=(make(), filename))
    assert response.status_code == 400
    page = text(response)
    assert message in field_error(page, "icon")
    assert 'aria-invalid="true"' in page
    with app.app_context():
        assert snapshot(world.web.client_id) == before


def test_remove_icon(app, developer_client, world):
    submit(developer_client, world.web.client_id, icon=(image_bytes(), "i.png"))
    response = submit(developer_client, world.web.client_id, remove_icon="y")
    assert response.status_code == 303
    with app.app_context():
        assert app_row(world.web.client_id).icon is None


def test_refused_name_saves_nothing_even_with_a_valid_icon(app, developer_client, world):
    with app.app_context():
        before = snapshot(world.web.client_id)
    response = submit(developer_client, world.web.client_id, icon=(image_bytes(), "i.png"), name="")
    assert response.status_code == 400
    assert "Enter the app" in field_error(text(response), "name")
    with app.app_context():
        assert snapshot(world.web.client_id) == before


def test_post_without_csrf_token_is_refused(app, developer_client, world):
    response = developer_client.post(
        basic_url(world.web.client_id),
        data={"name": "Hacked", "app_url": "https://evil.example/", "redirect_uris": ""},
    )
    assert response.status_code == 400
    with app.app_context():
        assert app_row(world.web.client_id).name == "Web App"
