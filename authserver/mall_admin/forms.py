"""The operator login form (CSRF by Flask-WTF)."""

from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, StringField
from wtforms.validators import InputRequired, Length


class OperatorLoginForm(FlaskForm):
    user_id = StringField("Operator ID", validators=[InputRequired(), Length(max=64)])
    password = PasswordField("Password", validators=[InputRequired(), Length(max=200)])
    next = HiddenField()
