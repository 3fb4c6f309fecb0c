"""bench/run.py's report: medians of the rounds, and ratios between targets of the same rounds."""

from __future__ import annotations

import os
import platform
import runpy
import statistics
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: issue 17: the new code reaches this share of the baseline in every scenario.
BASELINE_GOAL = 0.85
#: issue 17's latency goal for every read at 32 connections.
READ_P99_MS = 30.0


def summarise(rounds: list[dict]) -> dict:
    """Medians over the rounds, errors summed, notes joined."""
    summary = {
        key: statistics.median(r[key] for r in rounds) for key in ("rps", "p50_ms", "p99_ms")
    }
    for key in ("app_us", "server_us", "machine_us"):
        if all(key in r for r in rounds):
            summary[key] = statistics.median(r[key] for r in rounds)
    summary["errors"] = sum(r["errors"] for r in rounds)
    summary["note"] = "; ".join(sorted({r["note"] for r in rounds if r.get("note")}))
    return summary


def ratio(mine: list[dict], theirs: list[dict]) -> tuple[float, float, float]:
    """Median, lowest and highest of the per-round ratios (each round: runs seconds apart)."""
    ratios = [m["rps"] / t["rps"] for m, t in zip(mine, theirs, strict=True)]
    return statistics.median(ratios), min(ratios), max(ratios)


def fmt(result: dict) -> str:
    cpu = f"  CPU/req {cpu_text(result)}" if "server_us" in result else ""
    return (
        f"{result['rps']:8.0f} req/s  p50 {result['p50_ms']:6.1f} ms  "
        f"p99 {result['p99_ms']:6.1f} ms  errors {result['errors']}{cpu}"
    )


def cpu_text(result: dict) -> str:
    """CPU µs per request: in the WSGI app / the target's processes / the whole machine."""
    if "server_us" not in result:
        return "-"
    app = f"{result['app_us']:.0f}" if "app_us" in result else "-"
    return f"{app} / {result['server_us']:.0f} / {result['machine_us']:.0f}"


def server_settings(env: dict[str, str]) -> str:
    """The production server's settings every Python target ran with (deploy/serve.py)."""
    settings = runpy.run_path(str(ROOT / "deploy" / "serve.py"))["settings"]({**os.environ, **env})
    return (
        f"granian via deploy/serve.py: {settings['workers']} workers, "
        f"{settings['blocking_threads']} threads, backpressure {settings['backpressure']}"
    )


def _range(value: tuple[float, float, float]) -> str:
    return f"{value[0]:.2f} ({value[1]:.2f}-{value[2]:.2f})"


def render(rounds: dict, targets: list[str], scenarios: list, limiter: dict, args) -> str:
    reads = {s.name for s in scenarios if s.method == "GET" or s.name == "introspection"}
    lines = [
        "# Benchmark results",
        "",
        f"`python bench/run.py --seconds {args.seconds} --connections {args.connections} "
        f"--repeat {args.repeat}"
        + (f" --baseline {args.baseline}" if args.baseline else "")
        + "".join(f" --env {k}={v}" for k, v in args.env.items())
        + f"` on {platform.platform()}, {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}, load from {args.load} on the same machine, "
        f"{server_settings(args.env)}, {args.tokens} live tokens, "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.",
        "",
        f"Medians of {args.repeat} rounds; each round loads every target in turn, so a ratio "
        "compares runs seconds apart; the range in brackets shows how noisy the machine was. "
        "CPU µs/req: inside the WSGI app (bench/app_cpu.py) / the target's processes / the "
        "whole machine (wrk and PostgreSQL's server included).",
        "",
        "| target | scenario | req/s | p50 ms | p99 ms | errors | ratio to bare | CPU µs/req |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for target in targets:
        for scenario in scenarios:
            mine = rounds.get((target, scenario.name))
            if not mine:
                continue
            r = summarise(mine)
            bare = rounds.get(("bare", scenario.name))
            to_bare = _range(ratio(mine, bare)) if bare and target != "bare" else "-"
            note = f" ({r['note']})" if r.get("note") else ""
            slow = " (over 30)" if scenario.name in reads and r["p99_ms"] > READ_P99_MS else ""
            lines.append(
                f"| {target} | {scenario.name} | {r['rps']:.0f} | {r['p50_ms']:.1f} "
                f"| {r['p99_ms']:.1f}{slow} | {r['errors']}{note} | {to_bare} | {cpu_text(r)} |"
            )
    pairs = [(t, f"baseline-{t}") for t in ("sqlite", "postgresql") if f"baseline-{t}" in targets]
    if pairs:
        lines += [
            "",
            f"New / baseline ({args.baseline}), same server and settings; goal {BASELINE_GOAL}:",
            "",
            "| database | scenario | new / baseline (range) | goal |",
            "| --- | --- | ---: | --- |",
        ]
        for new, old in pairs:
            for scenario in scenarios:
                mine, theirs = rounds.get((new, scenario.name)), rounds.get((old, scenario.name))
                if mine and theirs:
                    value = ratio(mine, theirs)
                    met = "met" if value[0] >= BASELINE_GOAL else "MISSED"
                    lines.append(f"| {new} | {scenario.name} | {_range(value)} | {met} |")
    peer = rounds.get(("peer", "introspection"))
    if peer:
        lines += [
            "",
            "Introspection / node-oidc-provider (in-memory store, one process):",
            "",
        ]
        for target in ("sqlite", "postgresql", "baseline-sqlite", "baseline-postgresql"):
            mine = rounds.get((target, "introspection"))
            if mine:
                lines.append(f"- {target} / peer: {_range(ratio(mine, peer))}")
    if limiter:
        lines += ["", "Rate limiter (bucket 40, 2/s, Redis shared by the workers):", ""]
        lines += [f"- {target}: {text}" for target, text in limiter.items()]
    return "\n".join(lines) + "\n"
