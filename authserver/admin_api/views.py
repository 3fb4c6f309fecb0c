"""The Admin API's endpoints under ``/malls/<mall_id>/api/v2/admin/``: one hook, one dispatcher.

Every call, whatever its path, goes through ``enforce`` (the one place the rules of DESIGN.md's
Admin API table are applied, in its order): authentication, the call limit, the path, the scope.
Only then does ``dispatch`` run the endpoint's action on the mall's records. Writes validate
everything before they touch the database and commit once, so an error writes nothing.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from functools import cache
from typing import Any

from flask import Blueprint, Request, Response, g, request

from authserver.admin_api import nested, ratelimit, records, reports
from authserver.admin_api.auth import AuthenticationFailed, Caller, authenticate, challenge
from authserver.admin_api.resources import (
    EMBEDDED,
    MAX_INT,
    REPORT,
    SINGLETON,
    Invalid,
    Refused,
    validate,
)
from authserver.admin_api.scope_map import Endpoint, resolve
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
_DIGITS = re.compile(r"[0-9]{1,10}")
DEFAULT_LIMIT, MAX_LIMIT = 10, 100


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
    limit, offset = _page(request)
    if resource.path == "dashboard":
        zone = records.time_zone()
        return json_response({"dashboard": [reports.dashboard(caller.mall_pk, zone)]})
    if resource.kind == REPORT:
        items = records.sales_volume(caller.mall_pk)[offset : offset + limit]
        return json_response({resource.key: items})
    if resource.kind == EMBEDDED:
        return json_response({resource.key: nested.list_items(endpoint, caller.mall_pk)})
    args, zone = request.args, records.time_zone()
    if resource.path == "points":
        rows = reports.page_points(caller.mall_pk, reports.points_gate(args, zone), limit, offset)
        return json_response({"points": reports.points_json(caller.mall_pk, rows, zone)})
    if resource.parent is not None:
        nested.check_parent(endpoint, caller.mall_pk)
    gate = nested.gate(endpoint) + reports.list_gate(endpoint, args, zone)
    encoded = records.list_json(caller.mall_pk, resource, caller.app_pk, limit, offset, zone, gate)
    # json_response({key: items}) spelled out, with each item's text as list_json keeps it.
    body = f"{{{COMPACT_JSON.encode(resource.key)}:[{','.join(encoded)}]}}"
    return Response(body, mimetype="application/json")


def _count(endpoint: Endpoint, caller: Caller) -> Response:
    if endpoint.resource.parent is not None:
        nested.check_parent(endpoint, caller.mall_pk)
    gate = nested.gate(endpoint) + reports.list_gate(endpoint, request.args, records.time_zone())
    count = records.count_records(caller.mall_pk, endpoint.resource, caller.app_pk, gate)
    return json_response({"count": count})


def _get(endpoint: Endpoint, caller: Caller) -> Response:
    resource = endpoint.resource
    if resource.kind == SINGLETON:
        row = records.read_record(caller.mall_pk, resource, None, records.STORE_NUMBER)
        return json_response({resource.singular: records.store_json(resource, caller.mall_id, row)})
    if endpoint.key is None and resource.parent is None:
        row = _existing(endpoint, caller, records.read_record)
    else:
        if resource.parent is not None:
            nested.check_parent(endpoint, caller.mall_pk)
        row = nested.find(endpoint, caller.mall_pk, caller.app_pk)
    return json_response({resource.singular: records.to_json(resource, row)})


def _create(endpoint: Endpoint, caller: Caller) -> Response:
    resource = endpoint.resource
    if resource.kind == EMBEDDED:
        item = nested.create_item(endpoint, caller.mall_pk, _request_object())
        return _written(endpoint, caller, item["order_item_code"], {resource.singular: item}, 201)
    if resource.path == "points":
        points = reports.create_points(caller.mall_pk, _request_object())
        return _written(endpoint, caller, points["member_id"], {"points": points}, 201)
    if resource.parent is not None:
        nested.check_parent(endpoint, caller.mall_pk)
    data = validate(resource, _request_object(), partial=False)
    nested.check_products(resource, caller.mall_pk, data)
    data = nested.stamp(endpoint, caller.client_id, data)
    row = records.create_record(caller.mall_pk, resource, caller.app_pk, data)
    nested.after_create(resource, caller.mall_pk, row)
    body = {resource.singular: records.to_json(resource, row)}
    return _written(endpoint, caller, row.record_no, body, 201)


def _update(endpoint: Endpoint, caller: Caller) -> Response:
    resource = endpoint.resource
    if resource.kind == EMBEDDED:
        item = nested.update_item(endpoint, caller.mall_pk, _request_object())
        return _written(endpoint, caller, endpoint.key, {resource.singular: item})
    if resource.kind == SINGLETON:
        data = validate(resource, _request_object(), partial=True)
        row = records.put_store(caller.mall_pk, resource, data)
        body = {resource.singular: records.store_json(resource, caller.mall_id, row)}
        return _written(endpoint, caller, caller.mall_id, body)
    if resource.parent is not None:
        nested.check_parent(endpoint, caller.mall_pk)
    row = nested.find(endpoint, caller.mall_pk, caller.app_pk)
    data = validate(resource, _request_object(), partial=True)
    nested.check_products(resource, caller.mall_pk, data)
    row.data = {**row.data, **data}
    body = {resource.singular: records.to_json(resource, row)}
    return _written(endpoint, caller, endpoint.key or row.record_no, body)


def _delete(endpoint: Endpoint, caller: Caller) -> Response:
    resource = endpoint.resource
    if resource.parent is not None:
        nested.check_parent(endpoint, caller.mall_pk)
    row = nested.find(endpoint, caller.mall_pk, caller.app_pk)
    db.session.delete(row)
    nested.after_delete(resource, caller.mall_pk, row.record_no)
    if resource.key_field is not None:
        gone = {"shop_no": records.SHOP_NO, resource.key_field: endpoint.key}
    else:
        gone = {"shop_no": records.SHOP_NO, resource.number_field: row.record_no}
    return _written(endpoint, caller, endpoint.key or row.record_no, {resource.singular: gone})


def _written(
    endpoint: Endpoint, caller: Caller, ident: Any, body: dict[str, Any], status: int = 200
) -> Response:
    """A write's answer, after its entry in the mall's activity log; one commit for both."""
    reports.log_write(caller.mall_pk, caller.client_id, endpoint, ident)
    db.session.commit()
    return json_response(body, status)


_ACTIONS = {
    "list": _list,
    "count": _count,
    "get": _get,
    "create": _create,
    "update": _update,
    "delete": _delete,
}


# -- helpers -----------------------------------------------------------------------------
def _existing(endpoint: Endpoint, caller: Caller, find=records.get_record) -> Any:
    """The record the path names (``find``: an entity to write, or a row to read), else 404."""
    resource = endpoint.resource
    row = find(caller.mall_pk, resource, caller.app_pk, endpoint.number or 0)
    if row is None:
        raise Refused(
            404,
            f"No {resource.singular} with {resource.number_field} {endpoint.number}.",
            {resource.number_field: endpoint.number},
        )
    return row


def _page(req: Request) -> tuple[int, int]:
    """A list's ``limit`` and ``offset``; ``Invalid`` when either is out of range."""
    # Most lists come without a query: no MultiDict to parse then.
    args = req.args if req.query_string else {}
    limit = _int_arg(args, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
    return limit, _int_arg(args, "offset", 0, 0, MAX_INT)


def _int_arg(args: Mapping[str, str], name: str, default: int, minimum: int, maximum: int) -> int:
    if name not in args:  # MultiDict.get raises and catches a KeyError for a missing name
        return default
    raw = args[name]
    if not _DIGITS.fullmatch(raw) or not minimum <= int(raw) <= maximum:
        raise Invalid(name, f"{name} must be an integer from {minimum} to {maximum}.")
    return int(raw)


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def _request_object() -> Any:
    """The ``request`` member of Cafe24's ``{"shop_no": 1, "request": {...}}`` body."""
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
    if "request" not in body:
        raise Invalid("request", "request is required.")
    return body["request"]
