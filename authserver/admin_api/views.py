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
from urllib.parse import urlencode

from flask import Blueprint, Response, g, request

from authserver.admin_api import filters, keys, nested, ratelimit, records, reports
from authserver.admin_api.auth import AuthenticationFailed, Caller, authenticate, challenge
from authserver.admin_api.resources import (
    APP_OBJECT,
    EMBEDDED,
    REPORT,
    SINGLETON,
    Invalid,
    Refused,
    validate,
)
from authserver.admin_api.schema import validate_each
from authserver.admin_api.scope_map import ABSENT, Endpoint, resolve
from authserver.admin_api.wire import MAX_LIST
from authserver.extensions import db
from authserver.models import App
from authserver.platform.current import this_g, this_request
from authserver.platform.errors import api_error
from authserver.platform.http import COMPACT_JSON, json_response
from authserver.platform.limits import read_body

bp = Blueprint("admin_api", __name__, url_prefix="/malls/<mall_id>/api/v2/admin")

NO_API = "Cannot locate API."
NO_PERMISSION = "Permission unauthorized."
TOO_MANY = "Too many requests: the call limit of this app on this mall is used up."
_METHODS = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"]
_MALL_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")


@bp.url_value_preprocessor
def _pull_values(endpoint, values) -> None:
    values = values or {}
    context = this_g()
    context.api_mall_id = values.pop("mall_id", "")
    context.api_path = values.pop("path", "")


@bp.before_request
def enforce() -> Response | None:
    """DESIGN.md's checks in order: 401 realm, 401 invalid_token, 429, 404 no API, 404 scope."""
    context, req = this_g(), this_request()
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
    context = this_g()
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
    if resource.path == "dashboard":
        # parse has read shop_no as a number: the answer names the shop asked for.
        shop_no = int(args.get("shop_no", records.SHOP_NO))
        board = reports.dashboard(caller.mall_pk, zone, query, shop_no)
        return json_response({"dashboard": [board]})
    if resource.kind == REPORT:
        products = filters.numbers(args, "product_no")
        return json_response({resource.key: reports.sales_volume(caller.mall_pk, query, products)})
    if resource.kind == EMBEDDED:
        children = nested.list_children(endpoint, caller.mall_pk, query.fields)
        return json_response({resource.key: children})
    if resource.path == "points":
        page = reports.page_points(caller.mall_pk, query.conditions, query.limit, query.offset)
        return json_response({"points": reports.points_json(caller.mall_pk, page, zone)})
    conditions = query.conditions
    if resource.parent is not None:
        conditions += nested.gate(resource, nested.parent_number(endpoint, caller.mall_pk))
    shape = None if query.fields is None and not query.embed else (query.embed, query.fields)
    encoded = records.list_json(
        caller.mall_pk,
        resource,
        caller.app_pk,
        query.limit,
        query.offset,
        zone,
        conditions,
        shape,
    )
    # json_response({key: items}) spelled out, with each item's text as list_json keeps it.
    body = f"{{{COMPACT_JSON.encode(resource.key)}:[{','.join(encoded)}]"
    links = resource.links and _page_links(
        query.limit, query.offset, more=len(encoded) == query.limit
    )
    if links:  # only when there is another page: a one-page list answers as before
        body += f",{COMPACT_JSON.encode('links')}:{COMPACT_JSON.encode(links)}"
    return Response(body + "}", mimetype="application/json")


def _page_links(limit: int, offset: int, *, more: bool) -> list[dict[str, str]]:
    """Cafe24's ``links``: this list's URL with the offset of the previous and next pages."""
    pages = []
    if offset > 0:
        pages.append(("previous", max(offset - limit, 0)))
    if more:
        pages.append(("next", offset + limit))
    links = []
    for rel, page_offset in pages:
        args = request.args.copy()
        args["limit"], args["offset"] = str(limit), str(page_offset)
        links.append(
            {"rel": rel, "href": f"{request.base_url}?{urlencode(list(args.items(multi=True)))}"}
        )
    return links


