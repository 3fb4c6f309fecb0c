"""WSGI entry point for production servers (gunicorn, granian): ``gunicorn wsgi:app``.

Production must not take its issuer, its https redirects or its publicly cached metadata from
a client's Host header: it refuses to start without ``AUTHSERVER_ISSUER`` or
``AUTHSERVER_TRUSTED_HOSTS`` (docs/deploy.md). ``create_app`` itself does not refuse, so the
tests and ``make run`` (loopback only) keep working without either.
"""

import os

from authserver import create_app

REFUSAL = (
    "authserver: set AUTHSERVER_ISSUER (the external https base URL, e.g. "
    "https://auth.example.com) or AUTHSERVER_TRUSTED_HOSTS (comma-separated host names) "
    "before serving in production; without either, a client's Host header would name the "
    "issuer (docs/deploy.md)."
)

if not (os.environ.get("AUTHSERVER_ISSUER") or os.environ.get("AUTHSERVER_TRUSTED_HOSTS")):
    raise RuntimeError(REFUSAL)

app = create_app()
