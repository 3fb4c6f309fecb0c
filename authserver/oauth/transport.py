"""Transport rule of the OAuth endpoints (RFC 6749 §3.1, §3.2): https, except on loopback."""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from urllib.parse import urlsplit

from flask import Response, redirect

from authserver.platform.current import this_app, this_request
from authserver.platform.errors import oauth_error


def require_tls() -> Response | None:
    """A ``before_request`` hook: plain http is allowed on loopback only (development)."""
    request = this_request()
    if request.scheme not in ("http", "https"):  # a proxy's X-Forwarded-Proto said otherwise
        return oauth_error("invalid_request", "OAuth endpoints must be called over https.")
    if request.is_secure or is_loopback(request.host):
        return None
    if request.method == "GET":
        # To the configured external base when there is one, never to a Host it did not name.
        base = this_app().config["AUTHSERVER_ISSUER"]
        if base and base.startswith("https://"):
            return redirect(base.rstrip("/") + request.full_path.rstrip("?"), code=301)
        return redirect(request.url.replace("http://", "https://", 1), code=301)
    return oauth_error("invalid_request", "OAuth endpoints must be called over https.")


@lru_cache(maxsize=64)
def is_loopback(host: str) -> bool:
    """Whether ``host`` (a Host header: name and optional port) names this machine."""
    hostname = urlsplit(f"//{host}").hostname or ""
    if hostname == "localhost":
        return True
    try:
        return ipaddress.ip_address(hostname).is_loopback
    except ValueError:
        return False
