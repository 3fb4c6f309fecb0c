"""The Admin API's computed answers: the dashboard, the sales report, the activity log, the
points ledger.

``dashboard`` is a read-only report over the mall's own records (orders, products, customers,
boards and their articles), in the mall's time zone. ``activitylogs`` is what a Cafe24 mall's
log shows of work done on it: here every Admin API write an app makes on the mall, recorded in
the write's own transaction (so a refused or failed write leaves no entry). ``points`` is a
ledger of increases and decreases per customer (``member_id``); a decrease beyond the balance is
refused, as at Cafe24. ``reports/salesvolume`` sums the quantities of the orders' ``items``
per product in one grouped SELECT, its filters and page included. The lists' filters are
declared in their rows (``resources``, ``resources_added``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, distinct, func, select, true

from authserver.admin_api import jsonsql, records, wire
from authserver.admin_api.filters import Query
from authserver.admin_api.records import AdminRecord
from authserver.admin_api.resources import RESOURCES, Invalid, validate
from authserver.admin_api.scope_map import Endpoint
from authserver.extensions import db
from authserver.models.base import utcnow
from authserver.store import reader

#: Cafe24: at most 1,000,000 points in one increase or decrease.
MAX_POINTS = Decimal(1_000_000)
#: Cafe24's ``case`` for points given through the API ("AM : API 를 통한 적립금").
API_CASE = "AM"
_ACTIONS_DONE = {
    "create": "Created",
    "update": "Updated",
    "bulk_update": "Updated",
    "delete": "Deleted",
}


def money(value: Any) -> str:
    """Cafe24's money: a decimal string with two places (``"1100.00"``)."""
    return wire.money_text(Decimal(str(value or 0)))


# -- the activity log -------------------------------------------------------------------------
def log_write(mall_pk: int, client_id: str, endpoint: Endpoint, ident: Any) -> None:
    """Record an app's write on the mall, in the write's transaction (``ident``: the record)."""
    resource = endpoint.resource
    where = f" of {resource.parent} {endpoint.parent}" if endpoint.parent else ""
    done = _ACTIONS_DONE[endpoint.action]
    content = f"{done} {resource.singular} {ident}{where} through the Admin API".replace("  ", " ")
    log_entry(mall_pk, f"Admin API > {resource.path}", content, client_id, "app")


def log_entry(mall_pk: int, kind: str, content: str, manager_id: str, manager_type: str) -> None:
    """One entry of the mall's activity log (``kind`` is Cafe24's ``type``), in the caller's
    transaction: an app's write, or the operator's work the demo seeds."""
    records.create_record(
        mall_pk,
        RESOURCES["activitylogs"],
        None,
        {
            "mode": "P",
            "type": kind,
            "content": content[:500],
            "manager_id": manager_id,
            "manager_type": manager_type,
        },
    )


# -- the sales report ------------------------------------------------------------------------
def sales_select(mall_pk: Any, query: Query, products: frozenset[int] | None) -> Select:
    """The sales report's one SELECT: per product, in number order, the quantity sold and in
    how many orders, over the items of the mall's orders meeting the ``query``'s conditions
    (and of ``products`` when given), grouped, ``query``'s page of it."""
    items = jsonsql.elements(AdminRecord.data, "items").table_valued("value").alias("item")
    product_no = jsonsql.number(jsonsql.element_text(items.c.value, "product_no"))
    quantity = jsonsql.number(jsonsql.element_text(items.c.value, "quantity"))
    where = [AdminRecord.mall_pk == mall_pk, AdminRecord.resource == "orders", *query.conditions]
    where.append(product_no.is_not(None) if products is None else product_no.in_(sorted(products)))
    return (
        select(product_no, func.sum(quantity), func.count(distinct(AdminRecord.id)))
        .select_from(AdminRecord)
        .join(items, true())
        .where(*where)
        .group_by(product_no)
        .order_by(product_no)
        .limit(query.limit)
        .offset(query.offset)
    )


def sales_volume(mall_pk: int, query: Query, products: frozenset[int] | None) -> list[dict]:
    """Cafe24's salesvolume: per product the quantity sold (``total_sales``) and in how many
    orders (``settle_count``), from :func:`sales_select`."""
    # Cafe24's salesvolume writes shop_no and the counts as strings ("1", "2"), product_no not.
    return [
        {
            "shop_no": str(records.SHOP_NO),
            "product_no": int(number),
            "total_sales": str(int(total or 0)),
            "settle_count": str(orders),
        }
        for number, total, orders in reader().execute(sales_select(mall_pk, query, products))
    ]


# -- points -----------------------------------------------------------------------------------
def _ledger(mall_pk: int, member_ids: set[str], up_to: int | None = None) -> list[AdminRecord]:
    where = [
        AdminRecord.mall_pk == mall_pk,
        AdminRecord.resource == "points",
        AdminRecord.lookup.in_(sorted(member_ids)),
    ]
    if up_to is not None:
        where.append(AdminRecord.record_no <= up_to)
    return list(db.session.scalars(select(AdminRecord).where(*where).order_by("record_no")))


