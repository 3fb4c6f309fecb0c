"""Demo records for the ``demo`` command: a small, realistic shop, seeded once per mall."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from authserver.admin_api.nested import after_create
from authserver.admin_api.records import AdminRecord, create_record, put_store
from authserver.admin_api.resources import RESOURCES
from authserver.extensions import db
from authserver.models import Mall

#: resource -> the records to create, in order (orders refer to products 1-3, the article
#: to board 1; the customers' extra fields are what ``customersprivacy`` shows).
DEMO_RECORDS: dict[str, list[dict[str, Any]]] = {
    "categories": [
        {"category_name": "Outerwear", "display_type": "A"},
        {"category_name": "Accessories", "display_type": "A"},
    ],
    "products": [
        {
            "product_name": "Linen shirt",
            "price": 39000,
            "product_code": "P0000A01",
            "selling": True,
        },
        {"product_name": "Wool scarf", "price": 25000, "product_code": "P0000A02", "selling": True},
        {
            "product_name": "Canvas tote",
            "price": 18000,
            "product_code": "P0000A03",
            "display": True,
        },
    ],
    "brands": [{"brand_name": "Seoul Basics", "use_brand": True}],
    "suppliers": [{"supplier_name": "Hanok Textiles", "manager_name": "Kim", "commission": 10}],
    "customers": [
        {
            "member_id": "jisoo",
            "name": "Jisoo Park",
            "email": "jisoo@example.com",
            "group_no": 1,
            "sms": True,
            "news_mail": False,
        },
        {"member_id": "minho", "name": "Minho Lee", "email": "minho@example.com", "group_no": 2},
    ],
    "customergroups": [
        {"group_name": "Standard Membership", "buy_benefits": "F", "ship_benefits": False},
        {"group_name": "VIP", "buy_benefits": "D", "ship_benefits": True},
    ],
    "points": [
        {"member_id": "jisoo", "amount": 500, "type": "increase", "reason": "Welcome points"},
    ],
    "orders": [
        {"member_id": "jisoo", "items": [{"product_no": 1, "quantity": 2}], "buyer_name": "Jisoo"},
        {
            "member_id": "minho",
            "items": [{"product_no": 1, "quantity": 1}, {"product_no": 3, "quantity": 4}],
            "buyer_name": "Minho",
        },
    ],
    "carts": [{"member_id": "jisoo", "product_no": 2, "quantity": 1}],
    "boards": [{"board_name": "Product reviews", "board_type": "review", "use_board": True}],
    "boards/articles": [
        {
            "board_no": 1,
            "writer": "Jisoo",
            "title": "Great shirt",
            "content": "Soft linen, true to size.",
            "client_ip": "127.0.0.1",
            "member_id": "jisoo",
            "product_no": 1,
            "rating": 5,
            "display": True,
        }
    ],
    "coupons": [{"coupon_name": "Welcome 10%", "benefit_type": "B", "benefit_percentage": 10}],
    "themes": [{"skin_name": "Basic", "skin_code": "skin1", "language_code": "en_US"}],
}
DEMO_STORE = {"shop_name": "Demo Mall", "company_name": "Demo Co.", "email": "shop@example.com"}


def seed_demo_records(mall: Mall) -> None:
    """Seed the mall's Admin API data unless it has some already (the demo runs repeatedly)."""
    if db.session.scalar(select(AdminRecord.id).where(AdminRecord.mall_pk == mall.id).limit(1)):
        return
    for path, rows in DEMO_RECORDS.items():
        for data in rows:
            row = create_record(mall.id, RESOURCES[path], None, data)
            after_create(RESOURCES[path], mall.id, row)  # each product's default variant
    put_store(mall.id, RESOURCES["store"], DEMO_STORE)
    db.session.commit()
