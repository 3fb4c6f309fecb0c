"""The mall admin (operators): login, installed apps, launch and uninstall."""

from flask import Flask

from authserver.web.mall_admin import installed_apps
from authserver.web.mall_admin.views import bp

del installed_apps  # imported for the routes it adds to ``bp``


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
