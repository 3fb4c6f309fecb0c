"""PKCE (RFC 7636) as this project requires it: S256 only, required for native apps.

Authlib's CodeChallenge accepts ``plain``, defaults a missing method to ``plain`` and does not
require a challenge at the authorization endpoint (SECURITY.md §4.3). Here a challenge must
come with ``code_challenge_method=S256``; native apps must send one, and with
``AUTHSERVER_REQUIRE_PKCE=all`` every app must. The token-side checks are Authlib's: a missing
verifier is ``invalid_request``, a wrong one ``invalid_grant``, a verifier without a stored
challenge (a downgrade, RFC 9700 §4.8.2) ``invalid_request``.
"""

from __future__ import annotations

from authlib.oauth2.rfc6749.errors import InvalidRequestError
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oauth2.rfc7636.challenge import CODE_CHALLENGE_PATTERN
from flask import current_app


class S256CodeChallenge(CodeChallenge):
    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]
    DEFAULT_CODE_CHALLENGE_METHOD = "S256"

    def validate_code_challenge(self, grant, redirect_uri) -> None:
        data = grant.request.payload.data
        challenge = data.get("code_challenge")
        method = data.get("code_challenge_method")
        if not challenge and not method:
            if self.is_required(grant.request.client):
                raise InvalidRequestError(
                    "PKCE is required: send code_challenge with code_challenge_method=S256."
                )
            return
        if not challenge:
            raise InvalidRequestError("Missing 'code_challenge'.")
        if not CODE_CHALLENGE_PATTERN.fullmatch(challenge):
            raise InvalidRequestError("Invalid 'code_challenge'.")
        if method != "S256":
            raise InvalidRequestError("The 'code_challenge_method' must be S256.")

    @staticmethod
    def is_required(client) -> bool:
        return client.is_public or current_app.config["AUTHSERVER_REQUIRE_PKCE"] == "all"
