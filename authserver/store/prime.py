"""The hot endpoints' reads in one statement each: the URL's mall with the rows the call needs.

An introspection call needs the mall of its URL (an unknown mall is a 404), the gateway's
credentials and the presented access token; a code exchange needs the mall, the app it
authenticates and the code. Read one after the other they are three round trips, and on
PostgreSQL each costs more than the rest of the request. Here the view reads them in one
statement (outer joins on unique indexes, so one row when the mall exists) and hands each row
to the request's :class:`~authserver.store.reads.Reader`, where the lookups that Authlib's hooks
make next (``find_gateway_row``, ``tokens.find``, ``find_client``, ``codes.find``) find it
instead of querying. Nothing is decided earlier than before: the rows only wait where the
checks will read them, and a lookup by another key (a repeated parameter, other credentials)
queries as usual.
"""

from __future__ import annotations

from sqlalchemy import bindparam, select

from authserver.models import App, AuthorizationCode, GatewayClient, Installation, Mall, Token
from authserver.models.base import utcnow
from authserver.security.crypto import sha256_hex
from authserver.store import codes, tokens
from authserver.store.clients import CLIENT_COLUMNS, MAX_CLIENT_ID_LENGTH, Client
from authserver.store.gateways import ID_PREFIX, GatewayRow
from authserver.store.malls import MallRef, valid_mall_id
from authserver.store.reads import reader

_URL_MALL = Mall.__table__.alias("url_mall")
_GATEWAYS, _APPS = GatewayClient.__table__, App.__table__
_CODES, _INSTALLATIONS = AuthorizationCode.__table__, Installation.__table__
_MALL_COLUMNS = (
    _URL_MALL.c.id.label("url_mall_pk"),
    _URL_MALL.c.mall_id.label("url_mall_id"),
    _URL_MALL.c.test_mall_of_id.label("url_test_mall_of_id"),
)

#: The mall, the gateway (or NULLs) and the access token's lookup row (``tokens.LOOKUPS``'s
#: columns, or NULLs). Outer joins all the way, not a subquery: SQLite materializes a subquery
#: on the right of an outer join, a third of the statement's time.
INTROSPECTION = (
    select(
        *_MALL_COLUMNS,
        _GATEWAYS.c.id.label("gateway_pk"),
        _GATEWAYS.c.client_id.label("gateway_client_id"),
        _GATEWAYS.c.secret_hash.label("gateway_secret_hash"),
        *tokens.TOKEN_COLUMNS,
        *tokens.owner_columns(),
    )
    .select_from(
        tokens.with_owners(
            _URL_MALL.outerjoin(
                _GATEWAYS, _GATEWAYS.c.client_id == bindparam("gateway_id")
            ).outerjoin(
                Token.__table__, Token.__table__.c.access_token_hash == bindparam("digest")
            ),
            outer=True,
        )
    )
    .where(_URL_MALL.c.mall_id == bindparam("mall_id"))
)

#: The mall, the app (``Client``'s columns as ``app_<name>``, or NULLs) and the code with its
#: installation (``PresentedCode``'s as ``code_<name>``, or NULLs).
CODE_EXCHANGE = (
    select(
        *_MALL_COLUMNS,
        *(column.label(f"app_{column.key}") for column in CLIENT_COLUMNS),
        *(column.label(f"code_{column.key}") for column in codes.CODE_COLUMNS),
    )
    .select_from(
        codes.with_installation(
            _URL_MALL.outerjoin(_APPS, _APPS.c.client_id == bindparam("client_id")).outerjoin(
                _CODES, _CODES.c.code_hash == bindparam("digest")
            )
        )
    )
    .where(_URL_MALL.c.mall_id == bindparam("mall_id"))
)


def _mall(row) -> MallRef:
    return MallRef(row.url_mall_pk, row.url_mall_id, row.url_test_mall_of_id)


def introspection(mall_id: str, gateway_id: str | None, digest: str | None) -> MallRef | None:
    """The mall ``mall_id`` (``None``: no such mall), read with the gateway ``gateway_id`` and
    the access token stored under ``digest``, which the lookups of this request then find."""
    if not valid_mall_id(mall_id):
        return None
    gateway_id = gateway_id if gateway_id and gateway_id.startswith(ID_PREFIX) else None
    found = reader()
    row = found.first(
        INTROSPECTION,
        {"mall_id": mall_id, "gateway_id": gateway_id, "digest": digest, "now": utcnow()},
    )
    if row is None:
        return None
    mall = _mall(row)
    found.remember("mall", mall_id, mall)
    if gateway_id is not None:
        gateway = None
        if row.gateway_pk is not None:
            gateway = GatewayRow(row.gateway_pk, row.gateway_client_id, row.gateway_secret_hash)
        found.remember("gateway", gateway_id, gateway)
    if digest is not None:
        found.remember(tokens.ACCESS_TOKEN, digest, row if row.id is not None else None)
    return mall


def code_exchange(mall_id: str, client_id: str | None, code: str | None) -> MallRef | None:
    """The mall ``mall_id`` (``None``: no such mall), read with the app ``client_id`` and the
    authorization ``code``, which the lookups of this request then find."""
    if not valid_mall_id(mall_id):
        return None
    if client_id is not None and find_client_would_refuse(client_id):
        client_id = None
    digest = sha256_hex(code) if code else None
    found = reader()
    row = found.first(
        CODE_EXCHANGE,
        {"mall_id": mall_id, "client_id": client_id, "digest": digest, "now": utcnow()},
    )
    if row is None:
        return None
    mall = _mall(row)
    found.remember("mall", mall_id, mall)
    if client_id is not None:
        client = Client.from_row(row, "app_") if row.app_id is not None else None
        found.remember("client", client_id, client)
    if digest is not None:
        presented = codes.PresentedCode.from_row(row, "code_") if row.code_id is not None else None
        found.remember("code", digest, presented)
    return mall


def find_client_would_refuse(client_id: str) -> bool:
    """``find_client`` answers ``None`` without a query for such an id: nothing to read."""
    return not client_id or len(client_id) > MAX_CLIENT_ID_LENGTH or "\x00" in client_id
