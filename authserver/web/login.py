"""Flask-Login for the Developer Center and the review console (operators sign in per mall)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import abort, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user
from flask_wtf import FlaskForm
from sqlalchemy import select

from authserver.extensions import db, login_manager
from authserver.models import Developer, Reviewer
from authserver.models.accounts import check_unknown_account_password
from authserver.platform.redirects import current_path, safe_next
from authserver.security import audit, bruteforce

_ACCOUNT_KINDS = {"developer": Developer, "reviewer": Reviewer}


@login_manager.user_loader
def load_account(session_id: str) -> Developer | Reviewer | None:
    """The account of a session ``kind:pk:epoch``; none once the account's epoch moved on
    (logged out, new password, ended by staff) or for a session from before epochs."""
    kind, pk, epoch = (session_id.split(":") + ["", ""])[:3]
    model = _ACCOUNT_KINDS.get(kind)
    if model is None or not pk.isdigit() or not epoch.isdigit():
        return None
    account = db.session.get(model, int(pk))
    if account is None or account.session_epoch != int(epoch):
        return None
    return account


# -- shared by the Developer Center and the review console ------------------------------------
#: Flask-Login's keys and the CSRF token: replaced on every login, so nothing from before the
#: login (a planted session, an old form token) survives it. Other keys (mall operator logins,
#: pending consents) are kept.
_ROTATED_KEYS = ("_user_id", "_fresh", "_id", "_remember", "_remember_seconds", "csrf_token")


def start_session(account: Developer | Reviewer) -> None:
    """Log ``account`` in on a rotated session (SECURITY.md item 37).

    The session is permanent: it lasts ``AUTHSERVER_SESSION_IDLE_SECONDS`` after the last
    request (Flask refreshes the cookie on each one and refuses an older signature).
    """
    for key in _ROTATED_KEYS:
        session.pop(key, None)
    session.permanent = True
    login_user(account)


def email_login(model: type[Developer | Reviewer], form: FlaskForm, template: str, home: str):
    """The login view of the Developer Center and of the review console (email + password).

    Behind the brute-force limits (``security/bruteforce.py``: 429 with the form while too many
    attempts failed, only failures count); the session is rotated at login; ``next`` only to a
    path on this site; every success and failure audited. A refused submission is the form
    again, 400.
    """
    kind = model.__tablename__.removesuffix("s")
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if form.validate_on_submit():
        account = f"{kind}:{form.email.data}"
        verdict = bruteforce.check(account)
        if not verdict.allowed:
            form.password.errors.append(bruteforce.TOO_MANY_ATTEMPTS)
            return render_template(template, form=form), 429, bruteforce.retry_headers(verdict)
        user = db.session.scalar(select(model).where(model.email == form.email.data))
        if user is None:
            check_unknown_account_password(form.password.data)
        elif user.check_password(form.password.data):
            bruteforce.succeeded(account, verdict)
            start_session(user)
            audit.record("login", actor=f"{kind}:{user.email}")
            db.session.commit()
            return redirect(safe_next(form.next.data, url_for(home)), code=303)
        bruteforce.failed(account)
        audit.record("login_failed", actor=f"{kind}:{form.email.data[:254]}")
        db.session.commit()
        form.password.errors.append("Wrong email or password.")
    return render_template(template, form=form), 400 if form.errors else 200


def end_session() -> None:
    """Log out: the account's epoch moves on, which ends every session of the account (a copy
    of this cookie, other browsers), not only this one."""
    if current_user.is_authenticated:
        current_user.end_sessions()
        db.session.commit()
    logout_user()
    session.pop("csrf_token", None)


def account_required(kind: type, login_endpoint: str, role: str) -> Callable:
    """Views for one kind of account: anonymous visitors go to ``login_endpoint`` (with
    ``next`` for a GET), accounts of the other kind get 403."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                target = current_path() if request.method == "GET" else None
                return redirect(url_for(login_endpoint, next=target))
            if not isinstance(current_user, kind):
                abort(403, f"This page is for {role}. Log in with a {role[:-1]} account.")
            return view(*args, **kwargs)

        return wrapped

    return decorator
