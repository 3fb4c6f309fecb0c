"""Where a ``next=`` parameter may send a browser: same-origin paths only (RFC 9700 §4.11)."""

from __future__ import annotations

from urllib.parse import urlsplit


def safe_next(target: str | None, default: str) -> str:
    """``target`` if it is a path on this site, else ``default``.

    Refuses absolute and scheme-relative URLs (``//evil``), backslash tricks (``/\\evil``)
    and control characters, which browsers may strip before resolving the URL.
    """
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return default
    if any(ord(ch) < 0x21 or ch == "\\" for ch in target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target


def current_path() -> str:
    """This request's path and query, for a ``next=`` back to it.

    Werkzeug's ``request.full_path`` raises on a query string that is not UTF-8, which would
    turn a client's garbage into a 500 on the very page that reports the error.
    """
    from flask import request

    query = request.query_string.decode("utf-8", "replace")
    return f"{request.path}?{query}" if query else request.path
