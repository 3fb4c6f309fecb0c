"""``GET /gateway/check``: may this call to the Admin API go through? Asked by a gateway.

The gateway (nginx ``auth_request``) sends its own credentials in ``X-Gateway-Authorization:
Basic base64(id:secret)`` (from ``gateway create``), the app's ``Authorization`` header as the
app sent it, and the call in ``X-Original-Method`` and ``X-Original-URI``. Checked in this order:

1. gateway credentials missing or wrong: **401** (**429** with ``Retry-After`` while too many
   attempts with that gateway id failed, ``security/bruteforce.py``) with ``WWW-Authenticate: Basic
   realm="authserver gateway check"`` (nothing about the token is looked at, so the check is no
   token oracle for strangers). A token 401 always has a ``Bearer`` challenge instead: the
   scheme tells a gateway misconfiguration from a bad token (the nginx config answers 502).
2. ``X-Original-Method`` or ``X-Original-URI`` missing: **400** (a gateway misconfiguration;
   nginx turns any status but 2xx, 401 and 403 into a 500).
3. a URI that is no mall Admin API path, or names no possible mall: **403** with
   ``X-Auth-Error: no_api`` (the gateway answers 404 "Cannot locate API."). 403, not 404,
   because nginx's ``auth_request`` passes on only 401 and 403.
4. the token, exactly as the Admin API authenticates it: **401** with its ``WWW-Authenticate``
   challenge (``Bearer realm=...`` without a token, ``Bearer error="invalid_token"`` otherwise).
5. method and path that are no API (same order as the Admin API): **403** ``no_api``.
6. a token without the scope the call needs: **403** with ``X-Auth-Error: insufficient_scope``
   and ``X-Auth-Required-Scope`` (the gateway answers 404 "Permission unauthorized.").
7. a method Cafe24 does not offer on that resource (``ABSENT``, after the scope, as the Admin
   API decides): **403** ``no_api``.
8. otherwise **200** with ``X-Auth-Mall-Id``, ``X-Auth-Client-Id``, ``X-Auth-User-Id``
   (percent-encoded UTF-8: operator ids are free text) and ``X-Auth-Scopes`` (space-separated).

The URI is decided on as the client sent it (nginx's ``$request_uri``): a percent-encoded path
is no API, never another API. The Admin API's call limit is not counted here: the upstream
counts its own calls. A 200 carries ``X-Accel-Expires``: how long nginx may cache it, at most
``CACHE_SECONDS`` and never past the token's expiry (SECURITY.md I8: the revocation lag bound).
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import NamedTuple
from urllib.parse import quote

from flask import Blueprint, Response, request

from authserver.admin_api import (
    ABSENT,
    AuthenticationFailed,
    authenticate,
    challenge,
    parse_admin_uri,
    resolve,
)
from authserver.admin_api.views import _MALL_ID
from authserver.models.base import utcnow
from authserver.oauth.gateways import authenticate_gateway
from authserver.oauth.requests import basic_credentials
from authserver.platform.errors import api_error
from authserver.security import bruteforce

bp = Blueprint("gateway", __name__, url_prefix="/gateway")

#: The longest a gateway may cache a 200: the bound on how late a revocation takes effect.
CACHE_SECONDS = 5
GATEWAY_REALM = 'Basic realm="authserver gateway check"'
NO_API = "Cannot locate API."
NO_PERMISSION = "Permission unauthorized."
MAX_URI = 8192


class _Headers(NamedTuple):
    headers: dict[str, str]


def _refuse_gateway() -> Response | None:
    """``None`` when the HTTP Basic gateway credentials in ``X-Gateway-Authorization`` are good.

    Otherwise the answer: 401, or 429 while too many attempts with that gateway id failed
    (the brute-force limits every client secret is behind, ``security/bruteforce.py``).
    """
    header = request.headers.get("X-Gateway-Authorization")
    claimed = basic_credentials({"Authorization": header}) if header else None
    account = "gateway:" + claimed[0] if claimed and claimed[0] else None
    verdict = bruteforce.check(account) if account else None
    if verdict is not None and not verdict.allowed:
        headers = bruteforce.retry_headers(verdict) | {"Cache-Control": "no-store"}
        return api_error(429, bruteforce.TOO_MANY_ATTEMPTS, headers=headers)
    # authenticate_gateway reads HTTP Basic from the ``Authorization`` of what it is given.
    if header and authenticate_gateway(None, _Headers({"Authorization": header})) is not None:
        bruteforce.succeeded(account, verdict)
        return None
    if account:
        bruteforce.failed(account)
    return api_error(
        401,
        "Gateway authentication failed.",
        headers={"WWW-Authenticate": GATEWAY_REALM, "Cache-Control": "no-store"},
    )


def _refused(error: str, message: str, scope: str | None = None) -> Response:
    headers = {"X-Auth-Error": error, "Cache-Control": "no-store"}
    more_info = {}
    if scope:
        headers["X-Auth-Required-Scope"] = scope
        more_info["required_scope"] = scope
    return api_error(403, message, more_info, headers=headers)


def _cache_seconds(expires_at: datetime) -> int:
    """``CACHE_SECONDS``, or less when the access token expires sooner."""
    left = (expires_at - utcnow()).total_seconds()
    return max(0, min(CACHE_SECONDS, math.floor(left)))


@bp.get("/check")
def check() -> Response:
    """Decide one Admin API call for a gateway; see the module docstring for the answers."""
    refusal = _refuse_gateway()
    if refusal is not None:
        return refusal
    method = request.headers.get("X-Original-Method", "")
    uri = request.headers.get("X-Original-URI", "")
    if not method or not uri:
        return api_error(400, "X-Original-Method and X-Original-URI are required.")
    parsed = parse_admin_uri(uri) if len(uri) <= MAX_URI else None
    if parsed is None or not _valid_mall_id(parsed[0]):
        return _refused("no_api", NO_API)
    mall_id, path = parsed
    try:
        caller = authenticate(mall_id, request.headers.get("Authorization"))
    except AuthenticationFailed as failure:
        response = challenge(failure, mall_id)
        response.headers["Cache-Control"] = "no-store"
        return response
    endpoint = resolve(method, path)
    if endpoint is None:
        return _refused("no_api", NO_API)
    if endpoint.scope not in caller.scopes:
        return _refused("insufficient_scope", NO_PERMISSION, endpoint.scope)
    if endpoint.action == ABSENT:  # a method Cafe24 does not offer here, after the scope
        return _refused("no_api", NO_API)
    return Response(
        status=200,
        headers={
            "X-Auth-Mall-Id": caller.mall_id,
            "X-Auth-Client-Id": caller.client_id,
            "X-Auth-User-Id": quote(caller.user_id, safe=""),
            "X-Auth-Scopes": " ".join(sorted(caller.scopes)),
            "X-Accel-Expires": str(_cache_seconds(caller.expires_at)),
            "Cache-Control": "no-store",
        },
    )


def _valid_mall_id(mall_id: str) -> bool:
    """The Admin API's own rule: anything else can name no mall (nor go into a header)."""
    return _MALL_ID.fullmatch(mall_id) is not None
