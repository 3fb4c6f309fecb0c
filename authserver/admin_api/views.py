"""The Admin API's endpoints under ``/malls/<mall_id>/api/v2/admin/``: one hook, one dispatcher.

Every call, whatever its path, goes through ``enforce`` (the one place the rules of DESIGN.md's
Admin API table are applied, in its order): authentication, the call limit, the path, the scope.
Only then does ``dispatch`` run the endpoint's action on the mall's records. Writes validate
everything before they touch the database and commit once, so an error writes nothing.
"""

from __future__ import annotations

import json
import re
from functools import cache
from typing import Any

from flask import Blueprint, Response, g, request

from authserver.admin_api import filters, keys, ratelimit, records
from authserver.admin_api.auth import AuthenticationFailed, Caller, authenticate, challenge
from authserver.admin_api.resources import (
    APP_OBJECT,
    REPORT,
    SINGLETON,
    Invalid,
    Resource,
    product_refs,
    validate,
)
from authserver.admin_api.scope_map import ABSENT, Endpoint, resolve
from authserver.admin_api.wire import MAX_LIST
from authserver.extensions import db
from authserver.platform.errors import api_error
from authserver.platform.http import COMPACT_JSON, json_response
from authserver.platform.limits import read_body

bp = Blueprint("admin_api", __name__, url_prefix="/malls/<mall_id>/api/v2/admin")

NO_API = "Cannot locate API."
NO_PERMISSION = "Permission unauthorized."
TOO_MANY = "Too many requests: the call limit of this app on this mall is used up."
_METHODS = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"]
_MALL_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
#: The default list bounds; each resource declares Cafe24's own (``Resource.max_limit``...).
DEFAULT_LIMIT, MAX_LIMIT = 10, 100


class Refused(Exception):
    """An answer other than success, raised by an action: status, message, ``more_info``."""

    def __init__(self, status: int, message: str, more_info: dict[str, Any] | None = None):
        super().__init__(message)
        self.status, self.message, self.more_info = status, message, more_info


@bp.url_value_preprocessor
def _pull_values(endpoint, values) -> None:
    values = values or {}
    context = g
    context.api_mall_id = values.pop("mall_id", "")
    context.api_path = values.pop("path", "")


@bp.before_request
def enforce() -> Response | None:
    """DESIGN.md's checks in order: 401 realm, 401 invalid_token, 429, 404 no API, 404 scope."""
    context, req = g, request
    mall_id = context.api_mall_id
    if not _MALL_ID.fullmatch(mall_id):  # cannot name any mall (nor go into a header)
        return api_error(404, NO_API)
    try:
        caller = authenticate(mall_id, req.headers.get("Authorization"))
    except AuthenticationFailed as failure:
        return challenge(failure, mall_id)
    context.api_caller = caller
    context.api_call_limit = decision = ratelimit.hit(mall_id, caller.client_id)
    if not decision.allowed:
        return api_error(429, TOO_MANY, headers={"Retry-After": str(decision.retry_after)})
    endpoint = resolve(req.method, context.api_path)
    if endpoint is None:
        return api_error(404, NO_API)
    if endpoint.scope not in caller.scopes:
        return Response(_no_permission(endpoint.scope), 404, mimetype="application/json")
    context.api_endpoint = endpoint
    return None


@cache  # one per scope of the catalogue
def _no_permission(scope: str) -> bytes:
    """The body of ``api_error(404, NO_PERMISSION, ...)`` for ``scope``, encoded once: a call
    without the scope is refused on every try (json_response's answer, from these bytes)."""
    return api_error(404, NO_PERMISSION, {"required_scope": scope}).get_data()


@bp.after_request
def _call_limit_header(response: Response) -> Response:
    """``X-Api-Call-Limit: used/size`` on every answer to an authenticated call."""
    decision = g.get("api_call_limit")
    if decision is not None:
        # Only this hook writes it: appended, without Headers.set's search for an old one.
        response.headers.add("X-Api-Call-Limit", decision.header)
    return response


