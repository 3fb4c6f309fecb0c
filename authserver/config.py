"""Configuration: defaults that serve one machine with no set-up, and AUTHSERVER_* overrides.

Every setting has one name in ``app.config``; the environment variable is that name (the keys
below are exactly DESIGN.md's variables). Lifetimes are read at request time, so tests and
operators can change them without restarting.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

#: name -> (default, parser). The default ``None`` means "derived at start-up".
SETTINGS: dict[str, tuple[Any, Any]] = {
    "AUTHSERVER_DATABASE_URL": (None, str),
    "AUTHSERVER_REDIS_URL": (None, str),
    # Prefix of every key the server writes to Redis (several deployments may share one Redis).
    "AUTHSERVER_REDIS_KEY_PREFIX": ("authserver:", str),
    # Without Redis, the rate-limit and brute-force buckets every worker process of the machine
    # shares (security/ratelimit.py): a SQLite file of their own, by default
    # <instance>/ratelimit.sqlite.
    "AUTHSERVER_RATELIMIT_PATH": (None, str),
    "AUTHSERVER_SECRET_KEY": (None, str),
    "AUTHSERVER_ENCRYPTION_KEYS": (None, str),
    "AUTHSERVER_ISSUER": (None, str),
    # Production without AUTHSERVER_ISSUER: the Host names Flask accepts (TRUSTED_HOSTS), e.g.
    # "auth.example.com,.example.net"; every other Host is a 400.
    "AUTHSERVER_TRUSTED_HOSTS": (
        None,
        lambda raw: [host.strip() for host in raw.split(",") if host.strip()] or None,
    ),
    # The zone of token timestamps and Admin API dates: Cafe24's (clients compare ``expires_at``
    # with a Korean local clock); any IANA zone may be set.
    # Host-based malls (platform/mall_hosts.py): "cafe24api.test" serves
    # <mall_id>.cafe24api.test/api/v2/... as /malls/<mall_id>/api/v2/...; compared lowercase,
    # without dots at either end.
    "AUTHSERVER_MALL_HOST_SUFFIX": (None, lambda raw: raw.strip().strip(".").lower() or None),
    "AUTHSERVER_TIMEZONE": ("Asia/Seoul", str),
    "AUTHSERVER_REQUIRE_PKCE": ("native", str),
    "AUTHSERVER_CODE_TTL": (60, int),
    "AUTHSERVER_ACCESS_TOKEN_TTL": (7200, int),
    "AUTHSERVER_REFRESH_TOKEN_TTL": (1209600, int),
    "AUTHSERVER_REFRESH_GRACE_SECONDS": (0, int),
    # JWT access tokens (apps switched to them by `app token-format`): short, at most 900 s.
    "AUTHSERVER_JWT_ACCESS_TOKEN_TTL": (600, int),
    # How long a process trusts its copy of the published signing keys: a key retired by
    # another process stops verifying here at most this many seconds later.
    "AUTHSERVER_SIGNING_KEY_CACHE_SECONDS": (5.0, float),
    "AUTHSERVER_API_BUCKET_SIZE": (40, int),
    "AUTHSERVER_API_LEAK_PER_SECOND": (2.0, float),
    # Brute-force limits (security/bruteforce.py): failed logins and client authentications
    # allowed per (account, address), per address and per account; each bucket forgets one
    # failure per drain interval, so a lockout lasts at most that long.
    "AUTHSERVER_AUTH_FAILURES_PER_ACCOUNT_AND_ADDRESS": (5, int),
    "AUTHSERVER_AUTH_FAILURES_PER_ADDRESS": (50, int),
    "AUTHSERVER_AUTH_FAILURES_PER_ACCOUNT": (50, int),
    "AUTHSERVER_AUTH_FAILURE_DRAIN_SECONDS": (60.0, float),
    # Login sessions (Developer Center, review console, mall admin) end this long after their
    # last request; read at start-up (Flask's PERMANENT_SESSION_LIFETIME).
    "AUTHSERVER_SESSION_IDLE_SECONDS": (7200, int),
    # Developer sign-ups per address (a leaky bucket that forgets one per drain interval).
    "AUTHSERVER_SIGNUPS_PER_ADDRESS": (10, int),
    "AUTHSERVER_SIGNUP_DRAIN_SECONDS": (60.0, float),
    # Calls to revocation (every caller) and to introspection by apps (gateways are exempt):
    # a leaky bucket of this size per (endpoint, client_id) and per (endpoint, address),
    # draining this many calls a second; a full bucket answers 429 slow_down
    # (oauth/endpoint_limits.py; SECURITY.md R10).
    "AUTHSERVER_TOKEN_ENDPOINT_BUCKET_SIZE": (60, int),
    "AUTHSERVER_TOKEN_ENDPOINT_LEAK_PER_SECOND": (1.0, float),
    # How long an operator has to answer a consent page before it must be reloaded.
    "AUTHSERVER_CONSENT_TTL": (600, int),
    # Production (docs/deploy.md): proxies in front whose X-Forwarded-* are trusted (0 = none),
    # and the JSON access log on stderr.
    "AUTHSERVER_PROXY_HOPS": (0, int),
    "AUTHSERVER_ACCESS_LOG": (
        True,
        lambda raw: raw.strip().lower() not in ("0", "false", "no", "off"),
    ),
}


def load_config(instance_path: str, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Build the Flask config: defaults, then the environment, then explicit overrides."""
    config: dict[str, Any] = {}
    for name, (default, parse) in SETTINGS.items():
        raw = os.environ.get(name)
        config[name] = parse(raw) if raw not in (None, "") else default
    config.update(overrides or {})

    instance = Path(instance_path)
    if not config["AUTHSERVER_DATABASE_URL"]:
        config["AUTHSERVER_DATABASE_URL"] = f"sqlite:///{instance / 'authserver.sqlite'}"
    if not config["AUTHSERVER_SECRET_KEY"]:
        config["AUTHSERVER_SECRET_KEY"] = _instance_secret(instance / "secret_key")
    if not config["AUTHSERVER_RATELIMIT_PATH"]:
        config["AUTHSERVER_RATELIMIT_PATH"] = str(instance / "ratelimit.sqlite")

    issuer = config["AUTHSERVER_ISSUER"]
    if issuer:
        config["AUTHSERVER_ISSUER"] = issuer.rstrip("/")
    https = bool(issuer and issuer.startswith("https://"))

    trusted_hosts = config["AUTHSERVER_TRUSTED_HOSTS"]
    if trusted_hosts and config["AUTHSERVER_MALL_HOST_SUFFIX"]:
        # The mall hosts are configured hosts: one switch names them, not two.
        trusted_hosts = [*trusted_hosts, "." + config["AUTHSERVER_MALL_HOST_SUFFIX"]]

    config.update(
        TRUSTED_HOSTS=trusted_hosts,
        SECRET_KEY=config["AUTHSERVER_SECRET_KEY"],
        SQLALCHEMY_DATABASE_URI=_normalise_database_url(config["AUTHSERVER_DATABASE_URL"]),
        SQLALCHEMY_ENGINE_OPTIONS=_engine_options(config["AUTHSERVER_DATABASE_URL"]),
        # DESIGN.md, Configuration: HttpOnly and SameSite=Lax always, Secure whenever the
        # external base URL is https (a plain-http loopback dev server could never get it back).
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=https,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=https,
        SESSION_COOKIE_NAME="authserver_session",
        # Logins are permanent sessions with an idle lifetime: every request re-signs the
        # cookie, and a signature older than the lifetime is refused on the server.
        PERMANENT_SESSION_LIFETIME=config["AUTHSERVER_SESSION_IDLE_SECONDS"],
        SESSION_REFRESH_EACH_REQUEST=True,
        # Icons are at most 50 KB; nothing we accept comes close to 1 MiB.
        MAX_CONTENT_LENGTH=1024 * 1024,
        MAX_FORM_PARTS=200,
        # A multipart form's text field: no field we accept is near 64 KiB (limits.py's form).
        MAX_FORM_MEMORY_SIZE=64 * 1024,
        WTF_CSRF_TIME_LIMIT=None,
        JSON_SORT_KEYS=False,
    )
    return config


def _instance_secret(path: Path) -> str:
    """Generate a per-machine secret into ``instance/`` on first start and reuse it after."""
    import secrets

    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


def _normalise_database_url(url: str) -> str:
    """``postgresql://`` means psycopg 3 here (DESIGN.md: the project depends on it)."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def _engine_options(url: str) -> dict[str, Any]:
    if url.startswith("sqlite"):
        # Threads of one process share the file; wait for the write lock instead of failing.
        return {"connect_args": {"timeout": 30, "check_same_thread": False}}
    # No pool_pre_ping (a round trip on every request): authserver/store/dbpool.py pings only the
    # connections that sat idle, so a node still recovers by itself after a database restart.
    # A sync gunicorn worker serves one request at a time and holds one connection; the pool
    # only grows with AUTHSERVER_THREADS (gthread), up to 10 + 20 overflow per worker.
    return {"pool_pre_ping": False, "pool_recycle": 1800, "pool_size": 10, "max_overflow": 20}
