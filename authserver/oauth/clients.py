"""The OAuth client as Authlib's endpoints see it: a plain, frozen row of the ``apps`` table.

Every token, revocation and introspection request authenticates its client, and every
authorization request looks it up. Read into an ORM ``App`` that was a fifth of a code
exchange's time: as the session's first statement the read paid for starting the session's
transaction, and building the entity and adding it to the session cost two thirds as much as
the query. Yet nothing on those paths changes the app or follows its relationships: they
read its primary key, App Key, App Secret, type, redirect URIs, permissions, status, developer
and token format. So the lookup is one Core statement on the read-only engine (``readonly.py``;
a code exchange reads the row together with the mall and the code, ``token_prefetch.py``), and
the row becomes a :class:`Client` with the ``App``'s own client rules
(``models.apps.AuthlibClient``). Being no entity, it can never be cascaded into the session by
a relationship assignment: whatever stores a row names the app by ``client.id``. A view that
needs the ``App`` itself (the consent page shows its icon and developer) loads it by that key.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam, select

from .. import readonly
from ..models import App
from ..models.apps import AuthlibClient

_APPS = App.__table__


@dataclass(frozen=True, slots=True)
class Client(AuthlibClient):
    """An app (OAuth client) as a value: the columns the OAuth endpoints read."""

    id: int
    client_id: str
    #: the App Secret encrypted at rest; ``AuthlibClient.client_secret`` decrypts it. Left out
    #: of the repr, which Authlib's debug log prints.
    client_secret_encrypted: str = field(repr=False)
    developer_id: int
    name: str
    app_type: str
    redirect_uris: tuple[str, ...]
    #: registered permissions, space-separated
    scope: str
    status: str
    #: ``opaque`` or ``jwt`` (``jwt_tokens.py``)
    token_format: str


#: The columns of ``Client``, in its order.
CLIENT_COLUMNS = (
    "id",
    "client_id",
    "client_secret_encrypted",
    "developer_id",
    "name",
    "app_type",
    "redirect_uris",
    "scope",
    "status",
    "token_format",
)
#: Built once: every token request runs it (unless ``token_prefetch.py`` read the row).
_BY_CLIENT_ID = select(*(_APPS.c[name] for name in CLIENT_COLUMNS)).where(
    _APPS.c.client_id == bindparam("client_id")
)


def find_client(client_id: str) -> Client | None:
    """The app whose App Key is ``client_id`` (one indexed read), or ``None``."""
    row = readonly.first(_BY_CLIENT_ID, {"client_id": client_id})
    return None if row is None else client_from_row(row)


def client_from_row(values: Sequence[Any]) -> Client:
    """A ``Client`` from the values of ``CLIENT_COLUMNS``, in that order."""
    pk, key, secret, developer, name, app_type, redirect_uris, scope, status, form = values
    return Client(
        pk, key, secret, developer, name, app_type, tuple(redirect_uris or ()), scope, status, form
    )
