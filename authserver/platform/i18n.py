"""Korean and English for the pages operators see: the consent page and the mall admin.

Cafe24's operators are Korean, so these pages follow the browser's ``Accept-Language``, and a
small switch (``GET /language/<code>?next=...``, a plain link: no script, CSP-safe) overrides it
with a cookie. Every other page (Developer Center, review console) stays English (DESIGN.md
"Pages default to English"), and JSON answers are never translated: their strings are not
wrapped. The catalogue is ``authserver/translations/<lang>/LC_MESSAGES/messages.po`` (compiled
``.mo`` committed beside it; ``make translations`` rebuilds both).
"""

from __future__ import annotations

import re
from urllib.parse import urlencode

from flask import Blueprint, Flask, Response, redirect, request
from flask_babel import Babel, get_locale

from authserver.platform.redirects import current_path, safe_next

#: Languages offered, in the switch's order, with their names in their own language.
LANGUAGES: dict[str, str] = {"en": "English", "ko": "한국어"}
DEFAULT_LANGUAGE = "en"
COOKIE = "lang"
_COOKIE_MAX_AGE = 365 * 24 * 3600

#: Operator pages: the mall admin and the authorize (login, consent) page of every mall.
_LOCALIZED_PATH = re.compile(r"^/malls/[^/]+/(admin(/|$)|api/v2/oauth/authorize$)")

babel = Babel()
bp = Blueprint("i18n", __name__)


def N_(message: str) -> str:  # noqa: N802 - gettext's conventional name for "mark only"
    """Mark a string for the catalogue without translating it here (it is translated where it
    is shown, with ``gettext``); ``pybabel extract -k N_`` collects it."""
    return message


def is_localized_page() -> bool:
    """Whether this request is an operator page, the only pages shown in Korean."""
    return bool(_LOCALIZED_PATH.match(request.path))


def select_locale() -> str:
    """The switch's cookie, else the best of ``Accept-Language``, else English."""
    if not is_localized_page():
        return DEFAULT_LANGUAGE
    chosen = request.cookies.get(COOKIE)
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(LANGUAGES, default=DEFAULT_LANGUAGE)


def current_language() -> str:
    """The language of the page being rendered (``<html lang>``, the launch's ``lang``)."""
    locale = get_locale()
    return locale.language if locale is not None else DEFAULT_LANGUAGE


def language_links() -> list[dict[str, object]]:
    """The switch shown on operator pages: one link per language, back to this page."""
    if not is_localized_page():
        return []
    here = current_path()
    current = current_language()
    return [
        {
            "code": code,
            "name": name,
            "current": code == current,
            "href": f"/language/{code}?{urlencode({'next': here})}",
        }
        for code, name in LANGUAGES.items()
    ]


@bp.get("/language/<code>")
def switch(code: str) -> Response:
    """Remember the chosen language in a cookie and go back to the page (same site only)."""
    response = redirect(safe_next(request.args.get("next"), "/"), code=303)
    if code in LANGUAGES:
        response.set_cookie(
            COOKIE,
            code,
            max_age=_COOKIE_MAX_AGE,
            httponly=True,
            samesite="Lax",
            secure=request.is_secure,
        )
    return response


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LANGUAGE)
    babel.init_app(app, locale_selector=select_locale)
    app.register_blueprint(bp)
    app.jinja_env.globals.update(current_language=current_language, language_links=language_links)
