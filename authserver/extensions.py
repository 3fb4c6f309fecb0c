"""Flask extensions, created unbound here and bound to the app in ``create_app``."""

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


db = SQLAlchemy(model_class=Base)
#: Flask-WTF's CSRF protection on every form; the API blueprints are exempt (``csrf.exempt``).
csrf = CSRFProtect()
login_manager = LoginManager()
#: Schema migrations (Alembic) in ``authserver/migrations``; ``init-db`` upgrades to head.
migrate = Migrate(render_as_batch=True, compare_type=True)
