"""The data model: accounts, malls and installations, apps, grants and tokens, audit events."""

from authserver.models.accounts import Developer, Operator, Reviewer
from authserver.models.apps import App
from authserver.models.audit import AuditEvent
from authserver.models.base import utcnow
from authserver.models.gateways import GatewayClient
from authserver.models.grants import AuthorizationCode, AuthorizationRequest, Token
from authserver.models.malls import Installation, Mall
from authserver.models.signing_keys import SigningKey

__all__ = [
    "App",
    "AuditEvent",
    "AuthorizationCode",
    "AuthorizationRequest",
    "Developer",
    "GatewayClient",
    "Installation",
    "Mall",
    "Operator",
    "Reviewer",
    "SigningKey",
    "Token",
    "utcnow",
]
