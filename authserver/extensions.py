"""Flask extensions, created unbound here and bound to the app in ``create_app``."""

from flask import Flask, current_app, request
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


class MethodFirstCSRFProtect(CSRFProtect):
    """Flask-WTF's CSRF protection on every form, with the cheap question asked first.

    Flask-WTF's own hook works out whether the view is exempt (its blueprint, its module and
    name) on every request: an Admin API GET, which no CSRF check concerns, paid that. Here
    the exemption of each endpoint is worked out once (exemptions are declared when the views
    are, ``csrf.exempt``, before the first request), so an exempt view (every API endpoint)
    costs a dictionary lookup, and the others are checked for the methods Flask-WTF checks.
    What is checked, and how, is Flask-WTF's (``protect``). Flask-WTF's documented way to do
    this: ``WTF_CSRF_CHECK_DEFAULT = False`` and a hook of one's own that calls ``protect``.
    """

    def init_app(self, app: Flask) -> None:
        app.config["WTF_CSRF_CHECK_DEFAULT"] = False
        hooks = app.before_request_funcs.setdefault(None, [])
        registered = len(hooks)
        super().init_app(app)
        # Flask-WTF's own hook, registered all the same, returns at once with
        # WTF_CSRF_CHECK_DEFAULT off: it is taken out again so that no request pays for the
        # call (Flask has no public way to unregister a hook; the list is the one
        # ``app.before_request`` appends to; tests/test_browser_hardening.py checks that it is
        # gone and that this class's hook is the only CSRF hook left).
        hooks[registered:] = [
            hook for hook in hooks[registered:] if not _is_flask_wtf_default_hook(hook)
        ]
        self._exempt_endpoints: dict[str, bool] = {}
        app.before_request(self._protect_unless_exempt)

    def _protect_unless_exempt(self) -> None:
        req = request._get_current_object()
        endpoint = req.endpoint
        if not endpoint:
            return  # no view matched: the 404 or 405 follows, as with Flask-WTF's hook
        exempt = self._exempt_endpoints.get(endpoint)
        if exempt is None:
            exempt = self._exempt_endpoints[endpoint] = self._is_exempt()
        if exempt:
            return  # every API endpoint: no method nor setting makes it checked
        config = current_app.config
        if req.method in config["WTF_CSRF_METHODS"] and config["WTF_CSRF_ENABLED"]:
            self.protect()


def _is_flask_wtf_default_hook(hook) -> bool:
    return getattr(hook, "__module__", None) == "flask_wtf.csrf" and hook.__name__ == "csrf_protect"


db = SQLAlchemy(model_class=Base)
csrf = MethodFirstCSRFProtect()
login_manager = CookieLoginManager()
#: Schema migrations (Alembic) in ``authserver/migrations``; ``init-db`` upgrades to head.
migrate = Migrate(render_as_batch=True, compare_type=True)
