"""The issuer of a mall (``<external base>/malls/<mall_id>``, RFC 8414 and RFC 9207).

Its own module, below ``server.py``: introspection, the token responses and the request class
import it at load time, where importing ``server.py`` would be circular (an import inside a
function costs about a microsecond on every call).

Without ``AUTHSERVER_ISSUER`` the issuer is taken from the request, and only a Host that cannot
be steered is trusted for it: a loopback host (development), or, once
``AUTHSERVER_TRUSTED_HOSTS`` is set (Flask's ``TRUSTED_HOSTS`` then refuses every other Host
with a 400 before any view runs), an https request to one of those hosts. Any other request
is a 400 in the surface's shape, never the 500 of Authlib refusing a plain-http issuer.

Host-based malls (``AUTHSERVER_MALL_HOST_SUFFIX``, ``platform/mall_hosts.py``): a mall has one
issuer whichever URL form reached it, so RFC 8414's metadata check and RFC 9207's ``iss`` hold
for a client of either form. When the external base is https, that issuer is the host form,
``https://<mall_id>.<suffix>[:port][/path]`` (port and path those of the base); its host is built
from the configured suffix and a mall id the caller looked up, never copied from the request.
Over plain http (a loopback development server) it stays the path form: RFC 8414 allows a
plain-http issuer on loopback only, and a mall host is not loopback.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from flask import Request, abort

from authserver.oauth.transport import is_loopback
from authserver.platform.current import this_app, this_request

UNTRUSTED_HOST = (
    "This server has no AUTHSERVER_ISSUER: it answers here only on a loopback host "
    "(127.0.0.1, [::1], localhost) or over https to an AUTHSERVER_TRUSTED_HOSTS host "
    "(docs/deploy.md)."
)


def issuer_for(mall_id: str) -> str:
    """``AUTHSERVER_ISSUER`` (the external base URL) or, unset, this request's trusted host."""
    config = this_app().config
    base = config["AUTHSERVER_ISSUER"]
    if not base:
        current = this_request()
        if not host_is_trusted(current, config):
            abort(400, UNTRUSTED_HOST)
        base = request_origin(current) + current.root_path
    suffix = config.get("AUTHSERVER_MALL_HOST_SUFFIX")
    if suffix and base.startswith("https://"):
        return mall_host_issuer(base, mall_id, suffix)
    return f"{base.rstrip('/')}/malls/{mall_id}"


@lru_cache(maxsize=1024)
def mall_host_issuer(base: str, mall_id: str, suffix: str) -> str:
    """``https://<mall_id>.<suffix>`` with the port and path of the external base ``base``."""
    parts = urlsplit(base)
    port = f":{parts.port}" if parts.port else ""
    return f"https://{mall_id}.{suffix}{port}{parts.path.rstrip('/')}"


def host_is_trusted(current: Request, config: Mapping[str, Any]) -> bool:
    """Whether the request's origin may name the issuer (see the module's docstring); an
    issuer on another host than loopback must be https (RFC 8414 §2). ``config``: the app's."""
    scheme, _, host = request_origin(current).partition("://")
    if scheme not in ("http", "https"):  # a proxy's X-Forwarded-Proto said otherwise
        return False
    if is_loopback(host):
        return True
    # Flask checked request.host against TRUSTED_HOSTS already, when it is set.
    return bool(config.get("TRUSTED_HOSTS")) and scheme == "https"


def check_issuer_host(endpoint: str | None, values: dict | None) -> None:
    """The app's URL preprocessor (its first hook, before any query) for the
    paths whose answers carry the issuer (the OAuth endpoints, the metadata and JWKS, the Admin
    API's realm, the gateway's introspection): refused before any work, so no code is consumed
    for an answer that cannot be built."""
    config = this_app().config
    if config["AUTHSERVER_ISSUER"]:
        return
    current = this_request()
    path = current.path
    carries_issuer = "/api/v2/" in path or "/.well-known/" in path or path.startswith("/gateway/")
    if not carries_issuer:
        return
    if config.get("TRUSTED_HOSTS") and "/api/v2/oauth/" in path:
        return  # a trusted host: plain http is upgraded or refused there (transport.require_tls)
    if not host_is_trusted(current, config):
        abort(400, UNTRUSTED_HOST)


#: The WSGI environ key under which a request's origin is kept (the environ lives exactly as
#: long as the request, as for the Basic credentials in ``oauth/requests.py``).
_ORIGIN = "authserver.origin"


def request_origin(current: Request) -> str:
    """``scheme://host`` of a request: ``request.host_url`` without its IRI decoding, which
    costs more than the rest of an introspection's URL handling (a Host is plain ASCII).

    Worked out once per request: Werkzeug builds and checks ``host`` against TRUSTED_HOSTS on
    every read, and an introspection asks for the origin three times (the issuer check, the
    issuer, Authlib's request)."""
    environ = current.environ
    try:
        return environ[_ORIGIN]
    except KeyError:
        origin = environ[_ORIGIN] = f"{current.scheme}://{current.host}"
        return origin
