"""Operator sessions, one per mall: an operator of mall A is nobody on mall B."""

from __future__ import annotations

from flask import session

from authserver.extensions import db
from authserver.models import Mall, Operator
from authserver.models.accounts import check_unknown_account_password

_SESSION_KEY = "operators"


def current_operator(mall: Mall) -> Operator | None:
    """The operator signed in on ``mall`` by this session: ``[pk, epoch]``, valid while the
    epoch is the operator's current one (``Operator.end_sessions``)."""
    signed_in = session.get(_SESSION_KEY, {}).get(mall.mall_id)
    if not isinstance(signed_in, list) or len(signed_in) != 2:
        return None  # nobody, or a session from before epochs
    operator_pk, epoch = signed_in
    operator = db.session.get(Operator, operator_pk)
    if operator is None or operator.mall_pk != mall.id or operator.session_epoch != epoch:
        return None
    return operator


def authenticate(mall: Mall, user_id: str, password: str) -> Operator | None:
    operator = db.session.scalar(
        db.select(Operator).where(Operator.mall_pk == mall.id, Operator.user_id == user_id)
    )
    if operator is None:
        check_unknown_account_password(password)
        return None
    return operator if operator.check_password(password) else None


def log_in(operator: Operator) -> None:
    """Sign ``operator`` in on a rotated session (SECURITY.md item 37): the CSRF token from
    before the login is replaced; other logins and pending consent pages are kept. Permanent,
    so it ends ``AUTHSERVER_SESSION_IDLE_SECONDS`` after the last request."""
    session.pop("csrf_token", None)
    session.permanent = True
    signed_in = dict(session.get(_SESSION_KEY, {}))
    signed_in[operator.mall.mall_id] = [operator.id, operator.session_epoch]
    session[_SESSION_KEY] = signed_in


def log_out(mall: Mall) -> None:
    """Log out of ``mall``: the operator's epoch moves on, which ends every session of this
    operator (a copied cookie, other browsers); logins on other malls are kept."""
    operator = current_operator(mall)
    if operator is not None:
        operator.end_sessions()
        db.session.commit()
    signed_in = dict(session.get(_SESSION_KEY, {}))
    signed_in.pop(mall.mall_id, None)
    session[_SESSION_KEY] = signed_in
