"""Token revocation (RFC 7009), and revoking every token of an installation (uninstall).

Authlib's RevocationEndpoint with its defaults fixed (SECURITY.md §4.6): Cafe24's
``token_hint`` is read as well as ``token_type_hint``, an unknown hint is ignored and both kinds
are searched; a token of another app is ``unauthorized_client`` for a confidential client and
stays untouched (RFC 7009 §2.1); an unknown token is a 200, and so is a token a public client
(native app, ``client_id`` alone) did not get, and a token of another mall: such a caller proves
nothing, and the answer must not tell it that the token exists (issue 16 items 9 and 12). Every
revocation is counted against the call limits (``endpoint_limits.py``). Revoking either token
of a pair revokes the whole grant it belongs to (its token family: every access and refresh
token issued from one authorization code and its refreshes; RFC 7009 §2.1, DESIGN.md
"Lifetimes and rotation").
"""

from __future__ import annotations

from authlib.oauth2.rfc6749.errors import UnauthorizedClientError
from authlib.oauth2.rfc7009 import RevocationEndpoint
from flask import g
from sqlalchemy import update

from authserver.extensions import db
from authserver.models import AuthorizationCode, Token
from authserver.models.base import utcnow
from authserver.oauth.endpoint_limits import limit_calls
from authserver.oauth.grants import CLIENT_AUTH_METHODS
from authserver.oauth.introspection import require_single_token
from authserver.oauth.token_lookup import FoundToken, find_token, token_hint
from authserver.security import audit


def revoke_grant(row: Token) -> int:
    """Revoke every token of ``row``'s family (access and refresh, all rotations)."""
    return Token.revoke_where(Token.family_id == row.family_id)


def revoke_installation_tokens(mall_pk: int, app_pk: int) -> int:
    """Revoke every token of one (mall, app) and use up its outstanding codes, in the caller's
    transaction; the caller deletes the installation first and commits once.

    Marking the codes used makes a concurrent code redemption either lose (its conditional
    update finds the code used) or commit before the token pass below, which then sees it.
    """
    db.session.execute(
        update(AuthorizationCode)
        .where(
            AuthorizationCode.app_pk == app_pk,
            AuthorizationCode.mall_pk == mall_pk,
            AuthorizationCode.used_at.is_(None),
        )
        .values(used_at=utcnow())
    )
    return Token.revoke_where(Token.app_pk == app_pk, Token.mall_pk == mall_pk)


class Revocation(RevocationEndpoint):
    """RFC 7009 §2 at ``/malls/<mall_id>/api/v2/oauth/revoke``.

    Client authentication as at the token endpoint: web apps with HTTP Basic or
    ``client_id``/``client_secret`` in the body (one of them), native apps with ``client_id``
    alone (a public client's token is its own proof, RFC 7009 §5).
    """

    CLIENT_AUTH_METHODS = CLIENT_AUTH_METHODS

    def check_params(self, request, client) -> None:
        """``token`` required once; any hint value is accepted (unknown ones are ignored)."""
        require_single_token(request.form)

    def query_token(self, token_string: str, token_type_hint: str | None) -> FoundToken | None:
        return find_token(token_string, token_type_hint)

    def authenticate_endpoint_client(self, request):
        """The client, then the call limits: a throttled call looks nothing up."""
        client = super().authenticate_endpoint_client(request)
        limit_calls("revoke", client.client_id)
        return client

    def authenticate_token(self, request, client) -> FoundToken | None:
        """RFC 7009 §2.1: the token must have been issued to the requesting client; if not,
        an authenticated (confidential) client is refused (400 ``unauthorized_client``) and
        a public one gets the unknown token's 200; nothing is revoked either way. A token of
        another mall is unknown at this mall's endpoint (tokens belong to one mall)."""
        self.check_params(request, client)
        found = self.query_token(request.form["token"], token_hint(request.form))
        if found is None or found.mall_id != g.mall.mall_id:
            return None
        if found.row.app_pk != client.id:
            if client.is_public:
                return None
            raise UnauthorizedClientError("The token was not issued to this client.")
        return found

    def revoke_token(self, token: FoundToken, request) -> None:
        row = token.row
        count = revoke_grant(row)
        audit.record(
            "token_revoked",
            actor=f"app:{request.client.client_id}",
            mall_id=token.mall_id,
            client_id=request.client.client_id,
            user_id=row.user_id,
            token_type=token.kind,
            rows=count,
        )
        db.session.commit()
