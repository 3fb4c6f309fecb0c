"""The two grants this server issues tokens by, as Authlib grants with our storage and rules.

- Authorization code (RFC 6749 §4.1, RFC 7636, RFC 9700 §2.1): DESIGN.md's request rules, the
  code consumed atomically in the transaction that stores the tokens, a replay revoking them.
- Refresh token (RFC 6749 §6): rotation on every use, reuse of a rotated token revoking the
  family, scopes narrowed to what the installation still grants.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from authlib.oauth2.rfc6749 import grants
from authlib.oauth2.rfc6749.errors import (
    InvalidGrantError,
    InvalidRequestError,
    InvalidScopeError,
    UnauthorizedClientError,
)
from authlib.oauth2.rfc6749.hooks import hooked
from flask import current_app, g
from sqlalchemy import select, update

from authserver import scopes
from authserver.app_status import AWAITING_REREVIEW, Status, may_authorize, reconsents_only
from authserver.extensions import db
from authserver.models import AuthorizationCode, Installation, Token
from authserver.models.base import utcnow
from authserver.oauth.tokens import Grantor, TokenResponse, store_token, token_row
from authserver.security import audit
from authserver.security.crypto import sha256_hex
from authserver.store import codes
from authserver.store.codes import PresentedCode

CLIENT_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "none"]
UNINSTALLED = "Uninstalled app."
#: Cafe24's words (CAFE24.md §6.3): an unknown, expired, rotated or revoked refresh token, and a
#: code past its minute.
INVALID_REFRESH_TOKEN = "Invalid refresh_token"
CODE_EXPIRED = "Code time expired"


def find_installation(mall, app) -> Installation | None:
    return db.session.scalar(
        select(Installation).where(Installation.mall_pk == mall.id, Installation.app_pk == app.id)
    )


def effective_scopes(requested, installed_scope: str, app) -> list[str]:
    """What a token may carry: ``scopes.usable_scopes`` of the requested scopes, the
    installation's space-separated ``scope`` and the app's current permissions."""
    return list(scopes.usable_scopes(" ".join(requested), installed_scope, app.scope))


def _audit(event: str, client, user_id: str, **detail) -> None:
    """A token-endpoint event on this mall, added to the session's transaction."""
    db.session.execute(audit.INSERT, _audit_row(event, client, user_id, **detail))


def _audit_row(event: str, client, user_id: str, **detail) -> dict:
    """The audit row of a token-endpoint event on this mall."""
    return audit.event_row(
        event, mall_id=g.mall.mall_id, client_id=client.client_id, user_id=user_id, **detail
    )


def refuse_repeated(request, names) -> None:
    """RFC 6749 §3.1: request parameters MUST NOT be included more than once."""
    datalist = request.payload.datalist
    for name in names:
        if len(datalist.get(name, [])) > 1:
            raise InvalidRequestError(f"The '{name}' parameter is repeated.")


