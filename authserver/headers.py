"""Security headers on every response (RFC 9700 §4.16 clickjacking, §4.2.4 referrer)."""

from __future__ import annotations

from flask import Flask, Response, request

# No inline script anywhere: pages ship their few lines of JavaScript as static files.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "form-action 'self' https:; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)


#: On every response, unless the view set its own value.
EVERY_RESPONSE = (("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", "no-referrer"))
#: On HTML pages too.
HTML_PAGES = (
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Frame-Options", "DENY"),
    ("Cache-Control", "no-store"),
)
HSTS = ("Strict-Transport-Security", "max-age=31536000; includeSubDomains")


def _add_security_headers(response: Response) -> Response:
    headers = response.headers
    wanted = EVERY_RESPONSE
    content_type = response.content_type  # the raw header: ``mimetype`` would parse it
    if content_type is not None and content_type.lower().startswith("text/html"):
        wanted += HTML_PAGES
    if request.environ["wsgi.url_scheme"] == "https":  # ``is_secure``, without the property
        wanted += (HSTS,)
    # One pass over the names already set: Werkzeug's setdefault (and ``in``) raise and catch
    # a KeyError for every header that is missing, which is most of them on an API answer.
    present = {name.lower() for name, _ in headers}
    for name, value in wanted:
        if name.lower() not in present:
            headers.add(name, value)
    return response


def init_app(app: Flask) -> None:
    app.after_request(_add_security_headers)
