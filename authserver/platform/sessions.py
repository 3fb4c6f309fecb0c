"""Flask's signed-cookie session, built only for requests that carry the session cookie."""

from __future__ import annotations

from flask import Flask, Request, Response
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface, SessionMixin


class CookieSessionInterface(SecureCookieSessionInterface):
    """Flask's own interface, minus its per-request cost on cookie-less calls.

    Flask builds a signing serializer for every request before it looks at the cookie. API
    calls (introspection, the Admin API, the token endpoint) never carry one, and they are
    most of the traffic: for them an empty session comes without that work, and goes without
    any when nothing touched it. A request with the cookie is read, verified and saved exactly
    as Flask does.
    """

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if app.secret_key and "HTTP_COOKIE" not in request.environ:
            return self.session_class()
        return super().open_session(app, request)

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        if not session and not session.modified:
            # Flask would work out the cookie's attributes first, then do just this.
            if session.accessed:
                vary = response.headers
                if vary.getlist("Vary"):
                    response.vary.add("Cookie")
                else:  # the same header, without parsing one that is not there (most answers)
                    vary.add("Vary", "Cookie")
            return
        super().save_session(app, session, response)


def init_app(app: Flask) -> None:
    app.session_interface = CookieSessionInterface()