@bp.route("", defaults={"path": ""}, methods=_METHODS, provide_automatic_options=False)
@bp.route("/", defaults={"path": ""}, methods=_METHODS, provide_automatic_options=False)
@bp.route("/<path:path>", methods=_METHODS, provide_automatic_options=False)
def dispatch() -> Response:
    context = g
    endpoint: Endpoint = context.api_endpoint
    try:
        return _ACTIONS[endpoint.action](endpoint, context.api_caller)
    except Invalid as error:
        return api_error(422, error.message, {"field": error.field})
    except Refused as error:
        return api_error(error.status, error.message, error.more_info)


# -- actions -----------------------------------------------------------------------------
def _list(endpoint: Endpoint, caller: Caller) -> Response:
    resource = endpoint.resource
    # Most lists come without a query: no MultiDict to parse then.
    args = request.args if request.query_string else {}
    zone = records.time_zone()
    query = filters.parse(resource, args, zone)
    if resource.kind == REPORT:
        items = records.sales_volume(caller.mall_pk, filters.numbers(args, "product_no"))
        return json_response({resource.key: items[query.offset : query.offset + query.limit]})
    shape = None if query.fields is None and not query.embed else (query.embed, query.fields)
    encoded = records.list_json(
        caller.mall_pk,
        resource,
        caller.app_pk,
        query.limit,
        query.offset,
        zone,
        query.conditions,
        shape,
    )
    # json_response({key: items}) spelled out, with each item's text as list_json keeps it.
    body = f"{{{COMPACT_JSON.encode(resource.key)}:[{','.join(encoded)}]}}"
    return Response(body, mimetype="application/json")


def _count(endpoint: Endpoint, caller: Caller) -> Response:
    resource = endpoint.resource
    args = request.args if request.query_string else {}
    query = filters.parse(resource, args, records.time_zone())
    count = records.count_records(caller.mall_pk, resource, caller.app_pk, query.conditions)
    return json_response({"count": count})


def _get(endpoint: Endpoint, caller: Caller) -> Response:
    resource = endpoint.resource
    args = request.args if request.query_string else {}
    options = filters.read_options(resource, args)
    if resource.kind in (SINGLETON, APP_OBJECT):
        number = records.object_number(resource, caller.app_pk)
        row = records.read_record(caller.mall_pk, resource, caller.app_pk, number)
        body = records.object_json(resource, caller.mall_id, row, options.fields)
        return json_response({resource.singular: body})
    row = _existing(endpoint, caller, records.read_record)
    body = records.to_json(resource, row, embed=options.embed, fields=options.fields)
    return json_response({resource.singular: body})


def _create(endpoint: Endpoint, caller: Caller) -> Response:
    resource = endpoint.resource
    data = validate(resource, _request_object(), partial=False)
    _check_products(resource, caller, data)
    row = records.create_record(caller.mall_pk, resource, caller.app_pk, data)
    db.session.commit()
    return json_response({resource.singular: records.to_json(resource, row)}, 201)


def _update(endpoint: Endpoint, caller: Caller) -> Response:
    resource = endpoint.resource
    if resource.kind in (SINGLETON, APP_OBJECT):
        data = validate(resource, _request_object(), partial=True)
        row = records.put_store(caller.mall_pk, resource, data, caller.app_pk)
        db.session.commit()
        body = records.object_json(resource, caller.mall_id, row)
        return json_response({resource.singular: body})
    row = _existing(endpoint, caller)
    data = validate(resource, _request_object(), partial=True)
    _check_products(resource, caller, data)
    records.set_data(row, resource, {**row.data, **data})
    db.session.commit()
    return json_response({resource.singular: records.to_json(resource, row)})


