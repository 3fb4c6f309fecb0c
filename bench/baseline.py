"""The ``--baseline <git ref>`` targets: that ref's code in a temporary git worktree, seeded by
its own bench/seeding.py, served by this checkout's production server (deploy/serve.py).

Both sides are served the same way whatever the ref's own launcher was (gunicorn before
granian): only the app (``wsgi:app``) comes from the ref.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from bench.harness import ROOT
from bench.seeding import Seeded

#: Run inside the baseline worktree: its own seeding, printed as one JSON line.
_SEED = (
    "import dataclasses, json, os, sys\n"
    "sys.path.insert(0, os.getcwd())\n"
    "from bench.seeding import seed\n"
    "s = seed(sys.argv[1], dict(os.environ), int(sys.argv[2]), int(sys.argv[3]))\n"
    "print('SEEDED ' + json.dumps(dataclasses.asdict(s)))\n"
)


@contextlib.contextmanager
def worktree(ref: str, workdir: Path) -> Iterator[Path]:
    """A detached git worktree of ``ref`` under ``workdir``, removed when the block ends."""
    path = workdir / "baseline"
    subprocess.run(
        ["git", "-C", str(ROOT), "worktree", "add", "--detach", "--quiet", str(path), ref],
        check=True,
    )
    try:
        yield path
    finally:
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(path)], check=False
        )


def app_env(env: dict[str, str]) -> dict[str, str]:
    """``env`` without a PYTHONPATH that would import this checkout's authserver."""
    return {key: value for key, value in env.items() if key != "PYTHONPATH"}


def seed(checkout: Path, database_url: str, env: dict[str, str], codes: int, tokens: int) -> Seeded:
    """Seed ``database_url`` with the baseline's own schema and seeding code."""
    done = subprocess.run(
        [sys.executable, "-c", _SEED, database_url, str(codes), str(tokens)],
        cwd=checkout,
        env=app_env(env),
        capture_output=True,
        text=True,
    )
    line = next((x for x in done.stdout.splitlines() if x.startswith("SEEDED ")), None)
    if done.returncode or line is None:
        raise RuntimeError(f"seeding the baseline failed:\n{done.stderr[-3000:]}")
    data = json.loads(line[len("SEEDED ") :])
    known = {field.name for field in dataclasses.fields(Seeded)}
    return Seeded(**{key: value for key, value in data.items() if key in known})


def counting_app_exists(checkout: Path) -> bool:
    """Whether the ref has bench/app_cpu.py, to count its CPU as this checkout's is counted."""
    return os.path.exists(checkout / "bench" / "app_cpu.py")
