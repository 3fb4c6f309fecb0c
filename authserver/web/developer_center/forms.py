"""Developer Center forms (Flask-WTF: every form carries a CSRF token; WTForms validators)."""

from __future__ import annotations

import re

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    HiddenField,
    PasswordField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    EqualTo,
    InputRequired,
    Length,
    Optional,
    StopValidation,
    ValidationError,
)

from authserver import scopes
from authserver.models.accounts import DISPLAY_NAME_MAX
from authserver.models.apps import NATIVE, WEB
from authserver.store.malls import mall_id_problem
from authserver.validators import https_url_problem, redirect_uri_list_problems
from authserver.web.developer_center.icon import CheckedIcon, check_icon

APP_TYPE_CHOICES = [
    (WEB, "Web app: runs on your server and authenticates with its App Secret."),
    (NATIVE, "Native app: runs on a device, cannot keep a secret and proves itself with PKCE."),
]


class FullMatch:
    """WTForms' ``Regexp``, but the whole value must match: ``Regexp`` uses ``re.match``, where
    ``$`` also matches before a final newline."""

    def __init__(self, pattern: str, message: str):
        self.pattern, self.message = re.compile(pattern), message

    def __call__(self, form, field) -> None:
        if not self.pattern.fullmatch(field.data or ""):
            raise ValidationError(self.message)


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _lower(value):
    return value.lower() if isinstance(value, str) else value


EMAIL = [
    DataRequired("Enter your email address."),
    Length(max=254, message="Use at most 254 characters."),
    FullMatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", "Enter an email address like name@example.com."),
]
NEW_PASSWORD = [
    InputRequired("Choose a password."),
    Length(min=8, max=200, message="Use 8 to 200 characters."),
]


# -- accounts ----------------------------------------------------------------------------------
class LoginForm(FlaskForm):
    """Developers and reviewers sign in with this form (each on their own page)."""

    email = StringField("Email", validators=EMAIL, filters=[_strip, _lower])
    password = PasswordField("Password", validators=[InputRequired("Enter your password.")])
    next = HiddenField()


DISPLAY_NAME_HINT = (
    "Shown to mall operators when they install your apps, and to reviewers. "
    "Your email address stays private."
)
DISPLAY_NAME = [
    Length(max=DISPLAY_NAME_MAX, message=f"Use at most {DISPLAY_NAME_MAX} characters."),
    FullMatch(r"[^\x00-\x1f\x7f]*", "Use letters, digits, spaces and punctuation only."),
]


class SignupForm(FlaskForm):
    email = StringField("Email", validators=EMAIL, filters=[_strip, _lower])
    #: Optional: left empty, the account is named after the email's local part.
    display_name = StringField("Display name", validators=DISPLAY_NAME, filters=[_strip])
    password = PasswordField("Password", validators=NEW_PASSWORD)
    confirm = PasswordField(
        "Repeat the password",
        validators=[
            InputRequired("Repeat the password."),
            EqualTo("password", message="The two passwords differ."),
        ],
    )


class AccountForm(FlaskForm):
    """The Developer Center's account page: the name operators and reviewers see."""

    display_name = StringField(
        "Display name",
        validators=[DataRequired("Enter a display name."), *DISPLAY_NAME],
        filters=[_strip],
    )


# -- apps ------------------------------------------------------------------------------------
def _https(form, field) -> None:
    if field.data:
        problem = https_url_problem(field.data)
        if problem:
            raise ValidationError(problem)


NAME = [
    DataRequired("Enter the app's name."),
    Length(max=100, message="Use at most 100 characters."),
]
APP_URL = [DataRequired("Enter the App URL."), _https]


class NewAppForm(FlaskForm):
    name = StringField("App name", validators=NAME, filters=[_strip])
    app_url = StringField("App URL", validators=APP_URL, filters=[_strip])
    #: Rendered as radio buttons by the template (one line of explanation each).
    app_type = StringField("App type", default=WEB)

    def validate_app_type(self, field) -> None:
        if field.data not in (WEB, NATIVE):
            raise ValidationError("Choose Web app or Native app.")


