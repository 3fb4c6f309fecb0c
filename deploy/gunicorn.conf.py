"""gunicorn settings for authserver (``make serve``; docs/deploy.md), all from the environment.

HOST/PORT           bind address (default 127.0.0.1:8000; 0.0.0.0 only behind a proxy/firewall)
AUTHSERVER_WORKERS  worker processes (default one per core, 2 to 8: each holds a DB pool)
AUTHSERVER_THREADS  threads per worker (default 1 = sync workers; more selects gthread)
AUTHSERVER_TIMEOUT  seconds before a stuck worker is restarted (default 30)
AUTHSERVER_MAX_REQUESTS  requests before a worker is replaced (default 100000; 0: never)
"""

import gc
import multiprocessing
import os


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    return int(raw) if raw else default


bind = f"{os.environ.get('HOST') or '127.0.0.1'}:{_int('PORT', 8000)}"
# One worker per core (at least 2), not gunicorn's usual 2 x cores + 1: a request here is CPU
# work with short database waits, and every worker beyond the cores only takes turns with the
# others, each turn on CPU caches the others have just filled. On the 2-core benchmark machine
# (bench/run.py, two alternating runs of 2 and 3 workers, 2026-11-27), 2 workers beat 3 in seven
# of the eight scenarios: SQLite introspection 0.71 and 0.65 of the bare ceiling against 0.47
# and 0.51, the code exchange 0.31 and 0.29 against 0.24 and 0.27; PostgreSQL introspection 0.55
# and 0.53 against 0.31 and 0.36 (the SQLite Admin API GET was a draw: 0.62 and 0.74 against 0.78
# and 0.69). The CPU per introspection inside the app fell from about 525 to 340-400 µs. (An
# earlier session had 3 beating 5 the same way.) Raise it where the database is far away: there
# a worker waits for each query, and the cores could serve others meanwhile.
workers = max(1, _int("AUTHSERVER_WORKERS", min(max(multiprocessing.cpu_count(), 2), 8)))
threads = max(1, _int("AUTHSERVER_THREADS", 1))
worker_class = "gthread" if threads > 1 else "sync"
timeout = _int("AUTHSERVER_TIMEOUT", 30)
graceful_timeout = 30
# Longer than a typical load balancer's idle timeout would be wrong; shorter wastes handshakes.
keepalive = 5
# Recycle workers now and then so a slow leak cannot grow without bound, but not often: a
# worker takes about 1.3 s of CPU to start (imports, create_app) and then warms its caches and
# connections, so at 10,000 requests a busy 2-core node spent about a sixth of its CPU on
# restarts (bench/results.md).
max_requests = max(0, _int("AUTHSERVER_MAX_REQUESTS", 100_000))
max_requests_jitter = max_requests // 10

# The app writes its own JSON access log (authserver.ops, secrets redacted); gunicorn's would
# print the raw query string, so it stays off. Errors go to stderr.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("AUTHSERVER_LOG_LEVEL", "info")

# X-Forwarded-* are ProxyFix's job, with an exact hop count (AUTHSERVER_PROXY_HOPS). gunicorn
# would otherwise trust X-Forwarded-Proto from any loopback client by default.
forwarded_allow_ips = ""
secure_scheme_headers: dict[str, str] = {}
# No preload: each worker builds its own app and database pool after the fork.
preload_app = False
# gunicorn 24+ opens a control socket at one fixed path per user, which two nodes on one
# machine would fight over; nothing here uses it. (Older gunicorn ignores the setting.)
control_socket_disable = True


def post_worker_init(worker) -> None:
    """Freeze what the worker built at start-up out of the garbage collector's sight.

    Modules, models, compiled statements and Authlib's server live as long as the worker;
    without this every full collection walks them all (about 150 ms with the app loaded, a
    pause that lands on whichever request triggers it). ``gc.freeze`` (Python 3.7+) moves them
    to a generation that is never collected; what requests create is collected as before.
    """
    gc.collect()
    gc.freeze()
