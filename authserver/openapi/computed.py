"""The schemas of the Admin API answers that are computed rather than stored records.

The resource table declares what a stored record holds; these answers are built by code
instead, so they are described here: ``reports/salesvolume`` (``records.sales_volume``),
``dashboard`` (``reports.dashboard``) and the ``points`` ledger's entries (``reports.points_json``).
``ENTRIES`` maps each such resource's path to the schema of one entry of its list.
"""

from __future__ import annotations

from typing import Any

from authserver.admin_api.resources import RESOURCES
from authserver.openapi.shapes import MONEY_TEXT

_COUNT = {"type": "integer", "minimum": 0}
_TEXT_COUNT = {"type": "string", "pattern": "^[0-9]+$"}  # Cafe24 writes these as strings
_DAY = {"type": "string", "format": "date"}


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"oneOf": [schema, {"type": "null"}]}


def _object(properties: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "required": list(properties), "properties": properties}


_SALES_VOLUME = _object(
    {
        "shop_no": {"const": "1"},
        "product_no": {"type": "integer"},
        "total_sales": _TEXT_COUNT,
        "settle_count": _TEXT_COUNT,
    }
)

_PERIOD = _object(
    {
        **{f"{kind}_total_price": MONEY_TEXT for kind in ("ordered", "payed", "refunded")},
        **{f"{kind}_count": _COUNT for kind in ("ordered", "payed", "refunded")},
        **{f"{kind}_average_total_price": MONEY_TEXT for kind in ("ordered", "payed", "refunded")},
        **{f"{kind}_average_count": _COUNT for kind in ("ordered", "payed", "refunded")},
    }
)
_STATUS_COUNTS = ("prepareproduct", "prepare", "standby", "shipping", "shipped", "canceled",
                  "returned", "exchanged")  # fmt: skip
_DAILY = _object(
    {
        "title": {"type": "string"},
        "date": _DAY,
        "order_price": MONEY_TEXT,
        "paid_price": MONEY_TEXT,
        "refund_price": MONEY_TEXT,
        "order_count": _COUNT,
        "payed_count": _COUNT,
        "refund_count": _COUNT,
        **{f"{status}_count": _COUNT for status in _STATUS_COUNTS},
        "ordered_total_count": _COUNT,
    }
)
_BOARD = _object(
    {
        "type": {"type": "string"},
        "board_no": {"type": "integer", "minimum": 1},
        "board_name": _nullable({"type": "string"}),
        "new_registered_count": _COUNT,
        "page_url": {"type": "string"},
    }
)
_DASHBOARD = _object(
    {
        # The shop asked for (``shop_no``, 1 by default): another shop's dashboard counts nothing.
        "shop_no": {"type": "integer", "minimum": 1},
        "daily_sales_stats": {"type": "array", "minItems": 7, "maxItems": 7, "items": _DAILY},
        "weekly_sales_stats": _PERIOD,
        "monthly_sales_stats": _PERIOD,
        "sold_out_products_count": _COUNT,
        "new_members_count": _COUNT,
        "board_list": {"type": "array", "items": _BOARD},
    }
)

_POINTS = _object(
    {
        "shop_no": {"const": 1},
        "case": {"type": "string"},
        "member_id": {"type": "string"},
        "email": _nullable({"type": "string"}),
        "group_name": _nullable({"type": "string"}),
        "available_points_increase": _nullable(MONEY_TEXT),
        "available_points_decrease": _nullable(MONEY_TEXT),
        "available_points_total": MONEY_TEXT,
        "unavailable_points": _nullable(MONEY_TEXT),
        "order_date": _nullable({"type": "string"}),
        "issue_date": {"type": "string", "format": "date-time"},
        "available_date": _nullable({"type": "string"}),
        "admin_id": _nullable({"type": "string"}),
        "admin_name": _nullable({"type": "string"}),
        "order_id": _nullable({"type": "string"}),
        "reason": _nullable({"type": "string"}),
    }
)

#: One entry of each computed list, by resource path.
ENTRIES: dict[str, dict[str, Any]] = {
    "reports/salesvolume": _SALES_VOLUME,
    "dashboard": _DASHBOARD,
    "points": _POINTS,
}
if not set(ENTRIES) <= set(RESOURCES):  # pragma: no cover - a programming error, at import
    raise RuntimeError(f"openapi.computed names no resource: {set(ENTRIES) - set(RESOURCES)}")
