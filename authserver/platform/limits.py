"""Request size and shape limits, checked before any view (and before CSRF) runs.

Every surface answers in its own shape (``platform/errors.py``): RFC 6749 JSON at the OAuth
endpoints, Cafe24's envelope at the Admin API, an HTML page elsewhere.

- a body over ``MAX_CONTENT_LENGTH`` (1 MiB: icons are at most 50 KB) is 413 (Werkzeug);
- a form-encoded body over ``AUTHSERVER_MAX_FORM_BYTES`` (64 KiB) is 413, announced or read
  (chunked): the limit is the request's ``max_content_length`` (Flask 3.1) for such a form;
- a query string over ``AUTHSERVER_MAX_QUERY_BYTES`` (8 KiB) is 414;
- more than ``AUTHSERVER_MAX_PARAMETERS`` (200) query or form fields is 400 (multipart forms
  are also capped by Werkzeug's ``MAX_FORM_PARTS``);
- a query string of raw bytes that are not UTF-8 is 400;
- a NUL character in the path, a query or a form value is 400: no legitimate parameter holds
  one, and PostgreSQL refuses to compare text with it (it would be a 500 at the first query).
"""

from __future__ import annotations

from flask import Flask, abort, request

from authserver.platform.current import this_app, this_request

LIMITS = {
    "AUTHSERVER_MAX_QUERY_BYTES": 8 * 1024,
    "AUTHSERVER_MAX_FORM_BYTES": 64 * 1024,
    "AUTHSERVER_MAX_PARAMETERS": 200,
}


def _check_request() -> None:
    # The config only when a check needs it: this runs on every request (a GET without a
    # query or a body, most Admin API calls, needs no config).
    req = this_request()
    query = req.query_string
    content_type = req.environ.get("CONTENT_TYPE")
    config = this_app().config if query or content_type or req.method != "GET" else None
    if query:
        if len(query) > config["AUTHSERVER_MAX_QUERY_BYTES"]:
            abort(414, "The query string is too long.")
        try:  # raw (not percent-encoded) bytes that are not UTF-8: Werkzeug's parser would raise
            query.decode("utf-8")
        except UnicodeDecodeError:
            abort(400, "The query string is not UTF-8.")
        _check_fields(req.args, config)
    if "\x00" in req.path:
        abort(400, "The path holds a NUL character.")
    # Most calls (every Admin API GET) carry no body: its type is not parsed for them.
    if content_type and req.mimetype == "application/x-www-form-urlencoded":
        limit = config["AUTHSERVER_MAX_FORM_BYTES"]
        length = req.content_length
        if length is not None and length > limit:
            abort(413, "The form is too large.")
    if req.method != "GET":
        _check_fields(req.form, config)


def _limit_unannounced_body(endpoint: str | None, values: dict | None) -> None:
    """A body sent without ``Content-Length`` (``Transfer-Encoding: chunked``) gets the limits
    an announced one gets: ``AUTHSERVER_MAX_FORM_BYTES`` for a form, ``MAX_CONTENT_LENGTH``
    otherwise. Flask 3.1's per-request ``max_content_length`` makes Werkzeug read no more than
    the limit plus one byte; a form that reached it is a 413 here, before anything parses it
    (the app's URL preprocessor is the first hook, before any view reads the form); any other
    body is checked where it is read (:func:`read_body`)."""
    req = this_request()
    if not req.environ.get("CONTENT_TYPE") or req.content_length is not None:
        return  # no body, or an announced one: checked against its Content-Length
    config = this_app().config
    if req.mimetype != "application/x-www-form-urlencoded":
        if config["MAX_CONTENT_LENGTH"] is not None:
            req.max_content_length = config["MAX_CONTENT_LENGTH"] + 1
        return
    limit = config["AUTHSERVER_MAX_FORM_BYTES"]
    req.max_content_length = limit + 1
    req.form  # noqa: B018 - parsed now, at most limit + 1 bytes read
    if req.stream.tell() > limit:
        abort(413, "The form is too large.")


def read_body() -> bytes:
    """The request's body; 413 when it holds more than ``MAX_CONTENT_LENGTH`` bytes, also when
    it came chunked (Werkzeug stops reading one byte past the limit, without an error)."""
    data = request.get_data()
    limit = this_app().config["MAX_CONTENT_LENGTH"]
    if limit is not None and len(data) > limit:
        abort(413, "The request body is too large.")
    return data


def _check_fields(fields, config) -> None:
    items = list(fields.items(multi=True))
    if len(items) > config["AUTHSERVER_MAX_PARAMETERS"]:
        abort(400, "The request has too many parameters.")
    for name, value in items:  # a loop: ``any`` over a generator costs more for a few fields
        if "\x00" in name or "\x00" in value:
            abort(400, "A parameter holds a NUL character.")


def init_app(app: Flask) -> None:
    for name, default in LIMITS.items():
        app.config.setdefault(name, default)
    # App-level URL preprocessors run before the blueprints' (the mall loaders) and every hook.
    app.url_value_preprocessor(_limit_unannounced_body)
    # First of all before_request functions, so CSRF and the views see only sane requests.
    app.before_request_funcs.setdefault(None, []).insert(0, _check_request)