def _bulk_update(endpoint: Endpoint, caller: Caller) -> Response:
    """Cafe24's ``PUT /<resource>`` with ``{"shop_no": 1, "requests": [{<key>: ..., ...}]}``:
    every request is checked before any is written; one commit."""
    resource = endpoint.resource
    key_name = resource.number_field
    changes = []
    for index, item in enumerate(_request_object(bulk=True)):
        where = f"requests[{index}]"
        if not isinstance(item, dict) or not isinstance(item.get(key_name), str | int):
            raise Invalid(f"{where}.{key_name}", f"{where}.{key_name} is required.")
        values = {name: value for name, value in item.items() if name != key_name}
        try:
            data = validate(resource, values, partial=True)
        except Invalid as error:
            raise Invalid(f"{where}.{error.field}", f"{where}: {error.message}") from None
        _check_products(resource, caller, data)
        single = Endpoint(resource, "update", endpoint.scope, str(item[key_name]))
        changes.append((_existing(single, caller), data))
    for row, data in changes:
        records.set_data(row, resource, {**row.data, **data})
    db.session.commit()
    zone = records.time_zone()
    return json_response({resource.key: [records.to_json(resource, r, zone) for r, _ in changes]})


def _delete(endpoint: Endpoint, caller: Caller) -> Response:
    resource = endpoint.resource
    row = _existing(endpoint, caller)
    key = keys.write(resource, row.record_no, row.created_date, records.time_zone(), row.data)
    db.session.delete(row)
    db.session.commit()
    return json_response(
        {resource.singular: {"shop_no": records.SHOP_NO, resource.number_field: key}}
    )


def _absent(endpoint: Endpoint, caller: Caller) -> Response:
    """A method Cafe24 does not offer on this resource (its scope was checked first)."""
    return api_error(404, NO_API)


_ACTIONS = {
    "list": _list,
    "count": _count,
    "get": _get,
    "create": _create,
    "update": _update,
    "bulk_update": _bulk_update,
    "delete": _delete,
    ABSENT: _absent,
}


# -- helpers -----------------------------------------------------------------------------
def _existing(endpoint: Endpoint, caller: Caller, find=records.get_record) -> Any:
    """The record the path's key names (``find``: an entity or a row to read), else 404."""
    resource = endpoint.resource
    key = keys.read(resource, endpoint.key or "")
    if key is None:  # not a key of this resource at all (products/abc): no such API
        raise Refused(404, NO_API)
    row = find(caller.mall_pk, resource, caller.app_pk, key)
    if row is None:
        raise Refused(
            404,
            f"No {resource.singular} with {resource.number_field} {endpoint.key}.",
            {resource.number_field: endpoint.key},
        )
    return row


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def _request_object(*, bulk: bool = False) -> Any:
    """The ``request`` member of Cafe24's ``{"shop_no": 1, "request": {...}}`` body; with
    ``bulk``, the list of Cafe24's ``{"shop_no": 1, "requests": [...]}`` (1 to 100)."""
    mimetype = request.mimetype
    if mimetype != "application/json" and not mimetype.endswith("+json"):
        raise Refused(400, "Content-Type must be application/json.", {"field": "Content-Type"})
    try:
        body = json.loads(read_body(), parse_constant=_reject_constant)
    except (ValueError, RecursionError):
        raise Refused(400, "The request body is not valid JSON.", {"field": "body"}) from None
    if not isinstance(body, dict):
        raise Invalid("body", 'The body must be a JSON object: {"shop_no": 1, "request": {...}}.')
    shop_no = body.get("shop_no", records.SHOP_NO)
    if isinstance(shop_no, bool) or shop_no != records.SHOP_NO:
        raise Invalid("shop_no", f"shop_no must be {records.SHOP_NO} (this mall has one shop).")
    if bulk:
        requests = body.get("requests")
        if not isinstance(requests, list) or not 1 <= len(requests) <= MAX_LIST:
            raise Invalid("requests", f"requests must be a list of 1 to {MAX_LIST} objects.")
        return requests
    if "request" not in body:
        raise Invalid("request", "request is required.")
    return body["request"]


def _check_products(resource: Resource, caller: Caller, data: dict[str, Any]) -> None:
    refs = product_refs(resource, data)
    missing = records.missing_products(caller.mall_pk, sorted(refs))
    if missing:
        where = refs[min(missing)]
        raise Invalid(where, f"{where}: there is no product {min(missing)} in this mall.")
