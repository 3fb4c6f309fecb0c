"""Apps as the OAuth endpoints see them: a plain, frozen row of the ``apps`` table.

Every token, revocation and introspection request authenticates its client, and every
authorization request looks it up; nothing on those paths changes the app or follows its
relationships. So the lookup is one Core statement on the read engine, and the row becomes a
:class:`Client` with the ``App`` model's own client rules (``models.apps.AuthlibClient``). Being
no ORM entity, it is never cascaded into the session by a relationship: whatever stores a row
names the app by ``client.id``. A view that needs the ``App`` itself (the consent page shows its
icon and developer) loads it by that key.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

from sqlalchemy import Row, bindparam, select

from authserver.models import App
from authserver.models.apps import AuthlibClient
from authserver.store.reads import reader

_APPS = App.__table__
#: App Keys are 22 characters; anything longer is no App Key and is not looked up.
MAX_CLIENT_ID_LENGTH = 64


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
    #: the listed status an app back in review returns to (``App.review_return_status``)
    review_return_status: str | None
    #: ``opaque`` or ``jwt`` (``oauth/jwt_tokens.py``)
    token_format: str

    @classmethod
    def from_row(cls, row: Row, prefix: str = "") -> Client:
        """The client in ``row``, whose columns are named ``prefix`` + the field's name."""
        values = {item.name: getattr(row, prefix + item.name) for item in fields(cls)}
        values["redirect_uris"] = tuple(values["redirect_uris"] or ())
        return cls(**values)


#: The columns of ``Client``.
CLIENT_COLUMNS = tuple(_APPS.c[item.name] for item in fields(Client))
FIND = select(*CLIENT_COLUMNS).where(_APPS.c.client_id == bindparam("client_id"))


def find_client(client_id: str) -> Client | None:
    """The app whose App Key is ``client_id``, as this request has it or by one indexed read."""
    if not client_id or len(client_id) > MAX_CLIENT_ID_LENGTH or "\x00" in client_id:
        return None

    def load() -> Client | None:
        row = reader().first(FIND, {"client_id": client_id})
        return None if row is None else Client.from_row(row)

    return reader().lookup("client", client_id, load)
