"""Registration rules for URLs (App URL, Redirect URIs, operator-permission URL) and matching.

One place for DESIGN.md's rules, used by the Developer Center forms, the CLI and the
authorization endpoint. Each check returns a message for the person who typed the value, or
``None`` when the value is acceptable.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

MAX_REDIRECT_URIS = 10
MAX_REDIRECT_URI_BYTES = 200
MAX_URL_BYTES = 255

# Loopback redirect URIs of native apps (RFC 8252 §7.3): the port is free at match time.
# Always fullmatch: ``$`` would also match before a final newline (``.../cb\n``).
_LOOPBACK = re.compile(r"http://(127\.0\.0\.1|\[::1\])(?::(\d{1,5}))?(?P<rest>[/?].*)?")
_FORBIDDEN_CHARS = re.compile(r"[\x00-\x20\x7f\\<>\"{}|^`]")


def _common_url_problem(url: str, *, max_bytes: int) -> str | None:
    if not url:
        return "Enter a URL."
    if len(url.encode("utf-8")) > max_bytes:
        return f"Use at most {max_bytes} bytes."
    if _FORBIDDEN_CHARS.search(url) or not url.isascii():
        return "Spaces and special characters must be percent-encoded."
    if "*" in url:
        return "Wildcards are not allowed."
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError:
        return "This is not a valid URL."
    if not parts.scheme or not parts.netloc or not parts.hostname:
        return "Use an absolute URL (https://host/path)."
    if "@" in parts.netloc:
        return "A URL must not contain a user name or password."
    if "#" in url:
        return "A URL must not contain a fragment (#)."
    return None


def https_url_problem(url: str, *, max_bytes: int = MAX_URL_BYTES) -> str | None:
    """App URL and operator-permission URL: absolute https, a port is allowed."""
    problem = _common_url_problem(url, max_bytes=max_bytes)
    if problem:
        return problem
    if urlsplit(url).scheme != "https":
        return "Only https:// URLs are allowed."
    return None


def is_loopback_redirect_uri(uri: str) -> bool:
    return bool(_LOOPBACK.fullmatch(uri))


def redirect_uri_problem(uri: str, app_type: str) -> str | None:
    """One registered Redirect URI (DESIGN.md, Developer Center rules)."""
    problem = _common_url_problem(uri, max_bytes=MAX_REDIRECT_URI_BYTES)
    if problem:
        return problem
    scheme = urlsplit(uri).scheme
    if scheme == "https":
        return None
    if app_type == "native" and is_loopback_redirect_uri(uri):
        return None
    if app_type == "native":
        return "Only https:// URIs, or loopback http://127.0.0.1/ and http://[::1]/ URIs."
    return "Only https:// URIs are allowed."


def redirect_uri_list_problems(uris: list[str], app_type: str) -> list[str]:
    """Every problem of a whole list, each naming the line it is about."""
    problems = []
    if len(uris) > MAX_REDIRECT_URIS:
        problems.append(f"Register at most {MAX_REDIRECT_URIS} Redirect URIs.")
    seen = set()
    for number, uri in enumerate(uris, start=1):
        problem = redirect_uri_problem(uri, app_type)
        if problem:
            problems.append(f"Line {number}: {problem}")
        elif uri in seen:
            problems.append(f"Line {number}: this URI is listed twice.")
        seen.add(uri)
    return problems


def redirect_uri_matches(registered: str, requested: str, app_type: str) -> bool:
    """Byte-for-byte equality, except the port of a native app's loopback URI (RFC 8252)."""
    if requested == registered:
        return True
    if app_type != "native":
        return False
    want, got = _LOOPBACK.fullmatch(registered), _LOOPBACK.fullmatch(requested)
    if not want or not got:
        return False
    port = got.group(2)
    if port is not None and not 0 < int(port) < 65536:
        return False
    return want.group(1) == got.group(1) and (want.group("rest") or "") == (got.group("rest") or "")
