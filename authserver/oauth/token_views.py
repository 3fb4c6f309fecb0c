"""The introspection and revocation endpoints on the ``oauth`` blueprint (POST only).

Both answer through Authlib's endpoint classes (``introspection.py``, ``revocation.py``). A
database failure is a 503 ``temporarily_unavailable`` with nothing changed: at revocation a
200 would tell the client the token is gone (RFC 7009 §2.2.1), at introspection a 5xx makes a
gateway fail closed.
"""

from __future__ import annotations

from flask import Response, current_app
from sqlalchemy.exc import SQLAlchemyError

from ..errors import oauth_error
from ..extensions import csrf, db
from .server import authorization_server
from .views import bp

RETRY_AFTER_SECONDS = "5"


@bp.post("/introspect")
@csrf.exempt
def introspect() -> Response:
    """RFC 7662 §2: ``token`` and an optional ``token_type_hint``."""
    return _answer("introspection")


@bp.post("/revoke")
@csrf.exempt
def revoke() -> Response:
    """RFC 7009 §2: ``token`` and an optional ``token_type_hint`` or Cafe24's ``token_hint``."""
    return _answer("revocation")


def _answer(endpoint: str) -> Response:
    try:
        return authorization_server.create_endpoint_response(endpoint)
    except SQLAlchemyError:
        db.session.rollback()
        current_app.logger.exception("Database error at the %s endpoint", endpoint)
        return oauth_error(
            "temporarily_unavailable",
            "The server cannot answer right now; try again.",
            503,
            {"Retry-After": RETRY_AFTER_SECONDS},
        )
