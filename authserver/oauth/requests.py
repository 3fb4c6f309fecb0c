"""OAuth2Request for this server: parameters from the right place, Cafe24's comma scopes.

Authlib's Flask request reads ``request.values`` (query and body together), so a
``client_secret`` in a token request's query string would authenticate the client, against
RFC 6749 §2.3.1. Here the authorization endpoint reads the query, every other endpoint the
form body only. Scopes are normalised to spaces once, here, for every grant (Authlib splits on
whitespace only).
"""

from __future__ import annotations

import base64
import binascii
from collections import defaultdict
from collections.abc import Mapping
from urllib.parse import unquote

from authlib.oauth2.rfc6749 import OAuth2Payload, OAuth2Request
from flask import Request
from werkzeug.datastructures import MultiDict
from werkzeug.utils import cached_property  # functools' takes a lock on every read (3.11)

from authserver import scopes
from authserver.oauth.issuer import request_origin


def basic_credentials(headers: Mapping) -> tuple[str, str] | None:
    """The (id, secret) of an HTTP Basic header, or ``None`` when there is none.

    RFC 6749 §2.3.1: both are form-urlencoded before Base64, so each is percent-decoded here,
    exactly as Authlib's ``extract_basic_authorization`` does (``urllib.parse.unquote``). This
    is the one decoding every reader uses (the brute-force key, the gateway method, the mall
    one-statement reads), so ``%65...`` and ``e...`` name the same client everywhere.
    Authlib's parser raises on a header that is not UTF-8; this one answers ``("", "")``, which
    then fails authentication as any wrong credential does.
    """
    auth = headers.get("Authorization", "")
    scheme, _, value = auth.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return ("", "")
    client_id, _, secret = decoded.partition(":")
    client_id, secret = unquote(client_id), unquote(secret)
    # No credential holds a NUL (``%00`` included), and PostgreSQL refuses to compare one.
    if "\x00" in client_id or "\x00" in secret:
        return ("", "")
    return client_id, secret


def unreadable_authorization(headers: Mapping) -> bool:
    """An Authorization header that Authlib's ``extract_basic_authorization`` raises on instead
    of ignoring: a space, but fewer than two words once split on any whitespace (``"Bearer "``,
    ``" x"``, ``"x \x85"``: ``str.split`` also splits on U+0085 and U+00A0)."""
    auth = headers.get("Authorization", "")
    return " " in auth and len(auth.split(None, 1)) < 2


#: The WSGI environ key under which a request's parsed Basic credentials are kept: the environ
#: lives exactly as long as the request, and the one-statement reads (``oauth/endpoints.py``),
#: the brute-force limits, client authentication and the gateway
#: method all read them.
_PARSED_BASIC = "authserver.basic_credentials"


def request_credentials(headers: Mapping) -> tuple[str, str] | None:
    """:func:`basic_credentials`, parsed once per request when ``headers`` are a request's
    (Werkzeug's EnvironHeaders); any other mapping is parsed on every call."""
    environ = getattr(headers, "environ", None)
    if environ is None:
        return basic_credentials(headers)
    try:
        return environ[_PARSED_BASIC]
    except KeyError:
        parsed = environ[_PARSED_BASIC] = basic_credentials(headers)
        return parsed


class Payload(OAuth2Payload):
    def __init__(self, values: MultiDict):
        self._values = values

    @cached_property
    def data(self) -> dict[str, str]:
        # Built on first use: introspection and revocation never read it.
        data = {key: self._values.get(key) for key in self._values}
        if data.get("scope"):
            data["scope"] = " ".join(scopes.parse_scopes(data["scope"]))
        return data

    @property
    def datalist(self) -> defaultdict[str, list]:
        values = defaultdict(list)
        for key in self._values:
            values[key].extend(self._values.getlist(key))
        return values


class ServerRequest(OAuth2Request):
    """A request to one of this server's OAuth endpoints, built by Authlib's own constructor
    (its transport check included); only where the parameters come from is this project's."""

    def __init__(self, method: str, uri: str, headers: Mapping, values: MultiDict, form=None):
        super().__init__(method, uri, headers=headers)
        self.payload = Payload(values)
        self._form = form if form is not None else values

    @classmethod
    def from_flask(cls, request: Request) -> ServerRequest:
        form = request.form
        values = request.args if request.method == "GET" else form
        # Authlib reads the URI only to refuse plain http off loopback: origin and path do.
        uri = request_origin(request) + request.path
        return cls(request.method, uri, request.headers, values, form=form)

    @classmethod
    def from_stored(cls, uri: str, headers: Mapping, params: dict[str, str]) -> ServerRequest:
        """Rebuild the authorization request kept server-side while the consent page was open."""
        return cls("GET", uri, headers, MultiDict(params), form=MultiDict())

    @property
    def args(self) -> MultiDict:
        return self._form if self.method == "GET" else MultiDict()

    @property
    def form(self) -> MultiDict:
        return self._form
