"""The vocabulary of the Admin API's resource table: resource kinds, key kinds, ``Filter``
and ``Resource`` (what one row of ``resources.RESOURCES`` declares), and ``validate``, which
turns a request object into the data to store by a row's fields."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from authserver.admin_api.wire import ITEMS, MAX_INT, MAX_LIST, Field, Invalid, check

COLLECTION = "collection"
SINGLETON = "singleton"
#: One object per (mall, app): ``apps`` describes the calling app (Cafe24's apps.md).
APP_OBJECT = "app_object"
REPORT = "report"
#: A list kept inside its parent record's JSON (an order's ``items``, a product's ``variants``):
#: the parent's embed and the sub-resource read and write one list.
EMBEDDED = "embedded"

#: How an item is named in its path and its answers (``Resource.key_kind``).
NUMBERED = "numbered"  # the record number itself: product_no, skin_no, ...
#: The record number written as a JSON string, as Cafe24 types script_no and coupon_no.
NUMBER_TEXT = "number_text"
CODE = "code"  # a letter and 7 base-36 digits of the number: brand_code B0000001
ORDER_ID = "order_id"  # YYYYMMDD-NNNNNNN: the creation day in the mall's zone and the number
LOOKUP = "lookup"  # a field of the record, kept in the indexed ``lookup`` column: member_id

LIST_ACTIONS = frozenset({"list", "count"})
ALL_ACTIONS = frozenset({"list", "count", "get", "create", "update", "delete"})
READ_ACTIONS = frozenset({"list", "count", "get"})


class Refused(Exception):
    """An answer other than success, raised by an action: status, message, ``more_info``."""

    def __init__(self, status: int, message: str, more_info: dict[str, Any] | None = None):
        super().__init__(message)
        self.status, self.message, self.more_info = status, message, more_info


@dataclass(frozen=True)
class Filter:
    """A list/count query parameter: ``name``, its ``kind`` (``filters.KINDS``) and the field or
    column it reads (default: the parameter's name)."""

    name: str
    kind: str
    field: str | None = None
    #: Cafe24 requires it (``start_date`` of activity logs and points): absent is a 422.
    required: bool = False
    #: The values Cafe24 documents for a ``date_type``, the first the one the ranges read.
    choices: tuple[str, ...] = ()
    #: The value Cafe24 reads when the call gives none (coupons' ``deleted``: ``F``).
    default: str | None = None
    #: A ``keyword``'s fields by the value of the parameter that picks one (its ``field``):
    #: articles' ``search=subject`` reads the ``title``.
    searched: tuple[tuple[str, str], ...] = ()

    @property
    def target(self) -> str:
        return self.field or self.name


#: orders.md's ``date_type``: which date ``start_date``/``end_date`` read. authserver keeps
#: an order's own date (``order_date``, the day in its ``order_id``) and none of the others,
#: so a range over another matches no order (``filters``, kind ``date_type``).
ORDER_DATE_TYPES = (
    "order_date", "pay_date", "shipbegin_date", "shipend_date", "cancel_date", "place_date",
    "cancel_request_date", "cancel_accept_date", "cancel_complete_date",
    "exchange_request_date", "exchange_accept_date", "exchange_complete_date",
    "return_request_date", "return_accept_date", "return_complete_date",
    "purchaseconfirmation_date",
)  # fmt: skip


def ranges(prefix: str, field: str | None = None) -> tuple[Filter, Filter]:
    """Cafe24's ``<prefix>_min`` and ``<prefix>_max`` (``price_min``) over ``field``."""
    field = field or prefix
    return Filter(f"{prefix}_min", "min", field), Filter(f"{prefix}_max", "max", field)


#: Filters every collection's list and count takes (Cafe24 documents ``shop_no`` on each).
COMMON_FILTERS = (Filter("shop_no", "shop"),)
CREATED_FILTERS = (
    Filter("created_start_date", "date_from", "created_date"),
    Filter("created_end_date", "date_to", "created_date"),
)
UPDATED_FILTERS = (
    Filter("updated_start_date", "date_from", "updated_date"),
    Filter("updated_end_date", "date_to", "updated_date"),
)
#: Cafe24's ``start_date``/``end_date`` of a record's own date (an order's, an article's).
PERIOD_FILTERS = (
    Filter("start_date", "date_from", "created_date"),
    Filter("end_date", "date_to", "created_date"),
)
#: A list's ``limit`` when the call gives none, and its largest: the bounds of a resource that
#: declares none of its own (Cafe24's orders take 1000, coupons 500...).
DEFAULT_LIMIT, MAX_LIMIT = 10, 100


@dataclass(frozen=True)
class Resource:
    path: str
    singular: str
    kind: str = COLLECTION
    fields: tuple[Field, ...] = ()
    #: ``apps``: each app sees and writes only its own object on the mall.
    per_app: bool = False
    #: The answers' and the path's key: ``None`` is ``<singular>_no``.
    key_name: str | None = None
    key_kind: str = NUMBERED
    #: ``CODE`` keys: the letter before the digits (``B`` for brands).
    code_prefix: str = ""
    #: The field copied into the indexed ``lookup`` column (``member_id``): a ``LOOKUP`` key
    #: and the ``member_id`` filter read it there.
    lookup: str | None = None
    #: The actions Cafe24 documents; any other method answers 404 "Cannot locate API.".
    actions: frozenset[str] = ALL_ACTIONS
    filters: tuple[Filter, ...] = ()
    default_limit: int = DEFAULT_LIMIT
    max_limit: int = MAX_LIMIT
    max_offset: int = MAX_INT
    #: Actions that also take Cafe24's bulk body ``{"shop_no": 1, "requests": [...]}``: a
    #: ``PUT`` of the collection (``update``), or a create of several records at once, whose
    #: answer is then the list under the collection's key (articles) whichever form was sent.
    bulk: frozenset[str] = frozenset()
    #: Cafe24's "1회당 요청건수 제한" of a bulk write: the most ``requests`` one call takes.
    max_requests: int = MAX_LIST
    #: A sub-resource's parent (``orders`` for ``orders/items``): its URL is
    #: ``<parent>/{parent key}/<last segment>`` and each of its records belongs to one parent.
    parent: str | None = None
    #: Records kept under another resource (``customersprivacy`` shows and edits ``customers``).
    stored_as: str | None = None
    #: The names its creation and last change dates are shown under, as Cafe24 shows them: an
    #: activity log's ``process_date``, an article's ``created_date`` only, none for a board.
    dates: tuple[str, ...] = ("created_date", "updated_date")
    #: Cafe24 shows ``shop_no`` in each record (an activity log entry has none).
    with_shop_no: bool = True
    #: A create needs at least one of these (sms: ``recipients``, ``member_id`` or ``group_no``).
    one_of_required: tuple[str, ...] = ()
    #: Cafe24 answers the list with ``links`` to the previous and next pages (orders).
    links: bool = False
    #: The only keys of a create's answer when Cafe24 shows no more (sms: ``queue_code``).
    create_answer: frozenset[str] | None = None
    by_name: Mapping[str, Field] = field(init=False, repr=False, compare=False)
    by_filter: Mapping[str, Filter] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_name", {f.name: f for f in self.fields})
        object.__setattr__(self, "by_filter", {f.name: f for f in self.filters})

    @property
    def key(self) -> str:
        """The collection key, the last path segment: ``reports/salesvolume`` -> ``salesvolume``."""
        return self.path.rsplit("/", 1)[-1]

    @property
    def number_field(self) -> str:
        """The item's key in answers and paths: ``product_no``, ``order_id``, ``brand_code``."""
        return self.key_name or f"{self.singular}_no"

    @property
    def storage(self) -> str:
        """The ``resource`` its records are stored under in ``admin_records``."""
        return self.stored_as or self.path

    @property
    def embeds(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields if f.embedded)


def validate(resource: Resource, values: Any, *, partial: bool) -> dict[str, Any]:
    """The fields to store from a request object; every required one unless ``partial``.

    Unknown and server-assigned fields are refused by name rather than dropped silently; a
    create stores Cafe24's default of each field it leaves unset or null (``Field.default``),
    an update leaves such a field as stored when it sends null;
    ``shop_no`` (Cafe24's examples repeat it inside ``request``) is accepted when it is 1.
    """
    if not isinstance(values, dict):
        raise Invalid("request", "request must be a JSON object of fields.")
    if "shop_no" in values:
        values = dict(values)
        if values.pop("shop_no") != 1:
            raise Invalid("shop_no", "shop_no must be 1 (this mall has one shop).")
    for name in values:
        if name not in resource.by_name:
            raise Invalid(name, f"{name} is not a field of {resource.singular}.")
        if resource.by_name[name].read_only:
            raise Invalid(name, f"{name} is set by the server.")
    if not partial:
        for f in resource.fields:
            if f.required and f.name not in values:
                raise Invalid(f.name, f"{f.name} is required.")
        names = resource.one_of_required
        if names and all(values.get(name) is None for name in names):
            raise Invalid(names[0], f"one of {', '.join(names)} is required.")
    elif not values:
        raise Invalid("request", "request must contain at least one field.")
    data = {name: check(resource.by_name[name], value) for name, value in values.items()}
    if not partial:
        for f in resource.fields:
            if f.default is not None and data.get(f.name) is None:
                data[f.name] = f.default
    else:
        # A field with a DEFAULT is never null: an update that sends null leaves it as stored
        # (Cafe24's Coupon management example sends "deleted": null to delete nothing).
        data = {
            name: value
            for name, value in data.items()
            if value is not None or resource.by_name[name].default is None
        }
    return data


def validate_each(
    resource: Resource, index: int, values: Any, *, partial: bool, keyed: bool = False
) -> dict[str, Any]:
    """``validate`` of the ``index``-th object of a bulk body's ``requests``, a bad field named
    ``requests[<index>].<field>``; ``keyed``: an update's object names its record by the
    resource's key (``order_id``, ``variant_code``), kept in the answer, not validated."""
    where = f"requests[{index}]"
    key_name = resource.number_field
    if keyed:
        if not isinstance(values, dict) or not isinstance(values.get(key_name), str | int):
            raise Invalid(f"{where}.{key_name}", f"{where}.{key_name} is required.")
        values = {name: value for name, value in values.items() if name != key_name}
    try:
        return validate(resource, values, partial=partial)
    except Invalid as error:
        raise Invalid(f"{where}.{error.field}", f"{where}: {error.message}") from None


def product_refs(resource: Resource, data: Mapping[str, Any]) -> dict[int, str]:
    """Every product number the data refers to, with the field naming it (for the 422)."""
    refs: dict[int, str] = {}
    for f in resource.fields:
        value = data.get(f.name)
        if value is None:
            continue
        if f.ref == "products":
            refs.setdefault(value, f.name)
        elif f.type == ITEMS:
            for index, item in enumerate(value):
                refs.setdefault(item["product_no"], f"{f.name}[{index}].product_no")
    return refs
