"""Host-based malls as Cafe24 serves them: ``<mall_id>.<suffix>/...`` is ``/malls/<mall_id>/...``.

With ``AUTHSERVER_MALL_HOST_SUFFIX`` set, a WSGI middleware maps a request whose Host is
``<label>.<suffix>`` onto the path form before Flask routes it, so every view, hook, limit and
error shape is the path form's, unchanged (DESIGN.md, "URL map"). It sits inside ProxyFix, so a
trusted proxy's ``X-Forwarded-Host`` is the Host it reads. Mapping a Host never makes it an
issuer: the issuer is built from the suffix and a mall that exists (``oauth/issuer.py``), and
Flask's ``TRUSTED_HOSTS`` still refuses unknown hosts first when it is set.

Only the mall's own surfaces are mapped: the OAuth and Admin API (``/api/``), the metadata and
keys (``/.well-known/``) and the operator pages the authorize request leads to (``/admin``).
Everything else (static files, ``/malls/...`` itself, health checks) is served as on any host.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import Any

from flask import Flask, abort, request

from authserver.store.malls import MALL_ID_PATTERN, find_mall

#: Paths on a mall host that belong to the mall (the rest is served as on any host).
MALL_PREFIXES = ("/api/", "/.well-known/", "/admin/")
#: A label that cannot be a mall id (MALL_ID_RULE): the host of no mall.
NO_SUCH_MALL = "-"
#: The WSGI environ key holding the mall a request's Host named.
ENVIRON_KEY = "authserver.mall_host"


@lru_cache(maxsize=1024)
def mall_of_host(host: str, suffix: str) -> str | None:
    """The mall label of ``host`` (a Host header, port allowed) under ``suffix``, or ``None``
    when the host is not a mall host. A label that is no valid mall id is ``NO_SUCH_MALL``."""
    hostname = host.rsplit(":", 1)[0] if not host.endswith("]") else host
    hostname = hostname.rstrip(".").lower()
    if not hostname.endswith("." + suffix):
        return None
    label = hostname[: -len(suffix) - 1]
    return label if MALL_ID_PATTERN.fullmatch(label) else NO_SUCH_MALL


def mall_path(path: str, mall_id: str) -> str | None:
    """``path`` under ``/malls/<mall_id>`` when it is one of the mall's surfaces."""
    if path == "/admin" or path.startswith(MALL_PREFIXES):
        return f"/malls/{mall_id}{path}"
    return None


class MallHosts:
    """The WSGI middleware; reads the suffix from the app's config on each request, so it can
    be switched without a restart (and by the tests' ``configure``)."""

    def __init__(self, wsgi_app: Callable, config: dict[str, Any]):
        self.wsgi_app = wsgi_app
        self.config = config

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        suffix = self.config.get("AUTHSERVER_MALL_HOST_SUFFIX")
        if suffix:
            host = environ.get("HTTP_HOST") or environ.get("SERVER_NAME", "")
            mall_id = mall_of_host(host, suffix)
            if mall_id is not None:
                mapped = mall_path(environ.get("PATH_INFO", ""), mall_id)
                if mapped is not None:
                    environ["PATH_INFO"] = mapped
                    environ[ENVIRON_KEY] = mall_id
        return self.wsgi_app(environ, start_response)


def require_mall_of_host() -> None:
    """A ``before_request`` hook (the app's, so before any blueprint's): the host of no mall
    does not exist, as at Cafe24 (there, no DNS name), so every path on it is a 404 in the
    surface's shape, before any authentication (the path form may answer 401 first)."""
    mall_id = request.environ.get(ENVIRON_KEY)
    if mall_id is not None and find_mall(mall_id) is None:  # one cached read per request
        abort(404, "There is no such mall.")


def init_app(app: Flask) -> None:
    """Wrap the app (call before ProxyFix wraps it, so it runs after ProxyFix)."""
    app.wsgi_app = MallHosts(app.wsgi_app, app.config)
    app.before_request(require_mall_of_host)