class BasicInfoForm(FlaskForm):
    """Name, App URL, Redirect URIs and icon; the App Type is fixed and not part of it."""

    name = StringField("App name", validators=NAME, filters=[_strip])
    app_url = StringField("App URL", validators=APP_URL, filters=[_strip])
    redirect_uris = TextAreaField("Redirect URIs")
    icon = FileField("Representative icon")
    remove_icon = BooleanField("Remove the current icon")

    def __init__(self, *args, app_type: str = WEB, **kwargs):
        super().__init__(*args, **kwargs)
        self.app_type = app_type
        self.checked_icon: CheckedIcon | None = None

    @property
    def redirect_uri_list(self) -> list[str]:
        lines = (self.redirect_uris.data or "").splitlines()
        return [line.strip() for line in lines if line.strip()]

    def validate_redirect_uris(self, field) -> None:
        problems = redirect_uri_list_problems(self.redirect_uri_list, self.app_type)
        if problems:
            field.errors.extend(problems)
            raise StopValidation()

    def validate_icon(self, field) -> None:
        upload = field.data
        if upload is None or not getattr(upload, "filename", ""):
            return
        result = check_icon(upload.read())
        if isinstance(result, str):
            raise ValidationError(result)
        self.checked_icon = result


class PermissionsForm(FlaskForm):
    """One Read and one Write box per catalogue category (added below), and the
    operator-permission URL."""

    operator_permission_url = StringField(
        "Operator-permission URL", validators=[Optional(), _https], filters=[_strip]
    )

    @classmethod
    def field_names(cls, category: scopes.Category) -> tuple[str, str | None]:
        return f"read_{category.name}", (f"write_{category.name}" if category.writable else None)

    def load(self, granted: list[str]) -> None:
        for category in scopes.CATEGORIES:
            read, write = self.field_names(category)
            self[read].data = category.read_scope in granted
            if write:
                self[write].data = category.write_scope in granted

    def selected_scopes(self) -> list[str]:
        chosen = []
        for category in scopes.CATEGORIES:
            read, write = self.field_names(category)
            if self[read].data:
                chosen.append(category.read_scope)
            if write and self[write].data:
                chosen.append(category.write_scope)
        return scopes.normalise(chosen)

    def rows(self):
        """(category, read field, write field or None) in catalogue order, for the template."""
        for category in scopes.CATEGORIES:
            read, write = self.field_names(category)
            yield category, self[read], (self[write] if write else None)


for _category in scopes.CATEGORIES:
    _read, _write = PermissionsForm.field_names(_category)
    setattr(PermissionsForm, _read, BooleanField(f"Read {_category.label.lower()}"))
    if _write:
        setattr(PermissionsForm, _write, BooleanField(f"Write {_category.label.lower()}"))


class ConfirmForm(FlaskForm):
    """A confirmation step: the box must be ticked (reissue secret, delete app)."""

    confirm = BooleanField("I understand", validators=[InputRequired("Tick the box to confirm.")])


class ActionForm(FlaskForm):
    """A button that changes something: only the CSRF token (submit for review, log out)."""


# -- test malls ------------------------------------------------------------------------------
class TestMallForm(FlaskForm):
    mall_id = StringField(
        "Mall ID", validators=[DataRequired("Enter a mall ID.")], filters=[_strip]
    )
    operator = StringField(
        "Operator ID",
        validators=[
            DataRequired("Enter the operator's user ID."),
            Length(max=64, message="Use at most 64 characters."),
            FullMatch(r"\S+", "Use no spaces."),
        ],
        filters=[_strip],
    )
    password = PasswordField("Operator password", validators=NEW_PASSWORD)
    confirm = PasswordField(
        "Repeat the password",
        validators=[
            InputRequired("Repeat the password."),
            EqualTo("password", message="The two passwords differ."),
        ],
    )

    def validate_mall_id(self, field) -> None:
        problem = mall_id_problem(field.data)
        if problem:
            raise ValidationError(problem)
