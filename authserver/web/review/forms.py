"""Review console forms (Flask-WTF, CSRF on each); login reuses the Developer Center's form."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from authserver.web.developer_center.forms import ActionForm, ConfirmForm, LoginForm

__all__ = ["ActionForm", "ConfirmForm", "LoginForm", "RejectForm"]


class RejectForm(FlaskForm):
    reason = TextAreaField(
        "Reason for the rejection",
        validators=[
            DataRequired("Give the reason for the rejection; the developer will see it."),
            Length(max=2000, message="Use at most 2000 characters."),
        ],
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
    )
