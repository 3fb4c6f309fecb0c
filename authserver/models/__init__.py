"""The data model: accounts, malls and installations, apps, grants and tokens, audit events."""

from .accounts import Developer, Operator, Reviewer
from .apps import App
from .audit import AuditEvent
from .base import utcnow
from .gateways import GatewayClient
from .grants import AuthorizationCode, AuthorizationRequest, Token
from .malls import Installation, Mall
from .signing_keys import SigningKey

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
