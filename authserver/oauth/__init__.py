"""The OAuth 2.0 authorization server: Authlib grants, endpoints and the consent views."""

from flask import Flask

from authserver.oauth.issuer import check_issuer_host
from authserver.oauth.server import authorization_server, init_server, issuer_for

__all__ = ["authorization_server", "init_app", "issuer_for"]


def init_app(app: Flask) -> None:
    from authserver.oauth.endpoints import bp as endpoints_bp
    from authserver.oauth.jwt_tokens import bp as jwks_bp
    from authserver.oauth.metadata import bp as metadata_bp
    from authserver.oauth.views import bp as authorize_bp

    init_server(app)
    app.url_value_preprocessor(check_issuer_host)
    app.register_blueprint(authorize_bp)
    app.register_blueprint(endpoints_bp)
    app.register_blueprint(metadata_bp)
    app.register_blueprint(jwks_bp)
