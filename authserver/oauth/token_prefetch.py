"""The code exchange's reads in one statement: the URL's mall, the client and the code.

Before it writes anything, a code exchange reads three rows: the mall of the URL (an unknown
mall is a 404), the app it authenticates (``clients.py``) and the code with the app's
installation (``code_store.py``). One after the other they are three statements on the
read-only engine, and on PostgreSQL three round trips. As for introspection (``prefetch.py``),
the token endpoint's mall loader (``tenancy.py``) reads all three at once where it would have
read the mall alone; client authentication and the code lookup then take their rows from
``g.token_prefetch`` when it holds the App Key and the code they are about to look up, and
query as usual otherwise (a refresh, a repeated or malformed parameter, Basic credentials that
Authlib decodes differently from ``requests.basic_credentials``).

Nothing is decided earlier than before: the rows only wait where the checks will read them.
The brute-force limits still come before the client's row is used, the App Secret is still
checked by Authlib's client authentication, and the consume (the conditional UPDATE) still
decides whether the code is unused and what the installation grants at that moment.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import g, request
from sqlalchemy import bindparam, select, true

from .. import readonly
from ..crypto import sha256_hex
from ..models import App, Mall
from ..tenancy import MallRef, load_mall_with
from .clients import CLIENT_COLUMNS, Client, client_from_row
from .code_store import FIND_CODE, PresentedCode
from .requests import request_credentials

MAX_CLIENT_ID_LENGTH = 64

_URL_MALL = Mall.__table__.alias("url_mall")
_APPS = App.__table__
_CODE = FIND_CODE.subquery("found")
_MALL_COLUMNS = (
    _URL_MALL.c.id.label("url_mall_pk"),
    _URL_MALL.c.mall_id.label("url_mall_id"),
    _URL_MALL.c.test_mall_of_id.label("url_test_mall_of_id"),
)

#: One row when the mall exists: its columns (``MallRef``'s), the app's (``Client``'s, or
#: NULLs) and the code's lookup row (``PresentedCode``'s, or NULLs). Both outer joins hit
#: unique indexes; built once. The prefixes keep the three tables' column names apart.
_PREFETCH = (
    select(
        *_MALL_COLUMNS,
        *(_APPS.c[name].label(f"app_{name}") for name in CLIENT_COLUMNS),
        *(column.label(f"code_{column.name}") for column in _CODE.c),
    )
    .select_from(_URL_MALL)
    .outerjoin(_APPS, _APPS.c.client_id == bindparam("client_id"))
    .outerjoin(_CODE, true())
    .where(_URL_MALL.c.mall_id == bindparam("mall_id"))
)
_CLIENT_AT = len(_MALL_COLUMNS)
_CODE_AT = _CLIENT_AT + len(CLIENT_COLUMNS)


@dataclass(frozen=True, slots=True)
class TokenPrefetch:
    """What the statement found for the App Key and the code this request carries."""

    client_id: str
    client: Client | None
    code: str
    presented: PresentedCode | None


@load_mall_with("oauth.token")
def load_mall(mall_id: str) -> MallRef | None:
    """The mall, with the app named by the credentials and the code of a code exchange."""
    req = request._get_current_object()
    form = req.form
    credentials = request_credentials(req.headers)
    client_id = credentials[0] if credentials is not None else _single(form, "client_id")
    # Too long or holding a NUL: the request fails before any lookup (query_client,
    # limits.py), and PostgreSQL refuses to compare text holding a NUL.
    if len(client_id) > MAX_CLIENT_ID_LENGTH or "\x00" in client_id:
        client_id = ""
    code = _single(form, "code") if _single(form, "grant_type") == "authorization_code" else ""
    row = readonly.first(
        _PREFETCH,
        {
            "mall_id": mall_id,
            "client_id": client_id,
            "digest": sha256_hex(code) if code else None,
        },
    )
    if row is None:
        return None
    client = None
    if row[_CLIENT_AT] is not None:
        client = client_from_row(row[_CLIENT_AT:_CODE_AT])
    presented = PresentedCode(*row[_CODE_AT:]) if row[_CODE_AT] is not None else None
    g.token_prefetch = TokenPrefetch(client_id, client, code, presented)
    return MallRef(*row[:_CLIENT_AT])


def prefetched_client(client_id: str) -> tuple[bool, Client | None]:
    """``(True, client or None)`` when this request's statement looked ``client_id`` up."""
    prefetched: TokenPrefetch | None = g.get("token_prefetch")
    if prefetched is not None and prefetched.client_id and prefetched.client_id == client_id:
        return True, prefetched.client
    return False, None


def prefetched_code(code: str) -> tuple[bool, PresentedCode | None]:
    """``(True, code row or None)`` when this request's statement looked ``code`` up."""
    prefetched: TokenPrefetch | None = g.get("token_prefetch")
    if prefetched is not None and prefetched.code and prefetched.code == code:
        return True, prefetched.presented
    return False, None


def _single(form, name: str) -> str:
    """The parameter's one value; ``""`` when it is missing or repeated (the view refuses
    repeats, and whatever it will answer, no prefetched row is used for it)."""
    values = form.getlist(name)
    return values[0] if len(values) == 1 else ""