def _count(endpoint: Endpoint, caller: Caller) -> Response:
    resource = endpoint.resource
    args = request.args if request.query_string else {}
    query = filters.parse(resource, args, records.time_zone())
    conditions = query.conditions
    if resource.kind == EMBEDDED:
        return json_response({"count": len(nested.list_children(endpoint, caller.mall_pk))})
    if resource.parent is not None:
        conditions += nested.gate(resource, nested.parent_number(endpoint, caller.mall_pk))
    count = records.count_records(caller.mall_pk, resource, caller.app_pk, conditions)
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
    if resource.kind == EMBEDDED:
        child = nested.get_child(endpoint, caller.mall_pk, options.fields)
        return json_response({resource.singular: child})
    if resource.parent is not None:
        row = nested.find(endpoint, caller.mall_pk)
    else:
        row = _existing(endpoint, caller, records.read_record)
    body = records.to_json(resource, row, embed=options.embed, fields=options.fields)
    return json_response({resource.singular: body})


def _create(endpoint: Endpoint, caller: Caller) -> Response:
    resource = endpoint.resource
    if resource.kind == EMBEDDED:
        child = nested.create_child(endpoint, caller.mall_pk, _request_object())
        ident = child[resource.number_field]
        return _written(endpoint, caller, ident, {resource.singular: child}, 201)
    if resource.path == "points":
        granted_by = (caller.client_id, db.session.get(App, caller.app_pk).name)
        points = reports.create_points(caller.mall_pk, _request_object(), granted_by)
        return _written(endpoint, caller, points["member_id"], {"points": points}, 201)
    if resource.parent is not None:
        nested.parent_number(endpoint, caller.mall_pk)  # a missing parent is a 404 first
    if "create" in resource.bulk:
        return _bulk_create(endpoint, caller)
    data = validate(resource, _request_object(), partial=False)
    nested.check_products(resource, caller.mall_pk, data)
    row = _new_record(endpoint, caller, data)
    answer = records.to_json(resource, row, fields=resource.create_answer, action="create")
    body = {resource.singular: answer}
    return _written(endpoint, caller, body[resource.singular][resource.number_field], body, 201)


def _new_record(endpoint: Endpoint, caller: Caller, data: dict[str, Any]) -> Any:
    """A new record of checked ``data``, with its server-set fields."""
    resource = endpoint.resource
    data = nested.stamp(endpoint, caller.mall_pk, caller.client_id, data)
    row = records.create_record(caller.mall_pk, resource, caller.app_pk, data)
    nested.after_create(resource, row)
    return row


def _bulk_create(endpoint: Endpoint, caller: Caller) -> Response:
    """A create Cafe24 documents for several records at once (articles: up to 10): its
    ``requests``, or one ``request``; every object checked before any is written, and the
    answer is the list under the collection's key either way, as Cafe24 answers."""
    resource = endpoint.resource
    body = _body()
    if "requests" in body:
        items = enumerate(_request_object(bulk=True, limit=resource.max_requests, body=body))
        datas = [validate_each(resource, i, item, partial=False) for i, item in items]
    else:
        datas = [validate(resource, _request_object(body=body), partial=False)]
    for data in datas:
        nested.check_products(resource, caller.mall_pk, data)
    zone = records.time_zone()
    answers = []
    for data in datas:
        row = _new_record(endpoint, caller, data)
        answers.append(records.to_json(resource, row, zone, action="create"))
        reports.log_write(caller.mall_pk, caller.client_id, endpoint, row.record_no)
    db.session.commit()
    return json_response({resource.key: answers}, 201)