def _signed(data: Mapping[str, Any]) -> Decimal:
    amount = Decimal(str(data.get("amount") or 0))
    return amount if data.get("type") == "increase" else -amount


def create_points(mall_pk: int, body: Any, granted_by: tuple[str, str | None]) -> dict[str, Any]:
    """Issue or deduct points: the member must exist; a decrease cannot pass the balance.
    ``granted_by`` is the ledger's ``admin_id`` and ``admin_name``: the app's client_id and
    name, as the activity log names the app."""
    resource = RESOURCES["points"]
    data = validate(resource, body, partial=False)
    data["admin_id"], data["admin_name"] = granted_by
    amount = Decimal(str(data["amount"]))
    if amount > MAX_POINTS:
        raise Invalid("amount", f"amount must be at most {MAX_POINTS}.")
    member = db.session.scalars(
        select(AdminRecord)
        .where(
            AdminRecord.mall_pk == mall_pk,
            AdminRecord.resource == "customers",
            AdminRecord.lookup == data["member_id"],
        )
        .order_by("record_no")
        .with_for_update()  # serialises a member's concurrent decreases (PostgreSQL)
    ).first()
    if member is None:
        raise Invalid("member_id", f"There is no customer {data['member_id']} in this mall.")
    balance = sum((_signed(row.data) for row in _ledger(mall_pk, {data["member_id"]})), Decimal())
    if data["type"] == "decrease" and amount > balance:
        raise Invalid("amount", f"amount is more than the available points ({money(balance)}).")
    records.create_record(mall_pk, resource, None, data)
    return {
        "shop_no": records.SHOP_NO,
        "member_id": data["member_id"],
        "order_id": data.get("order_id"),
        "amount": money(amount),
        "type": data["type"],
        "reason": data.get("reason"),
    }


def points_json(mall_pk: int, rows: list[Any], zone: ZoneInfo) -> list[dict[str, Any]]:
    """Cafe24's points entries, each with the member's balance after it."""
    if not rows:
        return []
    members = {row.data["member_id"] for row in rows}
    customers = _customers(mall_pk, members)
    totals: dict[str, Decimal] = defaultdict(Decimal)
    after: dict[int, Decimal] = {}
    for entry in _ledger(mall_pk, members, max(row.record_no for row in rows)):
        totals[entry.data["member_id"]] += _signed(entry.data)
        after[entry.record_no] = totals[entry.data["member_id"]]
    answer = []
    for row in rows:
        data, increase = row.data, row.data.get("type") == "increase"
        email, group_name = customers.get(data["member_id"], (None, None))
        answer.append(
            {
                "shop_no": records.SHOP_NO,
                "case": API_CASE,
                "member_id": data["member_id"],
                "email": email,
                "group_name": group_name,
                "available_points_increase": money(data["amount"]) if increase else None,
                "available_points_decrease": None if increase else money(data["amount"]),
                "available_points_total": money(after.get(row.record_no)),
                "unavailable_points": None,
                "order_date": None,
                "issue_date": records.resource_date(row.created_date),
                "available_date": None,
                "admin_id": data.get("admin_id"),
                "admin_name": data.get("admin_name"),
                "order_id": data.get("order_id"),
                "reason": data.get("reason"),
            }
        )
    return answer


def _customers(mall_pk: int, member_ids: set[str]) -> dict[str, tuple[Any, Any]]:
    """member_id -> the customer's ``email`` and the ``group_name`` of its ``group_no`` now
    (two queries: the members, their groups)."""
    where = (AdminRecord.mall_pk == mall_pk, AdminRecord.resource == "customers")
    members = db.session.scalars(
        select(AdminRecord).where(*where, AdminRecord.lookup.in_(sorted(member_ids)))
    ).all()
    numbers = {row.data.get("group_no") for row in members} - {None}
    groups = {}
    if numbers:
        statement = select(AdminRecord).where(
            AdminRecord.mall_pk == mall_pk,
            AdminRecord.resource == "customergroups",
            AdminRecord.record_no.in_(sorted(numbers)),
        )
        groups = {
            row.record_no: row.data.get("group_name") for row in db.session.scalars(statement)
        }
    return {
        row.data["member_id"]: (row.data.get("email"), groups.get(row.data.get("group_no")))
        for row in members
    }


def page_points(mall_pk: int, gate: tuple[Any, ...], limit: int, offset: int) -> list[AdminRecord]:
    where = [AdminRecord.mall_pk == mall_pk, AdminRecord.resource == "points", *gate]
    statement = select(AdminRecord).where(*where).order_by("record_no").limit(limit)
    return list(db.session.scalars(statement.offset(offset)))


# -- the dashboard ----------------------------------------------------------------------------
def _rows(mall_pk: int, resource: str, conditions: tuple[Any, ...]) -> list[AdminRecord]:
    where = (AdminRecord.mall_pk == mall_pk, AdminRecord.resource == resource, *conditions)
    return list(db.session.scalars(select(AdminRecord).where(*where).order_by("record_no")))


