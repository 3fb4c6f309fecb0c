"""The whole life of an app, in a real browser: a developer registers it, a reviewer approves
it, an operator installs it through the consent page, the app exchanges its code, and the
operator uninstalls it. Screenshots of the key pages go to tmp/artifacts/screenshots/."""

from __future__ import annotations

import io
import re
from urllib.parse import urlencode

import requests
from PIL import Image, ImageDraw
from playwright.sync_api import BrowserContext, Page, expect

from ..devcenter import add_reviewer, app_row
from ..helpers import PASSWORD, add_mall, query_of
from .conftest import CALLBACK, Callback, new_context, screenshot

DEVELOPER = "maker@apps.example"
APP_NAME = "Stock Sync"
SCOPES = ["mall.read_product", "mall.write_product", "mall.read_order"]


def test_developer_reviewer_operator_and_app_in_a_browser(
    app, live_server, browser, context: BrowserContext, page: Page, callback: Callback
):
    client_id, client_secret = register_app(page, live_server)

    with app.app_context():
        # The secret shown is the one the server holds (decrypted from the database).
        assert app_row(client_id).client_secret == client_secret
        add_reviewer()
        add_mall("seoulshop")
    reviewer = new_context(browser, callback, locale="en-US")
    approve_as_reviewer(reviewer.new_page(), live_server, client_id)
    reviewer.close()
    with app.app_context():
        assert app_row(client_id).status == "for_sale"

    # Back on the developer's list: the icon, the name and the new status.
    page.goto(f"{live_server}/developers/apps")
    row = page.get_by_role("row", name=re.compile(APP_NAME))
    expect(row.get_by_text("For sale")).to_be_visible()
    expect(row.locator("img.app-icon")).to_be_visible()
    screenshot(page, "developer-app-list")

    operator = new_context(browser, callback, locale="en-US")
    code, state = install_as_operator(operator.new_page(), live_server, client_id, callback)

    # The app's back end exchanges the code as Cafe24 documents it: HTTP Basic, form body.
    response = requests.post(
        f"{live_server}/malls/seoulshop/api/v2/oauth/token",
        data={"grant_type": "authorization_code", "code": code, "redirect_uri": CALLBACK},
        auth=(client_id, client_secret),
        timeout=10,
    )
    assert response.status_code == 200, response.text
    tokens = response.json()
    assert tokens["scopes"] == SCOPES and tokens["mall_id"] == "seoulshop"
    assert tokens["user_id"] == "owner" and state == "s-42"

    uninstall_as_operator(operator.pages[0], live_server)
    operator.close()
    refreshed = requests.post(
        f"{live_server}/malls/seoulshop/api/v2/oauth/token",
        data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        auth=(client_id, client_secret),
        timeout=10,
    )
    assert refreshed.status_code == 400
    assert refreshed.json()["error"] == "invalid_grant"
    assert "Uninstalled app" in refreshed.json()["error_description"]


def icon_png() -> bytes:
    """A 120 x 120 PNG icon drawn with Pillow: a blue-to-teal tile with a white box on it."""
    tile = Image.new("RGB", (120, 120))
    pixels = tile.load()
    for x in range(120):
        for y in range(120):
            t = (x + y) / 238
            pixels[x, y] = (int(34 + t * (20 - 34)), int(86 + t * (170 - 86)), int(214 - t * 60))
    draw = ImageDraw.Draw(tile)
    draw.rounded_rectangle((32, 40, 88, 88), radius=8, fill="white")
    draw.polygon([(32, 40), (60, 24), (88, 40), (60, 54)], fill=(226, 236, 255))
    draw.line([(60, 54), (60, 88)], fill=(34, 86, 214), width=3)
    out = io.BytesIO()
    tile.save(out, format="PNG")
    return out.getvalue()


def register_app(page: Page, base: str) -> tuple[str, str]:
    """Sign up and log in, create the app, set its icon, redirect URI and permissions, read its
    credentials, submit it. Returns (App Key, App Secret) as the pages showed them."""
    page.goto(f"{base}/developers/signup")
    page.get_by_label("Email").fill(DEVELOPER)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Repeat the password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    # Sign-up never logs in (issue 16 item 13): the login page says the account is ready.
    expect(page.get_by_text("If this email was not registered yet")).to_be_visible()
    page.get_by_label("Email").fill(DEVELOPER)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Apps", exact=True)).to_be_visible()

    page.get_by_role("link", name="Create app").first.click()
    page.get_by_label("App name").fill(APP_NAME)
    page.get_by_label("App URL").fill("https://app.example/")
    expect(page.get_by_label("Web app")).to_be_checked()
    page.get_by_role("button", name="Create app").click()
    expect(page.get_by_role("heading", name=f"{APP_NAME} is created")).to_be_visible()
    client_id = page.locator("#app-key").inner_text().strip()
    assert re.fullmatch(r"[0-9A-Za-z]{22}", client_id)

    page.get_by_role("link", name="Add Redirect URIs and an icon").click()
    page.get_by_label("Redirect URIs").fill(CALLBACK)
    page.get_by_label("Representative icon").set_input_files(
        files=[{"name": "icon.png", "mimeType": "image/png", "buffer": icon_png()}]
    )
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".flash-success")).to_be_visible()
    expect(page.locator("img.app-icon.large")).to_be_visible()
    assert page.get_by_label("Redirect URIs").input_value() == CALLBACK

    page.get_by_role("link", name="Permissions", exact=True).click()
    for scope in SCOPES:
        page.locator(f"input[title='{scope}']").check()
    screenshot(page, "developer-permissions")
    page.get_by_role("button", name="Save permissions").click()
    expect(page.locator(".flash-success")).to_be_visible()
    for scope in SCOPES:
        expect(page.locator(f"input[title='{scope}']")).to_be_checked()

    client_secret = read_credentials(page)
    page.get_by_role("link", name="Status & review").click()
    page.get_by_role("button", name="Submit for review").click()
    expect(page.locator(".status-steps [aria-current=step]")).to_have_text("Under review")
    return client_id, client_secret


