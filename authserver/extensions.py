"""Flask extensions, created unbound here and bound to the app in ``create_app``."""

from flask import request
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

#: Alembic's recommended naming convention: every constraint has a name a later migration can
#: refer to (SQLite's batch mode needs one to drop or alter a constraint).
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class CookieLoginManager(LoginManager):
    """Flask-Login, without its after-request hook on requests that carry no cookie.

    The hook sets or clears the "remember me" cookie when the session asks for it. This app
    never asks (``login.py`` logs in without ``remember``), and Flask-Login asks to clear it
    only for a request that sent it; so a request without cookies (every API call) has nothing
    to do there. Skipping it also keeps the session unread, which is what makes Flask add
    ``Vary: Cookie`` to an answer that no cookie could have changed.
    """

    def _update_remember_cookie(self, response):
        if "HTTP_COOKIE" not in request.environ:
            return response
        return super()._update_remember_cookie(response)


db = SQLAlchemy(model_class=Base)
csrf = CSRFProtect()
login_manager = CookieLoginManager()
#: Schema migrations (Alembic) in ``authserver/migrations``; ``init-db`` upgrades to head.
migrate = Migrate(render_as_batch=True, compare_type=True)
