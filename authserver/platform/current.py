"""The current request, app and ``g`` themselves, for hooks that read several of their attributes.

``flask.request``, ``flask.current_app`` and ``flask.g`` are context-local proxies: every
attribute read through one looks the context up again (Werkzeug's ``LocalProxy``, four Python
calls: about 1.3 µs on the benchmark machine, where a plain attribute read takes 0.04). Binding
a proxy to a local name keeps it a proxy. The hot paths' hooks made 30 to 50 such reads per
call, so a function that reads several attributes takes the object once, through Flask's
public context globals (``request_ctx`` and ``app_ctx``, which Flask names for this when it
deprecated its context stacks), and reads the object itself from then on.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Request
from flask.globals import app_ctx, request_ctx


def this_request() -> Request:
    """The request being served (not a proxy): one context lookup."""
    return request_ctx.request


def this_app() -> Flask:
    """The app of the current context (not a proxy): one context lookup."""
    return app_ctx.app


def this_g() -> Any:
    """The current app context's ``g`` (not a proxy): one context lookup."""
    return app_ctx.g
