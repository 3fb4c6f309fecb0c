"""Call limits on revocation and introspection, and the 429 ``slow_down`` of every OAuth limit.

Revocation answers differently for an existing token and an unknown string to some callers
(RFC 7009 §2.1: a confidential client's request for another app's token is refused), and a
public client authenticates with its ``client_id`` alone (RFC 7009 §5 asks the server to resist
token guessing): so every revocation, and every introspection by an app, pours one unit into a
leaky bucket per (endpoint, client_id) and one per (endpoint, address) (``security/ratelimit.py``,
shared through Redis when configured; SECURITY.md R10, issue 16 item 9). Gateways introspect
thousands of tokens a second and are behind the failed-credential limits, so they are exempt.
"""

from __future__ import annotations

from authlib.oauth2 import OAuth2Error
from flask import current_app

from authserver.security import bruteforce, ratelimit

TOO_MANY_CALLS = "Too many requests. Wait a moment and try again."


class SlowDown(OAuth2Error):
    """429 with ``Retry-After``: too many failed client authentications
    (``security/bruteforce.py``) or too many calls (:func:`limit_calls`). ``slow_down`` is
    RFC 8628's name for "poll less often"; no RFC 6749 error fits a rate limit, and
    ``invalid_client`` would tell the client its credentials are wrong."""

    error = "slow_down"
    status_code = 429

    def __init__(self, retry_after: int, description: str = bruteforce.TOO_MANY_ATTEMPTS):
        super().__init__(description=description)
        self.retry_after = retry_after

    def get_headers(self):
        return [*super().get_headers(), ("Retry-After", str(self.retry_after))]


def limit_calls(endpoint: str, client_id: str) -> None:
    """Count one call of an authenticated ``client_id`` at ``endpoint`` (``"revoke"`` or
    ``"introspect"``) from this request's address; raise :class:`SlowDown` when either bucket
    is full. Called before the token is looked up, so a refused call reveals and changes
    nothing."""
    config = current_app.config
    size = config["AUTHSERVER_TOKEN_ENDPOINT_BUCKET_SIZE"]
    rate = float(config["AUTHSERVER_TOKEN_ENDPOINT_LEAK_PER_SECOND"])
    prefix = ratelimit.key_prefix(config)
    address = bruteforce.source_address()
    buckets = [
        ratelimit.Bucket(
            ratelimit.key_with(prefix, "calls", endpoint, "client", client_id), size, rate
        ),
        ratelimit.Bucket(
            ratelimit.key_with(prefix, "calls", endpoint, "address", address), size, rate
        ),
    ]
    poured = ratelimit.buckets().pour(buckets, amount=1, config=config)
    refused = [
        b.retry_after(p.level) for b, p in zip(buckets, poured, strict=True) if not p.allowed
    ]
    wait = max(refused, default=0)
    if wait:
        raise SlowDown(wait, TOO_MANY_CALLS)
