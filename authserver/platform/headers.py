"""Security headers on every response (RFC 9700 §4.16 clickjacking, §4.2.4 referrer)."""

from __future__ import annotations

from flask import Flask, Response, request

# No inline script anywhere: pages ship their few lines of JavaScript as static files.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "form-action 'self' https:; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)


def _named(*pairs: tuple[str, str]) -> tuple[tuple[str, str, str], ...]:
    """(name, value, lower-case name): the lower-case names worked out once, not per answer."""
    return tuple((name, value, name.lower()) for name, value in pairs)


#: On every response, unless the view set its own value.
EVERY_RESPONSE = _named(("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", "no-referrer"))
#: On HTML pages too.
HTML_PAGES = _named(
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Frame-Options", "DENY"),
    ("Cache-Control", "no-store"),
)
#: Over https.
HSTS = _named(("Strict-Transport-Security", "max-age=31536000; includeSubDomains"))[0]


def _add_security_headers(response: Response) -> Response:
    headers = response.headers
    # One pass over the names already set, which also finds the first Content-Type (what
    # ``response.content_type`` would search for again): Werkzeug's setdefault (and ``in``)
    # raise and catch a KeyError for every header that is missing, most of them on an API
    # answer.
    present = set()
    content_type = None
    for name, value in headers:
        lowered = name.lower()
        if lowered == "content-type" and content_type is None:
            content_type = value
        present.add(lowered)
    wanted = EVERY_RESPONSE
    if content_type is not None and content_type[:9].lower() == "text/html":
        wanted += HTML_PAGES
    if request.environ["wsgi.url_scheme"] == "https":  # ``is_secure``, without the property
        wanted += (HSTS,)
    for name, value, lowered in wanted:
        if lowered not in present:
            headers.add(name, value)
    return response


def init_app(app: Flask) -> None:
    app.after_request(_add_security_headers)
