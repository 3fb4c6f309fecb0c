"""Profile the hot paths in one process with pyinstrument: where a request's time goes.

    .venv/bin/pip install pyinstrument   # or: pip install -e '.[profile]'
    .venv/bin/python bench/profile.py [--database-url URL] [--requests 500] [--html DIR]

Seeds a database like the benchmark (SQLite in a temporary directory by default), then sends
``--requests`` of each benchmark scenario through Flask's test client (the whole WSGI stack,
access log included, without the network) under pyinstrument and prints each profile.
"""

from __future__ import annotations

import argparse
import base64
import os
import secrets
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.run import SCENARIOS  # noqa: E402
from bench.seeding import create_postgres_database, seed  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    from pyinstrument import Profiler

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="sqlite:///... or a PostgreSQL server URL")
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--html", help="also write one HTML profile per scenario here")
    args = parser.parse_args(argv)
    env = {
        "AUTHSERVER_SECRET_KEY": secrets.token_urlsafe(32),
        "AUTHSERVER_ENCRYPTION_KEYS": base64.urlsafe_b64encode(os.urandom(32)).decode(),
    }
    drop = None
    with tempfile.TemporaryDirectory(prefix="authserver-profile-") as tmp:
        url = args.database_url or f"sqlite:///{tmp}/profile.sqlite"
        if url.startswith("postgres"):
            url, drop = create_postgres_database(url)
        try:
            seeded = seed(url, env, codes=args.requests + 10, tokens=10_000)
            from authserver import create_app

            app = create_app(
                {**env, "AUTHSERVER_DATABASE_URL": url, "AUTHSERVER_API_BUCKET_SIZE": 10**9}
            )
            client = app.test_client()
            for scenario in SCENARIOS:
                headers, bodies = scenario.build(seeded)
                path = scenario.path.format(mall_id=seeded.mall_id)
                headers["Content-Type"] = "application/x-www-form-urlencoded"

                def send(i: int, scenario=scenario, headers=headers, bodies=bodies, path=path):
                    body = bodies[i % len(bodies)] if bodies else None
                    response = client.open(path, method=scenario.method, headers=headers, data=body)
                    assert response.status_code == scenario.status, response.get_data()

                send(0) if not scenario.single_use else None  # warm caches and the pool
                profiler = Profiler(interval=0.0005)
                profiler.start()
                for i in range(1, args.requests + 1):
                    send(i)
                profiler.stop()
                print(f"\n===== {scenario.name}: {args.requests} requests =====")
                print(profiler.output_text(unicode=False, color=False, show_all=False))
                if args.html:
                    name = scenario.name.replace(" ", "_").replace("(", "").replace(")", "")
                    Path(args.html, f"{name}.html").write_text(profiler.output_html())
            with app.app_context():
                from authserver.extensions import db

                db.engine.dispose()
        finally:
            if drop:
                drop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
