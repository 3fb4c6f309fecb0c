"""The gateway check (DESIGN.md "Gateway check"): ``GET /gateway/check`` for nginx ``auth_request``.

``check`` holds the endpoint; it decides with the Admin API's own scope map and token
authentication (``admin_api.resolve``, ``admin_api.authenticate``), so a gateway in front of the
Admin API answers exactly as the Admin API would. deploy/nginx/authserver-gateway.conf is the
nginx side.
"""

from flask import Flask

from authserver.extensions import csrf
from authserver.gateway.check import bp


def init_app(app: Flask) -> None:
    """Register ``/gateway/check`` (no CSRF: the gateway sends no cookie)."""
    csrf.exempt(bp)
    app.register_blueprint(bp)