class AuthorizationCodeGrant(grants.AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = CLIENT_AUTH_METHODS

    # -- authorization endpoint ---------------------------------------------------------
    @staticmethod
    def validate_no_multiple_request_parameter(request) -> None:
        """Repeats of client_id/redirect_uri are an error page, the rest redirect (see below)."""
        refuse_repeated(request, ("client_id", "redirect_uri"))

    @staticmethod
    def validate_authorization_redirect_uri(request, client) -> str:
        """RFC 6749 §3.1.2.3 and RFC 9700 §4.1.3: required, matched byte for byte.

        Authlib's own messages echo the URI, which breaks on characters RFC 6749 forbids in
        an error description; these never echo input.
        """
        redirect_uri = request.payload.redirect_uri
        if not redirect_uri:
            raise InvalidRequestError("The 'redirect_uri' parameter is required.")
        if not client.check_redirect_uri(redirect_uri):
            raise InvalidRequestError("The redirect_uri is not registered for this app.")
        return redirect_uri

    def validate_requested_scope(self) -> None:
        """Runs once client and redirect URI are valid, so every error here redirects."""
        request = self.request
        refuse_repeated(
            request, ("response_type", "scope", "state", "code_challenge", "code_challenge_method")
        )
        app = request.client
        mall = g.mall
        installation = find_installation(mall, app)
        test_mall = mall.test_mall_of_id == app.developer_id
        if not may_authorize(
            app.status,
            is_developers_test_mall=test_mall,
            installed_on_mall=installation is not None,
            returns_to=app.review_return_status,
        ):
            if app.review_return_status is not None:
                raise UnauthorizedClientError(AWAITING_REREVIEW)
            raise UnauthorizedClientError("This app may not be installed on this mall.")
        requested = scopes.parse_scopes(request.payload.scope)
        if not requested:
            raise InvalidRequestError("The 'scope' parameter is required.")
        if scopes.unknown_scopes(requested) or not set(requested) <= set(app.scopes):
            raise InvalidScopeError("The requested scope is not among the app's permissions.")
        if (
            reconsents_only(app.status, app.review_return_status, is_developers_test_mall=test_mall)
            and installation is not None
            and not set(requested) <= set(installation.scope.split())
        ):
            # DESIGN.md "Who may authorize": a sold app, or one waiting for a re-review,
            # re-consents only to scopes it holds.
            if app.status == Status.SOLD:
                raise InvalidScopeError(
                    "A sold app may only re-consent to the scopes it holds here."
                )
            raise InvalidScopeError(
                "This app is back under review: it may only re-consent to the scopes it holds "
                "here until the platform approves it again."
            )

    def save_authorization_code(self, code: str, request) -> None:
        """Store the code and record or extend the installation, in one transaction."""
        operator = request.user
        app = request.client
        data = request.payload.data
        installation = find_installation(g.mall, app)
        if installation is None:
            installation = Installation(
                mall_pk=g.mall.id, app_pk=app.id, scope="", operator_user_id=operator.user_id
            )
            db.session.add(installation)
        installation.grant(request.scope.split())
        installation.operator_user_id = operator.user_id
        db.session.add(
            AuthorizationCode(
                code_hash=sha256_hex(code),
                app_pk=app.id,
                mall_pk=g.mall.id,
                user_id=operator.user_id,
                redirect_uri=request.payload.redirect_uri,
                scope=request.scope,
                code_challenge=data.get("code_challenge"),
                code_challenge_method=data.get("code_challenge_method"),
                expires_at=utcnow() + timedelta(seconds=current_app.config["AUTHSERVER_CODE_TTL"]),
            )
        )
        audit.record(
            "consent",
            actor=f"operator:{operator.user_id}",
            mall_id=g.mall.mall_id,
            client_id=app.client_id,
            scope=request.scope,
        )
        db.session.commit()

    # -- token endpoint -----------------------------------------------------------------
    def query_authorization_code(self, code: str, client) -> PresentedCode | None:
        # Usually read with the mall and the app in one statement (store.prime).
        item = codes.find(code)
        if item is None or item.app_pk != client.id or item.mall_pk != g.mall.id:
            return None
        if not item.unexpired:  # models.AuthorizationCode.unexpired, decided in the lookup
            raise InvalidGrantError(CODE_EXPIRED)
        return item

    def authenticate_user(self, authorization_code: PresentedCode) -> Grantor:
        if authorization_code.installed_scope is None:
            raise InvalidGrantError(UNINSTALLED)
        return Grantor(g.mall, authorization_code.user_id)

    @hooked
    def create_token_response(self):
        """RFC 6749 §4.1.4, with the code consumed in the transaction that stores the tokens.

        Runs after client authentication, the redirect URI and PKCE checks, so an invalid
        request never uses the code up. Losing the conditional update means the code was used
        before (a replay or a concurrent redemption): the tokens issued from it are revoked
        (RFC 6749 §10.5, RFC 9700 §4.5).
        """
        client = self.request.client
        code: PresentedCode = self.request.authorization_code
        grantor = self.authenticate_user(code)
        self.request.user = grantor
        # The token is made before the code is consumed, so that from the consume to the
        # commit the transaction (which on SQLite holds the database's only write lock) runs
        # only the writes; store.codes.redeem makes it again should the installation have
        # changed in between.
        issued: list[TokenResponse] = []

        def make_rows(installed_scope: str) -> tuple[dict[str, Any], dict[str, Any]]:
            token, row = self._new_token(code, installed_scope, grantor)
            issued.append(token)
            event = _audit_row(
                "token_issued", client, grantor.user_id, grant_type="authorization_code"
            )
            return row, event

        redeemed = codes.redeem(code, make_rows)
        if redeemed.written:
            return 200, issued[-1], self.TOKEN_RESPONSE_HEADER
        if not redeemed.won:
            # A replay or a lost concurrent redemption: RFC 6749 §10.5, RFC 9700 §4.5.
            Token.revoke_where(Token.code_pk == code.id)
            _audit("code_replay", client, code.user_id)
            db.session.commit()
            raise InvalidGrantError("The authorization code was already used.")
        raise InvalidGrantError(UNINSTALLED)  # uninstalled since the code was looked up

    def _new_token(
        self, code: PresentedCode, installed_scope: str, grantor: Grantor
    ) -> tuple[TokenResponse, dict[str, Any]]:
        """The token response for ``code``'s scopes that the installation still grants, and
        its row for ``tokens.INSERT``."""
        client = self.request.client
        requested = code.get_scope().split()
        granted = " ".join(effective_scopes(requested, installed_scope, client))
        token = self.generate_token(user=grantor, scope=granted, include_refresh_token=True)
        row = token_row(token, client=client, grantor=grantor, grant_scope=granted, code_pk=code.id)
        return token, row


class RefreshTokenGrant(grants.RefreshTokenGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = CLIENT_AUTH_METHODS
    INCLUDE_NEW_REFRESH_TOKEN = True

    def authenticate_refresh_token(self, refresh_token: str) -> Token | None:
        row = Token.by_refresh_token(refresh_token)
        client = self.request.client
        if row is None or row.app_pk != client.id or row.mall_pk != g.mall.id:
            # Raised here: Authlib's own error for a refresh token it was not given has no
            # description, and a Cafe24 client reads one.
            raise InvalidGrantError(INVALID_REFRESH_TOKEN)
        installation = find_installation(g.mall, client)
        if installation is None:
            raise InvalidGrantError(UNINSTALLED)
        self.request.installation = installation
        self.request.grace_successor = None
        if row.rotated_at is not None and row.refresh_revoked_at is None:
            successor = _grace_successor(row)
            if successor is None:
                self._revoke_family(row)
            self.request.grace_successor = successor
            return row
        if not row.is_refresh_active():
            raise InvalidGrantError(INVALID_REFRESH_TOKEN)
        return row

    def _revoke_family(self, row: Token) -> None:
        """RFC 9700 §4.14.2: a rotated-out refresh token came back; revoke the whole grant."""
        Token.revoke_where(Token.family_id == row.family_id)
        _audit("refresh_reuse", self.request.client, row.user_id)
        db.session.commit()
        raise InvalidGrantError(INVALID_REFRESH_TOKEN)  # Cafe24's words for a rotated one

    def authenticate_user(self, refresh_token: Token) -> Grantor:
        return Grantor(g.mall, refresh_token.user_id)

    @hooked
    def create_token_response(self):
        """RFC 6749 §6 with rotation in one transaction: the old refresh token is marked
        rotated by a conditional update, so of concurrent refreshes at most one succeeds, and
        a failure before the commit leaves the old refresh token usable."""
        old: Token = self.request.refresh_token
        client = self.request.client
        grantor = self.authenticate_user(old)
        self.request.user = grantor
        # The installation authenticate_refresh_token found. An uninstall committed since then
        # revoked the old row, so the rotation below fails; one still running waits for the
        # rotation's row lock and revokes the new row too (Token.revoke_where).
        installation = self.request.installation
        requested = scopes.parse_scopes(self.request.payload.scope) or old.grant_scope.split()
        access_scope = effective_scopes(requested, installation.scope, client)
        grant_scope = effective_scopes(old.grant_scope.split(), installation.scope, client)
        if not access_scope:
            raise InvalidScopeError("The app no longer holds any of these permissions.")
        successor = self.request.grace_successor
        retired = _retire_for_retry(old, successor) if successor else _rotate(old)
        if not retired:
            if successor is None and current_app.config["AUTHSERVER_REFRESH_GRACE_SECONDS"] <= 0:
                # Lost a concurrent refresh: a second use of the token, as a loser arriving
                # after the winner's commit is (DESIGN.md: the rule for codes). revoke_where's
                # second pass sees the winner's committed row.
                self._revoke_family(old)
            raise InvalidGrantError(INVALID_REFRESH_TOKEN)
        token = self.generate_token(user=grantor, scope=" ".join(access_scope))
        store_token(
            token,
            client=client,
            grantor=grantor,
            grant_scope=" ".join(grant_scope),
            family_id=old.family_id,
            parent=old,
            code_pk=old.code_pk,
        )
        _audit("token_issued", client, grantor.user_id, grant_type="refresh_token")
        db.session.commit()
        return 200, token, self.TOKEN_RESPONSE_HEADER


def _grace_successor(row: Token) -> Token | None:
    """The live successor of a rotated refresh token presented again within the grace window.

    A client that lost the response to a refresh may retry once with the previous refresh token
    (FAPI 2.0; Hydra, Cognito and Curity call it a grace period). ``None`` outside the window
    (``AUTHSERVER_REFRESH_GRACE_SECONDS``, default 0 as at Cafe24), after one retry already,
    or when the successor was itself used or revoked: then it is reuse, and the family goes.
    """
    grace = current_app.config["AUTHSERVER_REFRESH_GRACE_SECONDS"]
    now = utcnow()
    if (
        grace <= 0
        or row.reused_at is not None
        or now - row.rotated_at > timedelta(seconds=grace)
        or row.refresh_expires_at is None
        or row.refresh_expires_at <= now
    ):
        return None
    successor = db.session.scalar(
        select(Token).where(Token.parent_id == row.id).order_by(Token.id.desc()).limit(1)
    )
    if successor is None or not successor.is_refresh_active(now):
        return None
    return successor


def _retire_for_retry(old: Token, successor: Token) -> bool:
    """Spend the one grace retry and revoke the successor it replaces, so a family never has
    two live refresh tokens; ``False`` when a concurrent request got there first."""
    now = utcnow()
    spent = db.session.execute(
        update(Token).where(Token.id == old.id, Token.reused_at.is_(None)).values(reused_at=now)
    )
    replaced = db.session.execute(
        update(Token)
        .where(
            Token.id == successor.id,
            Token.refresh_revoked_at.is_(None),
            Token.rotated_at.is_(None),
        )
        .values(access_revoked_at=now, refresh_revoked_at=now)
    )
    return spent.rowcount == 1 and replaced.rowcount == 1


def _rotate(row: Token) -> bool:
    """Mark a refresh token rotated; ``False`` when a concurrent refresh got there first."""
    result = db.session.execute(
        update(Token)
        .where(Token.id == row.id, Token.rotated_at.is_(None), Token.refresh_revoked_at.is_(None))
        .values(rotated_at=utcnow())
    )
    return result.rowcount == 1
