"""The long property lists of Cafe24's coupons and customersprivacy, as fields of their rows.

Kept apart from the resource table (``resources``) only for length. Each name and type is
Cafe24's (cafe24_chapters/coupons.md and customersprivacy.md, "property list"); what a request
may send is what Cafe24's create or update takes, and the rest of the list is ``read_only``:
set by Cafe24's own shop (a coupon's ``issued_count``, a customer's points and login dates),
which authserver does not run, so it answers them as stored (a customer's points as its
``customers`` record holds them; ``null`` when unset, or what a new record is at Cafe24, a
coupon's ``issued_count`` ``"0"``) and refuses them by name in a request. A field Cafe24
documents a ``DEFAULT`` for gets it on create (``Field.default``).
"""

from __future__ import annotations

from authserver.admin_api.wire import (
    DATETIME,
    FLAG,
    INT,
    INT_LIST,
    LIST,
    MONEY,
    NUMBER,
    OBJECT,
    STR,
    STR_LIST,
    TEXT,
    Field,
)


def _fields(kind: str, *names: str, read_only: bool = False) -> tuple[Field, ...]:
    return tuple(Field(name, kind, read_only=read_only) for name in names)


COUPON_FIELDS: tuple[Field, ...] = (
    Field("coupon_name", required=True),
    Field("coupon_description", TEXT),
    *_fields(
        STR,
        "coupon_type",
        "benefit_type",
        "issue_type",
        "issue_sub_type",
        "additional_targets",
        "additional_conditions",
        "issue_member_join_type",
        "issue_order_amount_type",
        "issue_order_amount_limit",
        "issue_order_type",
        "issue_order_available_product",
        "issue_order_available_category",
        "issue_anniversary_type",
        "issue_on_anniversary",
        "issue_quntity_type",  # sic: Cafe24's spelling
        "issue_member_group_name",
        "available_period_type",
        "available_order_price_type",
        # Coupon management (PUT): Cafe24's status change, kept as sent.
        "status",
        "immediate_issue_pause",
        "immediate_issue_restart",
    ),
    *_fields(
        FLAG,
        "include_regional_shipping_rate",
        "include_foreign_delivery",
        "issue_member_join",
        "issue_member_join_recommend",
        "issue_review_has_image",
        "show_product_detail",
        "use_notification_when_login",
        "send_sms_for_issue",
        "send_email_for_issue",
        "issue_limit",
        "same_user_reissue",
        "issue_order_date",
        "exclude_unsubscribed",
    ),
    *_fields(MONEY, "benefit_price", "benefit_percentage_max_price", "available_min_price"),
    *_fields(MONEY, "issue_order_amount_min", "issue_order_amount_max"),
    *_fields(NUMBER, "benefit_percentage", "benefit_percentage_round_unit"),
    *_fields(
        INT,
        "issue_anniversary_pre_issue_day",
        "issue_review_count",
        "issue_quantity_min",
        "issue_max_count",
        "issue_max_count_by_user",
        "issue_count_per_once",
        "issue_member_group_no",
        "issue_no_purchase_period",
        "available_day_from_issued",
        "available_coupon_count_by_order",
    ),
    *_fields(
        DATETIME,
        "issue_order_start_date",
        "issue_order_end_date",
        "issue_reserved_date",
        "available_begin_datetime",
        "available_end_datetime",
    ),
    # Cafe24's create takes these two as lists ("W,M,P" in its list example's answer).
    *_fields(STR_LIST, "available_site", "available_payment_method"),
    *_fields(
        INT_LIST,
        "issue_order_available_product_list",
        "issue_order_available_category_list",
        "available_product_list",
        "available_category_list",
    ),
    # The create's nested values (issue_order_path {"W": "T", ...}, discount_amount
    # {"benefit_price": ...}), kept as sent.
    *_fields(OBJECT, "issue_order_path", "discount_amount", "discount_rate", "recurring_issuance"),
    # Cafe24's DEFAULTs (coupons.md, "Create a coupon"; deleted: the list's filter default).
    Field("available_scope", default="O"),
    Field("available_price_type", default="U"),
    Field("available_amount_type", default="E"),
    Field("available_product", default="U"),
    Field("available_category", default="U"),
    # Coupon management (PUT) deletes with "D" (its only documented value); the list's
    # deleted filter then reads "T".
    Field("deleted", FLAG, default="F", aliases=(("D", "T"),)),
    Field("issue_reserved", FLAG, default="F"),
    # What a new coupon is at Cafe24 until its shop acts on it.
    Field("is_stopped_issued_coupon", FLAG, read_only=True, default="F"),
    Field("issued_count", read_only=True, default="0"),  # a string at Cafe24 ("0")
    *_fields(DATETIME, "pause_begin_datetime", "pause_end_datetime", read_only=True),
    *_fields(
        STR,
        "benefit_text",
        "coupon_direct_url",
        "issue_module_type",
        "available_date",
        "serial_generate_method",
        "coupon_image_type",
        "coupon_image_path",
        "recurring_issuance_interval",
        "recurring_issuance_day",
        "recurring_issuance_hour",
        "recurring_issuance_minute",
        read_only=True,
    ),
)

CUSTOMERSPRIVACY_FIELDS: tuple[Field, ...] = (
    Field("member_id", read_only=True),
    # What Cafe24's update takes, and name, name_english, phone and group_no, which
    # authserver took before (its clients keep working).
    *_fields(
        STR,
        "name",
        "name_english",
        "phone",
        "cellphone",
        "email",
        "birthday",
        "gender",
        "zipcode",
        "address1",
        "address2",
        "city",
        "state",
        "country_code",
        "recommend_id",
        "refund_bank_code",
        "refund_bank_account_no",
        "refund_bank_account_holder",
    ),
    *_fields(FLAG, "sms", "news_mail", "thirdparty_agree", "solar_calendar", "fixed_group"),
    Field("group_no", INT),
    Field("additional_information", LIST),
    *_fields(
        STR,
        "name_phonetic",
        "wedding_anniversary",
        "job_class",
        "job",
        "member_authentication",
        "blacklist_type",
        "member_authority",
        "nick_name",
        "residence",
        "interest",
        "member_type",
        "company_type",
        "foreigner_type",
        "authentication_method",
        "corporate_name",
        "nationality",
        "shop_name",
        "join_path",
        "company_condition",
        "company_line",
        read_only=True,
    ),
    *_fields(FLAG, "use_blacklist", "lifetime_member", "use_mobile_app", read_only=True),
    *_fields(
        MONEY,
        "total_points",
        "available_points",
        "used_points",
        "available_credits",
        read_only=True,
    ),
    *_fields(DATETIME, "last_login_date", "account_reactivation_date", read_only=True),
    Field("sns_list", STR_LIST, read_only=True),
)
