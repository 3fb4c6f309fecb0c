"""OAuth2Request for this server: parameters from the right place, Cafe24's comma scopes.

Authlib's Flask request reads ``request.values`` (query and body together), so a
``client_secret`` in a token request's query string would authenticate the client, against
RFC 6749 §2.3.1. Here the authorization endpoint reads the query, every other endpoint the
form body only. Scopes are normalised to spaces once, here, for every grant (Authlib splits on
whitespace only).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping

from authlib.oauth2.rfc6749 import OAuth2Payload, OAuth2Request
from flask import Request
from werkzeug.datastructures import MultiDict

from .. import scopes


class Payload(OAuth2Payload):
    def __init__(self, values: MultiDict):
        self._values = values
        self._data = {key: values.get(key) for key in values}
        if self._data.get("scope"):
            self._data["scope"] = " ".join(scopes.parse_scopes(self._data["scope"]))

    @property
    def data(self) -> dict[str, str]:
        return self._data

    @property
    def datalist(self) -> defaultdict[str, list]:
        values = defaultdict(list)
        for key in self._values:
            values[key].extend(self._values.getlist(key))
        return values


class ServerRequest(OAuth2Request):
    """A request to one of this server's OAuth endpoints."""

    def __init__(self, method: str, uri: str, headers: Mapping, values: MultiDict, form=None):
        # Authlib refuses plain http except on loopback (the development server); the
        # blueprint answers that case before a request object is built.
        super().__init__(method=method, uri=uri, headers=headers)
        self.payload = Payload(values)
        self._form = form if form is not None else values

    @classmethod
    def from_flask(cls, request: Request) -> ServerRequest:
        from .server import request_origin

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
