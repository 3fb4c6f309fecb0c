"""Brute-force limits on failed logins and failed client authentication (SECURITY.md 21, R10).

RFC 6749 §2.3.1 and RFC 7009 §5: endpoints that check a password or client secret MUST resist
guessing. Only failures count, so correct credentials are never slowed (a busy app with the
right secret is never throttled). Each attempt names an account (``developer:<email>``,
``operator:<mall>:<user id>``, ``reviewer:<email>``, ``client:<client_id>``) and comes from an
address; three leaky buckets (``security/ratelimit.py``: shared by the machine's workers, or by
every node through Redis) count failures:

- per (account, address), small: one attacker on one account is stopped after a few guesses,
  and nobody else is affected;
- per address, loose: one address trying many accounts (credential stuffing);
- per account, loose: many addresses guessing one account.

A refused attempt (429 with ``Retry-After``) is never checked, so it reveals nothing. Every
bucket drains one failure per ``AUTHSERVER_AUTH_FAILURE_DRAIN_SECONDS``, so a full bucket
admits another attempt within that time: every lockout is short and bounded. And an attacker
cannot lock the real user out through the per-account or per-address bucket: an (account,
address) pair that has logged in successfully in the last 30 days is "known" and only its own
failures count against it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from functools import lru_cache
from typing import Any, NamedTuple

from flask import Flask, current_app, request

from authserver.platform.i18n import N_
from authserver.security import ratelimit

#: How long a successful (account, address) pair stays exempt from the shared buckets.
KNOWN_PAIR_SECONDS = 30 * 24 * 3600


class Verdict(NamedTuple):
    """Whether an attempt may be checked at all, and if not, for how long to wait (a named
    tuple: every client authentication makes one)."""

    allowed: bool
    retry_after: int
    known: bool


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def _buckets(
    account: str, address: str, config: Mapping[str, Any]
) -> tuple[tuple[ratelimit.Bucket, ...], ratelimit.Bucket]:
    return _bucket_set(
        ratelimit.key_prefix(config),
        config["AUTHSERVER_AUTH_FAILURES_PER_ACCOUNT_AND_ADDRESS"],
        config["AUTHSERVER_AUTH_FAILURES_PER_ADDRESS"],
        config["AUTHSERVER_AUTH_FAILURES_PER_ACCOUNT"],
        float(config["AUTHSERVER_AUTH_FAILURE_DRAIN_SECONDS"]),
        account,
        address,
    )


# Every client authentication (each introspection call, each token request) asks for the
# buckets of its (account, address): built once per pair and configuration, not per call.
@lru_cache(maxsize=4096)
def _bucket_set(
    prefix: str,
    per_pair: int,
    per_address: int,
    per_account: int,
    drain_seconds: float,
    account: str,
    address: str,
) -> tuple[tuple[ratelimit.Bucket, ...], ratelimit.Bucket]:
    rate = 1 / max(drain_seconds, 0.001)
    who, where = _digest(account), _digest(address)
    failures = (  # a tuple: the cached set is shared by every caller
        ratelimit.Bucket(
            ratelimit.key_with(prefix, "auth-fail", "pair", who, where), per_pair, rate
        ),
        ratelimit.Bucket(
            ratelimit.key_with(prefix, "auth-fail", "address", where), per_address, rate
        ),
        ratelimit.Bucket(
            ratelimit.key_with(prefix, "auth-fail", "account", who), per_account, rate
        ),
    )
    known = ratelimit.Bucket(
        ratelimit.key_with(prefix, "auth-known", who, where), 1, 1 / KNOWN_PAIR_SECONDS
    )
    return failures, known


def source_address() -> str:
    """The client's address (``ProxyFix`` sets it from trusted proxies only)."""
    return request.remote_addr or "unknown"


def _app() -> Flask:
    """The current app, for its configuration and its limiter."""
    return current_app


def check(account: str) -> Verdict:
    """May this attempt on ``account`` from this request's address be checked now?"""
    app = _app()
    config = app.config
    failures, known = _buckets(account, source_address(), config)
    limiter = ratelimit.buckets(app)
    # A known pair is bound by its own bucket alone, so the shared buckets are read only for a
    # pair that is not known: a caller with the right credentials (every introspection call of
    # a gateway) reads two buckets, not four; an unknown pair reads all four in two calls.
    pair, known_level = limiter.pour([failures[0], known], amount=0, config=config)
    is_known = known_level.level > 0
    wait = failures[0].retry_after(pair.level)
    if not is_known:
        poured = limiter.pour(failures[1:], amount=0, config=config)
        shared = zip(failures[1:], poured, strict=True)
        wait = max(wait, *(bucket.retry_after(level.level) for bucket, level in shared))
    return Verdict(wait == 0, wait, is_known)


def failed(account: str) -> None:
    """Count a failed attempt on ``account`` from this request's address."""
    app = _app()
    failures, _ = _buckets(account, source_address(), app.config)
    ratelimit.buckets(app).pour(failures, amount=1, config=app.config)


def succeeded(account: str, verdict: Verdict | None = None) -> None:
    """Remember the (account, address) pair as known (nothing to do when it already is)."""
    if verdict is not None and verdict.known:
        return
    app = _app()
    _, known = _buckets(account, source_address(), app.config)
    ratelimit.buckets(app).pour([known], amount=1, config=app.config)


#: Marked for the catalogue: the mall admin's login shows it translated.
TOO_MANY_ATTEMPTS = N_("Too many failed attempts. Wait a moment and try again.")


def retry_headers(verdict: Verdict) -> dict[str, str]:
    return {"Retry-After": str(verdict.retry_after)}
