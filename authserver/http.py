"""The Flask and Request classes of this app: per-request work Flask repeats, done once.

Gateways introspect and apps call the Admin API on every request they serve, so the fixed cost
of a Flask request is a large share of those calls (bench/profile.py). Three pieces of it
depend only on the configuration or the code, and are settled here at start-up:

- ``Request``'s body limits (``MAX_CONTENT_LENGTH``, ``MAX_FORM_MEMORY_SIZE``,
  ``MAX_FORM_PARTS``) are read through ``current_app`` on every access, about a dozen times
  per form; Flask 3.1 lets a request carry its own limits, and every request of an app
  carries the values of its configuration (:func:`request_class_for`);
- a URL-encoded body (every OAuth endpoint's) is parsed by the standard library's
  ``parse_qsl``, as Werkzeug does, without building Werkzeug's general form parser for it;
- ``Flask.ensure_sync`` asks ``inspect`` whether each hook and view is a coroutine function,
  eight times per request; :class:`AuthServerFlask` remembers the answer per function.

And :class:`Response` sends its headers without the copy Werkzeug makes of them, when that
copy would be sent unchanged (every JSON answer of the API).
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import parse_qsl

import flask
from werkzeug.exceptions import ClientDisconnected, RequestEntityTooLarge

FORM_URLENCODED = "application/x-www-form-urlencoded"

#: One compact encoder for the hot answers and the access log: ``json.dumps`` with
#: ``separators`` builds an encoder per call, and Flask's ``jsonify`` also sorts the keys.
COMPACT_JSON = json.JSONEncoder(separators=(",", ":"))


#: Headers ``get_wsgi_headers`` rewrites (made absolute URIs) when a response carries them.
_REWRITTEN = frozenset({"location", "content-location"})


class Response(flask.Response):
    """Flask's response (the app's ``response_class``), sent without a needless header copy.

    Werkzeug's ``get_wsgi_headers`` copies the headers (re-checking each value, about as much
    work as building them), then changes the copy only for a ``Location`` or
    ``Content-Location`` header, a status without a body (1xx, 204, 304) or a missing
    ``Content-Length``. A response with none of these (a body set whole: every JSON answer)
    is sent here with its own headers as they are, the same list Werkzeug would send
    (tests/test_http.py compares both); any other goes through Werkzeug as before.
    """

    def get_wsgi_response(self, environ: dict[str, Any]):
        status = self.status_code
        if status >= 200 and status != 204 and status != 304:
            names = {name.lower() for name, _ in self.headers}
            if "content-length" in names and names.isdisjoint(_REWRITTEN):
                return self.get_app_iter(environ), self.status, self.headers.to_wsgi_list()
        return super().get_wsgi_response(environ)


def json_response(
    payload: Any, status: int = 200, headers: Mapping[str, str] | None = None
) -> flask.Response:
    """A JSON answer with the fields in the order they were written (Cafe24's order)."""
    return Response(
        COMPACT_JSON.encode(payload), status=status, headers=headers, mimetype="application/json"
    )


class Request(flask.Request):
    """Flask's request with a direct path for URL-encoded forms."""

    def _load_form_data(self) -> None:
        if "form" in self.__dict__ or self.mimetype != FORM_URLENCODED:
            return super()._load_form_data()
        # The parsing is Werkzeug's _parse_urlencoded: a body that is not UTF-8 gives an empty
        # form, as Werkzeug's silent parser does.
        try:
            items = parse_qsl(
                self._urlencoded_body().decode(),
                keep_blank_values=True,
                errors="werkzeug.url_quote",
            )
        except ValueError:
            items = []
        self.__dict__["form"] = self.parameter_storage_class(items)
        self.__dict__["files"] = self.parameter_storage_class()
        return None

    def _urlencoded_body(self) -> bytes:
        """The body, read as Werkzeug's stream would read it, in one call when its length is
        known: the stream reads in 64 KiB steps through a fresh buffer, then once more to see
        the end (under gunicorn, each read is a few Python calls deep), for a body that is
        usually a hundred bytes."""
        length = self.content_length
        if length is None or self.shallow or "stream" in self.__dict__:
            return self.stream.read()  # chunked, or read before: Werkzeug's own checks
        limit = self.max_content_length
        if limit is not None and length > limit:
            raise RequestEntityTooLarge()
        body = self.environ["wsgi.input"].read(length)
        if len(body) < length:
            raise ClientDisconnected()  # shorter than announced: Werkzeug's 400 too
        # Read to the end, as Werkzeug's consumed stream would be.
        self.__dict__["stream"] = io.BytesIO()
        return body


def request_class_for(config: Mapping[str, Any]) -> type[Request]:
    """A :class:`Request` subclass whose limits are this configuration's."""
    return type(
        "Request",
        (Request,),
        {
            "__module__": __name__,
            "_max_content_length": config.get("MAX_CONTENT_LENGTH"),
            "_max_form_memory_size": config.get("MAX_FORM_MEMORY_SIZE"),
            "_max_form_parts": config.get("MAX_FORM_PARTS"),
        },
    )


class AuthServerFlask(flask.Flask):
    """Flask, remembering which hooks and views need wrapping for async."""

    response_class = Response

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._sync_functions: dict[Callable[..., Any], Callable[..., Any]] = {}

    def ensure_sync(self, func: Callable[..., Any]) -> Callable[..., Any]:
        try:
            return self._sync_functions[func]
        except KeyError:
            synchronous = self._sync_functions[func] = super().ensure_sync(func)
            return synchronous
        except TypeError:  # an unhashable callable: ask every time, as Flask does
            return super().ensure_sync(func)