def _day(moment: datetime, zone: ZoneInfo) -> date:
    return moment.replace(tzinfo=UTC).astimezone(zone).date()


#: Cafe24's order status codes (N10 preparing ... N40 delivered, C cancelled, R returned,
#: E exchanged) -> the dashboard's counter. An order without a status counts as paid.
_STATUS_COUNTER = {
    "N10": "prepareproduct_count",
    "N20": "prepare_count",
    "N21": "standby_count",
    "N30": "shipping_count",
    "N40": "shipped_count",
}
_COUNTERS = ("prepareproduct_count", "prepare_count", "standby_count", "shipping_count",
             "shipped_count", "canceled_count", "returned_count", "exchanged_count")  # fmt: skip


def _status_counter(status: str | None) -> str | None:
    status = status or ""
    for prefix, counter in (("C", "canceled_count"), ("R", "returned_count")):
        if status.startswith(prefix):
            return counter
    if status.startswith("E"):
        return "exchanged_count"
    return _STATUS_COUNTER.get(status)


def _period(orders: list[tuple[date, Decimal, str | None]], days: int) -> dict[str, Any]:
    ordered = [price for _, price, _ in orders]
    paid = [p for _, p, s in orders if not (s or "").startswith(("C", "N00"))]
    refunded = [p for _, p, s in orders if (s or "").startswith("R")]
    body: dict[str, Any] = {}
    for name, prices in (("ordered", ordered), ("payed", paid), ("refunded", refunded)):
        body[f"{name}_total_price"] = money(sum(prices, Decimal()))
    for name, prices in (("ordered", ordered), ("payed", paid), ("refunded", refunded)):
        body[f"{name}_count"] = len(prices)
    for name, prices in (("ordered", ordered), ("payed", paid), ("refunded", refunded)):
        body[f"{name}_average_total_price"] = money(sum(prices, Decimal()) / days)
    for name, prices in (("ordered", ordered), ("payed", paid), ("refunded", refunded)):
        body[f"{name}_average_count"] = len(prices) // days
    return body


def dashboard(mall_pk: int, zone: ZoneInfo, query: Query, shop_no: int) -> dict[str, Any]:
    """Cafe24's dashboard of the mall's shop ``shop_no``, computed now from its records that
    meet the ``query``'s conditions (its ``shop_no``: another shop's records are none)."""
    conditions = query.conditions
    today = _day(utcnow(), zone)
    products = {row.record_no: row.data for row in _rows(mall_pk, "products", conditions)}
    orders = []
    for row in _rows(mall_pk, "orders", conditions):
        price = sum(
            (
                Decimal(str(products.get(item["product_no"], {}).get("price") or 0))
                * item["quantity"]
                for item in row.data.get("items") or []
            ),
            Decimal(),
        )
        orders.append((_day(row.created_date, zone), price, row.data.get("order_status")))
    daily = []
    for back in range(6, -1, -1):
        day = today - timedelta(days=back)
        of_day = [o for o in orders if o[0] == day]
        counters = dict.fromkeys(_COUNTERS, 0)
        for _, _, status in of_day:
            counter = _status_counter(status)
            if counter:
                counters[counter] += 1
        period = _period(of_day, 1)
        daily.append(
            {
                "title": f"{day:%B} {day.day}" + (" (Today)" if day == today else ""),
                "date": day.isoformat(),
                "order_price": period["ordered_total_price"],
                "paid_price": period["payed_total_price"],
                "refund_price": period["refunded_total_price"],
                "order_count": period["ordered_count"],
                "payed_count": period["payed_count"],
                "refund_count": period["refunded_count"],
                **counters,
                "ordered_total_count": period["ordered_count"],
            }
        )
    week_start, month_start = today - timedelta(days=6), today.replace(day=1)
    articles = defaultdict(int)
    for row in _rows(mall_pk, "boards/articles", conditions):
        if _day(row.created_date, zone) == today:
            articles[row.data.get("board_no")] += 1
    return {
        "shop_no": shop_no,
        "daily_sales_stats": daily,
        "weekly_sales_stats": _period([o for o in orders if o[0] >= week_start], 7),
        "monthly_sales_stats": _period(
            [o for o in orders if o[0] >= month_start], (today - month_start).days + 1
        ),
        "sold_out_products_count": sum(
            1 for d in products.values() if d.get("selling") in (False, "F")
        ),
        "new_members_count": sum(
            1
            for row in _rows(mall_pk, "customers", conditions)
            if _day(row.created_date, zone) == today
        ),
        "board_list": [
            {
                "type": "B",
                "board_no": row.record_no,
                "board_name": row.data.get("board_name"),
                "new_registered_count": articles[row.record_no],
                "page_url": f"/disp/admin/mobile/index#/bulletins?board_no={row.record_no}",
            }
            for row in _rows(mall_pk, "boards", conditions)
        ],
    }
