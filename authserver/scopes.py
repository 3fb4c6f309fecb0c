"""The scope catalogue: the one source of truth for categories, scopes, labels and resources.

DESIGN.md, "Scope catalogue": ``mall.read_<x>`` allows reading, ``mall.write_<x>`` creating,
updating and deleting; write does not imply read; ``salesreport`` has no write scope. The
consent page, the Developer Center permission form, the Admin API scope map and the token
endpoint all read this module.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from authserver.platform.i18n import N_


@dataclass(frozen=True)
class Category:
    name: str
    label: str
    covers: str
    #: The Admin API resources the category's scopes open (``admin_api.resources`` declares each
    #: with the same path; a nested one as ``parent/child``: ``orders/items``).
    resources: tuple[str, ...]
    writable: bool = True

    @property
    def read_scope(self) -> str:
        return f"mall.read_{self.name}"

    @property
    def write_scope(self) -> str | None:
        return f"mall.write_{self.name}" if self.writable else None

    @property
    def scopes(self) -> tuple[str, ...]:
        return (self.read_scope, self.write_scope) if self.writable else (self.read_scope,)


#: Labels and descriptions are English here and marked for the catalogue (``N_``): the consent
#: and operator pages show them translated (``authserver/translations``, Cafe24's Korean words).
#: ``covers`` is each category's description line (consent page, permission form, review
#: console): what it covers, never a repeat of the label.
CATEGORIES: tuple[Category, ...] = (
    Category(
        "category",
        N_("Product categories"),
        N_("Categories, main displays, projects"),
        ("categories",),
    ),
    Category(
        "product",
        N_("Products"),
        N_("Products, options, variants, inventory"),
        ("products", "products/variants"),
    ),
    Category(
        "collection",
        N_("Collections"),
        N_("Brands, custom collections, manufacturers, trends"),
        ("brands",),
    ),
    Category("supply", N_("Suppliers"), N_("Suppliers, supplier users"), ("suppliers",)),
    Category("personal", N_("Personalization"), N_("Likes, wishes, cart"), ("carts",)),
    Category(
        "order",
        N_("Orders"),
        N_("Orders, shipments, cancellations, returns"),
        ("orders", "orders/items"),
    ),
    Category("community", N_("Community"), N_("Reviews, comments"), ("boards", "boards/articles")),
    Category(
        "customer",
        N_("Customers"),
        N_("Customers, personal information, customer groups, mileage"),
        ("customers", "customersprivacy", "customergroups", "points"),
    ),
    Category("notification", N_("Notifications"), N_("Mail, messages"), ("sms",)),
    Category(
        "store",
        N_("Store"),
        N_("Store information, dashboard, activity logs"),
        ("store", "dashboard", "activitylogs"),
    ),
    Category("promotion", N_("Promotions"), N_("Benefits, coupons, serial coupons"), ("coupons",)),
    Category("design", N_("Design"), N_("Themes, pages"), ("themes",)),
    Category(
        "application",
        N_("Applications"),
        N_("App installation information, script tags"),
        ("apps", "scripttags"),
    ),
    Category(
        "salesreport",
        N_("Sales reports"),
        N_("Sales volume, hourly and daily sales"),
        ("reports/salesvolume",),
        writable=False,
    ),
)

CATEGORY_BY_NAME: dict[str, Category] = {category.name: category for category in CATEGORIES}
#: Admin API resource path -> the category whose scopes open it (each resource has one).
CATEGORY_OF_RESOURCE: dict[str, Category] = {
    path: category for category in CATEGORIES for path in category.resources
}

#: Every scope the server knows, in catalogue order (read before write).
ALL_SCOPES: tuple[str, ...] = tuple(scope for c in CATEGORIES for scope in c.scopes)
_SCOPE_SET = frozenset(ALL_SCOPES)
_ORDER = {scope: index for index, scope in enumerate(ALL_SCOPES)}

_SEPARATORS = re.compile(r"[\s,]+")


def parse_scopes(value: str | None) -> list[str]:
    """Split a comma- or space-separated scope string (Cafe24 clients send commas).

    Order is kept and duplicates dropped; unknown names are returned too, so callers can
    refuse them by name instead of dropping them silently.
    """
    if not value:
        return []
    seen: dict[str, None] = {}
    for item in _SEPARATORS.split(value.strip()):
        if item:
            seen.setdefault(item, None)
    return list(seen)


def is_known(scope: str) -> bool:
    return scope in _SCOPE_SET


def unknown_scopes(scopes: list[str]) -> list[str]:
    return [scope for scope in scopes if scope not in _SCOPE_SET]


def normalise(scopes) -> list[str]:
    """Known scopes, deduplicated, in catalogue order."""
    return sorted({s for s in scopes if s in _SCOPE_SET}, key=_ORDER.__getitem__)


@lru_cache(maxsize=1024)  # a few distinct triples per app: the same one on every call
def usable_scopes(token_scope: str, installation_scope: str, app_scope: str) -> tuple[str, ...]:
    """The scopes a token may use now, in catalogue order: the one rule (DESIGN.md).

    Each argument is a space-separated scope string: the token's (or the scopes asked for),
    the installation's (what the operator still grants) and the app's current permissions
    (``apps.scope``: a permission the developer removed narrows every installation at once).
    Introspection's ``scope``, the Admin API and the gateway check, refresh and the scopes of a
    newly issued token (a JWT's ``scope`` claim) all read it.
    """
    wanted = set(token_scope.split())
    wanted.intersection_update(installation_scope.split(), app_scope.split())
    return tuple(normalise(wanted))


def to_string(scopes) -> str:
    """The space-separated form stored in the database and sent as ``scope``."""
    return " ".join(normalise(scopes))


def scope_label(scope: str) -> str:
    """``mall.write_product`` -> ``Products: write`` (consent page, Developer Center)."""
    action, _, name = scope.removeprefix("mall.").partition("_")
    category = CATEGORY_BY_NAME.get(name)
    if category is None:
        return scope
    return f"{category.label}: {action}"


def group_by_category(scopes) -> list[tuple[Category, list[str]]]:
    """Scopes grouped in catalogue order, each with its actions (``read``, ``write``)."""
    wanted = set(scopes)
    groups = []
    for category in CATEGORIES:
        actions = [
            action
            for action, scope in (("read", category.read_scope), ("write", category.write_scope))
            if scope and scope in wanted
        ]
        if actions:
            groups.append((category, actions))
    return groups
