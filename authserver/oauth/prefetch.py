"""Introspection's reads in one statement: the URL's mall, the gateway and the access token.

A gateway's introspection call needs three rows: the mall of the URL (an unknown mall is a
404), the gateway's credentials (``gateways.py``) and the token with its app and installation
(``token_lookup.py``). Read one after the other they are three round trips, and on PostgreSQL
each costs more than the rest of the request. Here the mall's loader (``tenancy.py``) reads all
three at once, where it would have read the mall alone, so every check runs in the same order
as before; the gateway authentication and the token lookup then take their rows from
``g.introspection_prefetch`` when it holds the credentials and the token they are about to look
up, and query as usual otherwise (a web app's credentials, a refresh-token hint, a repeated
``token`` parameter).
"""

from __future__ import annotations

from typing import NamedTuple

from flask import g, request
from sqlalchemy import bindparam, select

from .. import readonly
from ..models import GatewayClient, Mall
from ..readonly import Record
from ..tenancy import MallRef, load_mall_with
from .requests import request_credentials
from .token_lookup import (
    ACCESS_TOKEN,
    INTROSPECTION_COLUMNS,
    MAX_TOKEN_LENGTH,
    outer_access_lookup,
    token_digest,
)

_URL_MALL = Mall.__table__.alias("url_mall")
_GATEWAYS = GatewayClient.__table__
#: The access token's lookup (token_lookup.py) hung off the mall and gateway by outer joins.
_FROM, _ACCESS_COLUMNS = outer_access_lookup(
    _URL_MALL.outerjoin(_GATEWAYS, _GATEWAYS.c.client_id == bindparam("gateway_id")),
    INTROSPECTION_COLUMNS,
)

#: One row when the mall exists: its columns, the gateway's (or NULLs) and the access token's
#: lookup row, the columns introspection reads (or NULLs). Every outer join hits a unique
#: index or a primary key; built once.
_PREFETCH = (
    select(
        _URL_MALL.c.id.label("url_mall_pk"),
        _URL_MALL.c.mall_id.label("url_mall_id"),
        _URL_MALL.c.test_mall_of_id.label("url_test_mall_of_id"),
        _GATEWAYS.c.id.label("gateway_pk"),
        _GATEWAYS.c.client_id.label("gateway_client_id"),
        _GATEWAYS.c.secret_hash.label("gateway_secret_hash"),
        *_ACCESS_COLUMNS,
    )
    .select_from(_FROM)
    .where(_URL_MALL.c.mall_id == bindparam("mall_id"))
)


class GatewayRow(NamedTuple):
    """The columns ``authenticate_gateway`` reads."""

    id: int
    client_id: str
    secret_hash: str


class Prefetched(NamedTuple):
    """What the statement found for the credentials and the token this request carries
    (named tuples, as the mall's ``MallRef``: one of each per introspection)."""

    gateway_id: str
    gateway: GatewayRow | None
    token: str
    access: Record | None


@load_mall_with("oauth.introspect")
def load_mall(mall_id: str) -> MallRef | None:
    """The mall, with the gateway named by the Basic credentials and the access token."""
    req = request._get_current_object()
    credentials = request_credentials(req.headers)
    gateway_id = credentials[0] if credentials else ""
    tokens = req.form.getlist("token")
    token = tokens[0] if len(tokens) == 1 else ""
    digest = None
    if token and len(token) <= MAX_TOKEN_LENGTH:
        digest = token_digest(ACCESS_TOKEN, token)
    row = readonly.first(
        _PREFETCH, {"mall_id": mall_id, "gateway_id": gateway_id[:64], "digest": digest}
    )
    if row is None:
        return None
    gateway = None
    if row.gateway_pk is not None:
        gateway = GatewayRow(row.gateway_pk, row.gateway_client_id, row.gateway_secret_hash)
    access = row if row.id is not None else None
    g.introspection_prefetch = Prefetched(gateway_id[:64], gateway, token if digest else "", access)
    return MallRef(row.url_mall_pk, row.url_mall_id, row.url_test_mall_of_id)


def prefetched_gateway(client_id: str) -> tuple[bool, GatewayRow | None]:
    """``(True, row or None)`` when this request's statement looked ``client_id`` up."""
    prefetched: Prefetched | None = g.get("introspection_prefetch")
    if prefetched is not None and prefetched.gateway_id == client_id:
        return True, prefetched.gateway
    return False, None


def prefetched_lookups(token: str) -> dict[str, Record | None] | None:
    """``{"access_token": row or None}`` when this request's statement looked ``token`` up."""
    prefetched: Prefetched | None = g.get("introspection_prefetch")
    if prefetched is not None and prefetched.token and prefetched.token == token:
        return {ACCESS_TOKEN: prefetched.access}
    return None
