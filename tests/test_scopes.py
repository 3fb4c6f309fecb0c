"""The scope catalogue (DESIGN.md "Scope catalogue") and scope-string parsing."""

from __future__ import annotations

from authserver import scopes


def test_catalogue_has_fourteen_categories_and_salesreport_is_read_only():
    assert len(scopes.CATEGORIES) == 14
    assert len(scopes.ALL_SCOPES) == 27
    assert "mall.read_salesreport" in scopes.ALL_SCOPES
    assert "mall.write_salesreport" not in scopes.ALL_SCOPES
    assert scopes.CATEGORY_BY_NAME["store"].resources == ("store", "dashboard", "activitylogs")
    assert scopes.CATEGORY_BY_NAME["salesreport"].resources == ("reports/salesvolume",)


def test_each_resource_belongs_to_one_category():
    owned = [path for category in scopes.CATEGORIES for path in category.resources]
    assert len(owned) == len(set(owned)) == len(scopes.CATEGORY_OF_RESOURCE)
    assert scopes.CATEGORY_OF_RESOURCE["orders/items"].name == "order"
    assert scopes.CATEGORY_OF_RESOURCE["scripttags"].name == "application"


def test_parse_accepts_commas_spaces_and_both():
    assert scopes.parse_scopes("mall.read_product,mall.read_order") == [
        "mall.read_product",
        "mall.read_order",
    ]
    assert scopes.parse_scopes(" mall.read_product  mall.read_order ,, ") == [
        "mall.read_product",
        "mall.read_order",
    ]
    assert scopes.parse_scopes("") == [] and scopes.parse_scopes(None) == []


def test_parse_keeps_unknown_names_so_they_can_be_refused():
    parsed = scopes.parse_scopes("mall.read_product,mall.read_bogus")
    assert scopes.unknown_scopes(parsed) == ["mall.read_bogus"]


def test_normalise_orders_by_catalogue_and_drops_duplicates():
    assert scopes.to_string(["mall.read_order", "mall.read_product", "mall.read_order"]) == (
        "mall.read_product mall.read_order"
    )


def test_labels_and_groups_for_the_consent_page():
    assert scopes.scope_label("mall.write_product") == "Products: write"
    groups = scopes.group_by_category(["mall.write_order", "mall.read_order", "mall.read_store"])
    assert [(c.name, actions) for c, actions in groups] == [
        ("order", ["read", "write"]),
        ("store", ["read"]),
    ]
