"""The peer target: node-oidc-provider's introspection (bench/peer/), started on a free port.

The npm package is pinned in bench/peer/package.json and package-lock.json; ``npm ci`` runs
here when node_modules is missing. The provider keeps its tokens in its in-memory store and
mints one at start (bench/peer/server.mjs), which the introspection scenario sends.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from bench.harness import Server, free_port, stop
from bench.seeding import Seeded

PEER = Path(__file__).resolve().parent / "peer"


def start(workdir: Path) -> Server:
    """``node bench/peer/server.mjs <port>``, once it has printed its client and token."""
    if not shutil.which("node"):
        raise RuntimeError("the peer needs Node.js (node and npm) on PATH")
    if not (PEER / "node_modules" / "oidc-provider").is_dir():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--silent"], cwd=PEER, check=True)
    port = free_port()
    log = workdir / f"peer-{port}.log"
    with log.open("wb") as err:
        process = subprocess.Popen(
            ["node", "server.mjs", str(port)],
            cwd=PEER,
            stdout=subprocess.PIPE,
            stderr=err,
            start_new_session=True,
        )
    line = process.stdout.readline() if process.stdout else b""
    if not line:
        stop(process)
        raise RuntimeError(f"the peer did not start:\n{log.read_text()[-2000:]}")
    started = json.loads(line)
    seeded = Seeded(
        gateway_id=started["client_id"],
        gateway_secret=started["client_secret"],
        access_token=started["token"],
        codes=[],
    )
    app_cpu_dir = workdir / "peer-app-cpu"  # stays empty: no WSGI app to count in
    app_cpu_dir.mkdir()
    return Server(
        "peer",
        process,
        f"http://127.0.0.1:{port}",
        {},
        seeded,
        app_cpu_dir,
        paths={"introspection": started["path"]},
    )
