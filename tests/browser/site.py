"""A demo-like world for the page walks and the screenshots: apps in every review status, a
reviewer, two malls, an installed app with its audit trail; and the crawler that visits every
page a signed-in person can reach by following links (the overflow check walks it;
``tools/screenshots.py`` seeds the same world)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from urllib.parse import urldefrag, urlencode, urlsplit

from playwright.sync_api import Page, expect
from sqlalchemy import select

from authserver import scopes
from authserver.app_status import Status
from authserver.extensions import db
from authserver.models import App, Developer

from ..devcenter import REVIEWER, add_reviewer
from ..helpers import PASSWORD, Browser, Client, add_app, add_mall, exchange, make_world

MALL = "testmall"
#: GET links that do something or leave the HTML pages: never followed by the crawler.
NOT_PAGES = ("/language/", "/static/", "/icon", "/launch", "/openapi.json", "/healthz", "/readyz")


@dataclass
class Site:
    base: str
    developer: str
    web: Client
    everything: Client

    def authorize_url(self, client: Client, **params: str) -> str:
        query = {
            "response_type": "code",
            "client_id": client.client_id,
            "redirect_uri": client.redirect_uri,
            "scope": ",".join(client.scopes),
            "state": "walk",
            **params,
        }
        return f"{self.base}/malls/{MALL}/api/v2/oauth/authorize?{urlencode(query)}"

    def error_pages(self) -> list[str]:
        """Pages no link leads to: the authorize errors and the 404s."""
        return [
            self.authorize_url(self.web, redirect_uri="https://unregistered.example/cb"),
            f"{self.base}/malls/{MALL}/api/v2/oauth/authorize?client_id=nosuchapp",
            f"{self.base}/malls/{MALL}/admin/nowhere",
            f"{self.base}/malls/nosuchmall/admin/login",
        ]


def seed(base: str) -> Site:
    """Build the world (inside an app context) and install one app over HTTP."""
    world = make_world()
    developer = db.session.scalar(select(Developer).where(Developer.email == world.developer))
    developer.display_name = "Demo Developer Studio"
    statuses = {
        world.native.client_id: (Status.UNDER_REVIEW, None),
        world.other_web.client_id: (
            Status.REVIEW_REJECTED,
            "The app's screens ask for the operator's password; use the launch hmac instead.",
        ),
    }
    for client_id, (status, reason) in statuses.items():
        row = db.session.scalar(select(App).where(App.client_id == client_id))
        row.status, row.rejection_reason = status, reason
    db.session.commit()
    everything = add_app(
        developer,
        name="Everything App with a long name",
        scope_list=list(scopes.ALL_SCOPES),
        status=Status.FOR_SALE,
    )
    add_mall("seoulshop", operator="manager")
    add_reviewer()
    operator = Browser(base, MALL)
    operator.login(password="wrong")  # a failed login in the audit trail
    operator.login()
    query = operator.authorize(world.web)
    assert exchange(base, MALL, world.web, query["code"]).status_code == 200
    return Site(base, world.developer, world.web, everything)


def log_in_developer(page: Page, site: Site) -> None:
    page.goto(f"{site.base}/developers/login")
    page.get_by_label("Email").fill(site.developer)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Apps", exact=True)).to_be_visible()


def log_in_reviewer(page: Page, site: Site) -> None:
    page.goto(f"{site.base}/review/login")
    page.get_by_label("Email").fill(REVIEWER)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("a[href='/review/audit']")).to_be_visible()


def log_in_operator(page: Page, site: Site) -> None:
    page.goto(f"{site.base}/malls/{MALL}/admin/login")
    page.locator("#user_id").fill("owner")
    page.locator("#password").fill(PASSWORD)
    page.locator("#password").press("Enter")
    expect(page.locator("form.inline, table, .empty").first).to_be_visible()


def crawl(
    page: Page, base: str, seeds: list[str], visit: Callable[[str], None], limit: int = 80
) -> list[str]:
    """Visit every same-site page reachable from ``seeds`` by links (breadth first, at most
    ``limit``); ``visit(url)`` runs on each once it has loaded. Returns the URLs visited."""
    queue, seen, visited = list(seeds), set(seeds), []
    while queue and len(visited) < limit:
        url = queue.pop(0)
        page.goto(url)
        visit(url)
        visited.append(url)
        for link in _links(page, base):
            if link not in seen:
                seen.add(link)
                queue.append(link)
    return visited


def _links(page: Page, base: str) -> Iterator[str]:
    origin = urlsplit(base).netloc
    for href in page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)"):
        url = urldefrag(href).url
        parts = urlsplit(url)
        if parts.netloc == origin and not any(part in parts.path for part in NOT_PAGES):
            yield url
