"""Demo records for the ``demo`` command: a small, realistic shop, seeded once per mall.

The data is in Cafe24's wire format (``"T"``/``"F"``, money as decimal strings), as an app
would read it; every record goes through ``validate`` as an API write would.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from authserver.admin_api import keys
from authserver.admin_api.nested import after_create
from authserver.admin_api.records import AdminRecord, create_record, put_store, time_zone
from authserver.admin_api.reports import log_entry
from authserver.admin_api.resources import RESOURCES, validate
from authserver.extensions import db
from authserver.models import Mall

#: resource -> the records to create, in order (orders refer to products 1-3, the article to
#: board 1; each product gets its default variant).
DEMO_RECORDS: dict[str, list[dict[str, Any]]] = {
    "categories": [
        {"category_name": "Outerwear", "display_type": "A", "use_display": "T"},
        {"category_name": "Accessories", "display_type": "A", "use_display": "T"},
    ],
    "products": [
        {
            "product_name": "Linen shirt",
            "price": "39000.00",
            "product_code": "P0000A01",
            "display": "T",
            "selling": "T",
        },
        {
            "product_name": "Wool scarf",
            "price": "25000.00",
            "product_code": "P0000A02",
            "display": "T",
            "selling": "T",
        },
        {
            "product_name": "Canvas tote",
            "price": "18000.00",
            "product_code": "P0000A03",
            "display": "T",
            "selling": "F",
        },
    ],
    "brands": [{"brand_name": "Seoul Basics", "use_brand": "T"}],
    "suppliers": [
        {"supplier_name": "Hanok Textiles", "manager_name": "Kim", "commission": "10.00"}
    ],
    "customers": [
        {
            "member_id": "jisoo",
            "name": "Jisoo Park",
            "email": "jisoo@example.com",
            "sms": "T",
            "group_no": 2,
        },
        {
            "member_id": "minho",
            "name": "Minho Lee",
            "email": "minho@example.com",
            "sms": "F",
            "group_no": 1,
        },
    ],
    "orders": [
        {
            "member_id": "jisoo",
            "items": [{"product_no": 1, "quantity": 2}],
            "buyer_name": "Jisoo",
            "order_status": "N40",
            "paid": "T",
            "canceled": "F",
            "payment_amount": "78000.00",
        },
        {
            "member_id": "minho",
            "items": [{"product_no": 1, "quantity": 1}, {"product_no": 3, "quantity": 4}],
            "buyer_name": "Minho",
            "order_status": "N00",
            "paid": "F",
            "canceled": "F",
            "payment_amount": "111000.00",
        },
    ],
    "carts": [{"member_id": "jisoo", "product_no": 2, "quantity": 1}],
    "boards": [{"board_name": "Product reviews", "board_type": 5, "use_board": "T"}],
    "boards/articles": [
        {
            "writer": "Jisoo",
            "title": "Great shirt",
            "content": "Soft linen, true to size.",
            "client_ip": "127.0.0.1",
            "member_id": "jisoo",
            "product_no": 1,
            "rating": 5,
            "display": "T",
        }
    ],
    "customergroups": [
        {"group_name": "Standard Membership", "buy_benefits": "F", "ship_benefits": "F"},
        {
            "group_name": "VIP",
            "group_description": "5% off orders over 100,000",
            "benefits_paymethod": "A",
            "buy_benefits": "D",
            "ship_benefits": "T",
            "product_availability": "A",
            "discount_information": {
                "amount_product": "100000.00",
                "amount_discount": "5.00",
                "discount_unit": "P",
                "truncation_unit": "10",
                "max_discount": "10000.00",
            },
            "discount_limit_information": {
                "discount_limit_type": "B",
                "discount_amount_limit": "100000.00",
                "number_of_discount_limit": None,
            },
        },
    ],
    "points": [
        {"member_id": "jisoo", "amount": "500.00", "type": "increase", "reason": "Welcome"},
    ],
    "coupons": [{"coupon_name": "Welcome 10%", "benefit_type": "B", "benefit_percentage": "10.0"}],
    "themes": [{"skin_name": "Basic", "skin_code": "skin1", "language_code": "en_US"}],
}
#: The activity log's ``manager_type`` of the mall's own operator, as Cafe24's example writes it.
OPERATOR = "representative operator"
DEMO_STORE = {"shop_name": "Demo Mall", "company_name": "Demo Co.", "email": "shop@example.com"}


def seed_demo_records(mall: Mall) -> None:
    """Seed the mall's Admin API data unless it has some already (the demo runs repeatedly).

    The records are the operator's work, and its activity log says so, as a real mall's does:
    one entry per record, by the mall's first operator; the points they granted name them."""
    if db.session.scalar(select(AdminRecord.id).where(AdminRecord.mall_pk == mall.id).limit(1)):
        return
    operator = min((o.user_id for o in mall.operators), default=mall.mall_id)
    zone = time_zone()
    for path, rows in DEMO_RECORDS.items():
        for data in rows:
            resource = RESOURCES[path]
            values = validate(resource, data, partial=False)
            if resource.parent == "boards":
                values["board_no"] = 1  # the demo's one board
            if "admin_id" in resource.by_name:
                values["admin_id"] = operator
            row = create_record(mall.id, resource, None, values)
            after_create(resource, row)
            key = keys.write(resource, row.record_no, row.created_date, zone, row.data)
            content = f"Created {resource.singular} {key}"
            log_entry(mall.id, f"Demo data > {path}", content, operator, OPERATOR)
    put_store(mall.id, RESOURCES["store"], DEMO_STORE)
    db.session.commit()
