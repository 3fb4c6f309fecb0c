"""Flask-Login for the Developer Center and the review console (operators sign in per mall)."""

from __future__ import annotations

from .extensions import db, login_manager
from .models import Developer, Reviewer

_ACCOUNT_KINDS = {"developer": Developer, "reviewer": Reviewer}


@login_manager.user_loader
def load_account(session_id: str) -> Developer | Reviewer | None:
    kind, _, pk = session_id.partition(":")
    model = _ACCOUNT_KINDS.get(kind)
    if model is None or not pk.isdigit():
        return None
    return db.session.get(model, int(pk))
