"""The OAuth 2.0 authorization server: Authlib grants, endpoints and the consent views."""

from flask import Flask

from . import token_views
from .metadata import bp as metadata_bp
from .server import authorization_server, init_server, issuer_for
from .views import bp

__all__ = ["authorization_server", "init_app", "issuer_for"]

del token_views  # imported for the routes it adds to ``bp``


def init_app(app: Flask) -> None:
    from .jwt_tokens import bp as jwks_bp

    init_server(app)
    app.register_blueprint(bp)
    app.register_blueprint(metadata_bp)
    app.register_blueprint(jwks_bp)