def read_credentials(page: Page) -> str:
    """The Authentication tab: the key's copy button copies it; the secret is hidden until
    "Show App Secret" is opened, and is the secret the server holds."""
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.get_by_role("navigation", name="App settings").get_by_role(
        "link", name="Authentication"
    ).click()
    client_id = page.locator("#app-key").inner_text().strip()
    secret = page.locator("#app-secret")
    expect(secret).to_be_hidden()
    page.locator("button.copy[data-copy=app-key]").click()
    expect(page.locator("button.copy[data-copy=app-key]")).to_have_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == client_id
    page.get_by_text("Show App Secret").click()
    expect(secret).to_be_visible()
    return secret.inner_text().strip()


def approve_as_reviewer(page: Page, base: str, client_id: str) -> None:
    page.goto(f"{base}/review/login")
    page.get_by_label("Email").fill("reviewer@platform.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name=APP_NAME).click()
    expect(page.get_by_text(client_id)).to_be_visible()
    page.get_by_role("button", name="Approve: put it on sale").click()
    expect(page.locator(".flash-success")).to_be_visible()


def install_as_operator(
    page: Page, base: str, client_id: str, callback: Callback
) -> tuple[str, str]:
    """The operator follows the app's authorization link, logs in, reads the consent page
    (in English, then in Korean with the switch) and approves. Returns (code, state)."""
    query = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": CALLBACK,
        "scope": ",".join(SCOPES),
        "state": "s-42",
    }
    page.goto(f"{base}/malls/seoulshop/api/v2/oauth/authorize?{urlencode(query)}")
    expect(page.get_by_role("heading", name="Log in to seoulshop")).to_be_visible()
    page.get_by_label("Operator ID").fill("owner")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    expect(page.get_by_role("heading", name=APP_NAME)).to_be_visible()
    permissions = page.locator("ul.permissions li")
    expect(permissions).to_have_count(2)
    expect(permissions.nth(0)).to_contain_text("Products")
    expect(permissions.nth(0)).to_contain_text("Write (create, update, delete)")
    expect(permissions.nth(1)).to_contain_text("Orders")
    assert page.locator("html").get_attribute("lang") == "en"
    screenshot(page, "consent-en")

    page.get_by_role("navigation", name="Language").get_by_role("link", name="한국어").click()
    expect(page.get_by_role("button", name="동의하고 설치")).to_be_visible()
    assert page.locator("html").get_attribute("lang") == "ko"
    expect(permissions.nth(0)).to_contain_text("상품")
    expect(permissions.nth(1)).to_contain_text("주문")
    screenshot(page, "consent-ko")
    page.get_by_role("navigation", name="언어").get_by_role("link", name="English").click()

    page.get_by_role("button", name="Approve").click()
    page.wait_for_url(f"{CALLBACK}?*")
    received = query_of(callback.urls[-1])
    assert received["iss"] == f"{base}/malls/seoulshop"
    assert set(received) == {"code", "state", "iss"}
    return received["code"], received["state"]


def uninstall_as_operator(page: Page, base: str) -> None:
    page.goto(f"{base}/malls/seoulshop/admin/apps")
    row = page.get_by_role("row", name=re.compile(APP_NAME))
    expect(row).to_contain_text("Products: read, write")
    expect(row).to_contain_text("Orders: read")
    screenshot(page, "installed-apps")
    row.get_by_role("link", name=f"Uninstall {APP_NAME}").click()
    expect(page.get_by_role("heading", name=f"Uninstall {APP_NAME}?")).to_be_visible()
    screenshot(page, "uninstall-confirm")
    page.get_by_role("button", name="Uninstall").click()
    expect(page.locator(".flash-success")).to_contain_text(f"{APP_NAME} was uninstalled")
    expect(page.get_by_text("No app is installed on this mall yet.")).to_be_visible()