def _update(endpoint: Endpoint, caller: Caller) -> Response:
    resource = endpoint.resource
    if resource.kind in (SINGLETON, APP_OBJECT):
        data = validate(resource, _request_object(), partial=True)
        row = records.put_store(caller.mall_pk, resource, data, caller.app_pk)
        body = records.object_json(resource, caller.mall_id, row)
        return _written(endpoint, caller, "", {resource.singular: body})
    if resource.kind == EMBEDDED:
        child = nested.update_child(endpoint, caller.mall_pk, _request_object())
        return _written(endpoint, caller, endpoint.key, {resource.singular: child})
    if resource.parent is not None:
        row = nested.find(endpoint, caller.mall_pk)
    else:
        row = _existing(endpoint, caller)
    data = validate(resource, _request_object(), partial=True)
    nested.check_products(resource, caller.mall_pk, data)
    records.set_data(row, resource, {**row.data, **data})
    body = {resource.singular: records.to_json(resource, row, action="update")}
    return _written(endpoint, caller, body[resource.singular][resource.number_field], body)


def _bulk_update(endpoint: Endpoint, caller: Caller) -> Response:
    """Cafe24's ``PUT /<resource>`` with ``{"shop_no": 1, "requests": [{<key>: ..., ...}]}``:
    every request is checked before any is written; one commit."""
    resource = endpoint.resource
    requests = _request_object(bulk=True, limit=resource.max_requests)
    if resource.kind == EMBEDDED:
        children = nested.update_children(endpoint, caller.mall_pk, requests)
        for child in children:
            ident = child[resource.number_field]
            reports.log_write(caller.mall_pk, caller.client_id, endpoint, ident)
        db.session.commit()
        return json_response({resource.key: children})
    key_name = resource.number_field
    changes = []
    for index, item in enumerate(requests):
        data = validate_each(resource, index, item, partial=True, keyed=True)
        nested.check_products(resource, caller.mall_pk, data)
        single = Endpoint(resource, "update", endpoint.scope, str(item[key_name]))
        changes.append((_existing(single, caller), data))
    zone = records.time_zone()
    for row, data in changes:
        records.set_data(row, resource, {**row.data, **data})
        ident = keys.write(resource, row.record_no, row.created_date, zone, row.data)
        reports.log_write(caller.mall_pk, caller.client_id, endpoint, ident)
    db.session.commit()
    answers = [records.to_json(resource, r, zone, action="update") for r, _ in changes]
    return json_response({resource.key: answers})


def _delete(endpoint: Endpoint, caller: Caller) -> Response:
    resource = endpoint.resource
    if resource.kind == EMBEDDED:
        gone = nested.delete_child(endpoint, caller.mall_pk)
        return _written(endpoint, caller, endpoint.key, {resource.singular: gone})
    if resource.parent is not None:
        row = nested.find(endpoint, caller.mall_pk)
    else:
        row = _existing(endpoint, caller)
    key = keys.write(resource, row.record_no, row.created_date, records.time_zone(), row.data)
    db.session.delete(row)
    nested.after_delete(resource, caller.mall_pk, row.record_no)
    body = {resource.singular: {"shop_no": records.SHOP_NO, resource.number_field: key}}
    return _written(endpoint, caller, key, body)


def _written(
    endpoint: Endpoint, caller: Caller, ident: Any, body: dict[str, Any], status: int = 200
) -> Response:
    """A write's answer, after its entry in the mall's activity log; one commit for both."""
    reports.log_write(caller.mall_pk, caller.client_id, endpoint, ident)
    db.session.commit()
    return json_response(body, status)


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


def _body() -> dict[str, Any]:
    """A write's JSON body, Cafe24's ``{"shop_no": 1, ...}``: 400 when it is no JSON."""
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
    return body


def _request_object(
    *, bulk: bool = False, limit: int = MAX_LIST, body: dict[str, Any] | None = None
) -> Any:
    """The ``request`` member of Cafe24's ``{"shop_no": 1, "request": {...}}`` body (``body``
    when read already); with ``bulk``, the list of its ``{"shop_no": 1, "requests": [...]}``
    (1 to ``limit``)."""
    body = _body() if body is None else body
    if bulk:
        requests = body.get("requests")
        if not isinstance(requests, list) or not 1 <= len(requests) <= limit:
            raise Invalid("requests", f"requests must be a list of 1 to {limit} objects.")
        return requests
    if "request" not in body:
        raise Invalid("request", "request is required.")
    return body["request"]
