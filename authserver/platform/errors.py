"""The error shapes, one per surface: RFC 6749 JSON for OAuth endpoints, Cafe24's envelope for
the Admin API, an HTML page everywhere else. Handlers here turn any HTTP error into the shape
of the surface it happened on, so no endpoint leaks a stack trace or an HTML 500 to a client.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, current_app, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from markupsafe import escape
from sqlalchemy import exc as sqlalchemy_exc
from werkzeug.exceptions import HTTPException, InternalServerError, SecurityError

from authserver.platform.http import json_response
from authserver.platform.i18n import N_

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def oauth_error(
    error: str, description: str, status: int = 400, headers: dict[str, str] | None = None
) -> Response:
    """RFC 6749 §5.2: ``{"error", "error_description"}`` with ``Cache-Control: no-store``."""
    response = jsonify(error=error, error_description=description)
    response.status_code = status
    response.headers.update(NO_STORE)
    response.headers.update(headers or {})
    return response


def api_error(
    status: int,
    message: str,
    more_info: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """Cafe24's Admin API envelope: ``{"error": {"code", "message", "more_info"}}``."""
    body = {"error": {"code": status, "message": message, "more_info": more_info or {}}}
    return json_response(body, status, headers)


def error_page(status: int, title: str, message: str, detail: str = "") -> tuple[str, int]:
    """The HTML error page; operator pages pass translated ``title`` and ``message``."""
    html = render_template("errors/error.html", title=title, message=message, detail=detail)
    return html, status


#: Werkzeug's names of the statuses an operator may meet, for the catalogue: operator pages
#: show them translated (``gettext(exc.name)``); the descriptions below replace Werkzeug's.
HTTP_STATUS_NAMES = (
    N_("Bad Request"), N_("Forbidden"), N_("Not Found"), N_("Method Not Allowed"),
    N_("Too Many Requests"), N_("Internal Server Error"),
)  # fmt: skip
_PAGE_MESSAGES = {
    400: N_("The request could not be understood. Go back and try again."),
    403: N_("You do not have access to this page."),
    404: N_("There is no such page. Check the address."),
    405: N_("This page cannot be used this way. Go back and try again."),
    429: N_("Too many requests. Wait a moment and try again."),
    500: N_("Something went wrong on our side. Try again soon."),
}


def _surface() -> str:
    path = request.path
    if "/api/v2/oauth/" in path and not path.endswith("/authorize"):
        return "oauth"
    if "/.well-known/" in path:  # the metadata and JWKS: JSON documents, errors alike
        return "oauth"
    if "/api/v2/admin" in path or path.startswith("/gateway/"):
        return "api"
    return "page"


def _handle_http_exception(exc: HTTPException):
    status = exc.code or 500
    surface = _surface()
    if surface == "oauth":
        error = "invalid_request" if status < 500 else "server_error"
        return oauth_error(error, _plain(exc), status)
    if surface == "api":
        return api_error(status, _plain(exc))
    # English pages keep Werkzeug's own text; translated pages use the catalogue's.
    message = _plain(exc)
    if _PAGE_MESSAGES.get(status) and _(_PAGE_MESSAGES[status]) != _PAGE_MESSAGES[status]:
        message = _(_PAGE_MESSAGES[status])
    return error_page(status, _(exc.name), message)


def _plain(exc: HTTPException) -> str:
    """Werkzeug's description without its HTML, limited to RFC 6749's error character set."""
    text = (exc.description or exc.name or "").replace('"', "'").replace("\\", "/")
    return "".join(ch for ch in text if 0x20 <= ord(ch) <= 0x7E)


def _handle_untrusted_host(exc: SecurityError):
    """A Host outside ``TRUSTED_HOSTS`` (Flask refused it before routing): 400 in the
    surface's shape; the page is written without the templates, whose ``url_for`` needs the
    URL adapter Flask could not build for this Host."""
    if _surface() != "page":
        return _handle_http_exception(exc)
    title = escape(_(exc.name))
    body = f"<!doctype html><title>{title}</title><h1>{title}</h1><p>{escape(_plain(exc))}</p>"
    return body, 400, {"Content-Type": "text/html; charset=utf-8"}


def _handle_csrf(exc: CSRFError):
    return error_page(
        400,
        _("Form expired"),
        _(
            "This form was not submitted from this site, or it expired. Go back, reload the "
            "page and try again."
        ),
    )


#: Database failures that say nothing about the request: the client should retry later.
DATABASE_UNAVAILABLE = (
    sqlalchemy_exc.OperationalError,
    sqlalchemy_exc.InterfaceError,
    sqlalchemy_exc.DisconnectionError,
    sqlalchemy_exc.TimeoutError,
)
RETRY_AFTER_SECONDS = "5"


def _handle_database_unavailable(exc: Exception):
    """503, never an OAuth credential error (Hydra #1246) and never a 200 (RFC 7009 §2.2.1:
    a revocation answered 200 tells the client the token is gone)."""
    current_app.logger.error("Database unavailable on %s %s: %s", request.method, request.path, exc)
    retry = {"Retry-After": RETRY_AFTER_SECONDS}
    surface = _surface()
    if surface == "oauth":
        return oauth_error(
            "temporarily_unavailable",
            "The service is temporarily unavailable. Retry later.",
            503,
            retry,
        )
    if surface == "api":
        return api_error(503, "Service temporarily unavailable.", headers=retry)
    # Rendered without context processors: Flask-Login's would query the database again.
    body = current_app.jinja_env.get_template("errors/error.html").render(
        title=_("Temporarily unavailable"),
        message=_("The service is temporarily unavailable. Try again soon."),
    )
    return body, 503, retry


def _handle_unexpected(exc: Exception):
    # The traceback goes to the log; the client sees only the surface's generic shape.
    current_app.logger.error("Unhandled error on %s %s", request.method, request.path, exc_info=exc)
    return _handle_http_exception(InternalServerError())


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(CSRFError, _handle_csrf)
    app.register_error_handler(SecurityError, _handle_untrusted_host)
    for error in DATABASE_UNAVAILABLE:
        app.register_error_handler(error, _handle_database_unavailable)
    app.register_error_handler(HTTPException, _handle_http_exception)
    app.register_error_handler(Exception, _handle_unexpected)
