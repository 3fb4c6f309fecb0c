"""The Admin API (resource server): per-mall records behind scope-checked, rate-limited calls.

- ``resources``: the declarative table of resources as Cafe24 documents them (``schema``: its
  vocabulary; ``wire``: the field types; ``keys``: Cafe24's item keys; ``filters``: the list
  and count parameters; ``answers``: how a record is shown);
- ``scope_map``: (method, resource) -> required scope, from the scope catalogue, and
  ``required_scope``/``resolve`` for anyone (the gateway check) who must decide the same way;
- ``auth``: the bearer token from the Authorization header, one query, the 401 challenges;
- ``ratelimit``: the leaky bucket per (mall, app), in the process or in Redis;
- ``records``: storage; ``views``: the one enforcing hook and the actions; ``demo``: seed data.
"""

from flask import Flask

from authserver.admin_api.auth import AuthenticationFailed, Caller, authenticate, challenge
from authserver.admin_api.demo import seed_demo_records
from authserver.admin_api.scope_map import (
    ABSENT,
    SCOPE_MAP,
    parse_admin_uri,
    required_scope,
    resolve,
)
from authserver.admin_api.views import bp
from authserver.extensions import csrf

__all__ = [
    "ABSENT",
    "SCOPE_MAP",
    "AuthenticationFailed",
    "Caller",
    "authenticate",
    "challenge",
    "init_app",
    "parse_admin_uri",
    "required_scope",
    "resolve",
]


def init_app(app: Flask) -> None:
    """Register the blueprint (no CSRF: bearer-token calls carry no cookie) and the seeder."""
    csrf.exempt(bp)
    app.register_blueprint(bp)
    app.extensions.setdefault("authserver.demo_seeders", []).append(seed_demo_records)
