"""Developer accounts: the landing page, sign up, log in, log out, the account page."""

from __future__ import annotations

import hashlib

from flask import current_app, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from authserver.extensions import db
from authserver.models import Developer
from authserver.models.accounts import default_display_name
from authserver.security import audit, bruteforce, ratelimit
from authserver.web.developer_center import bp
from authserver.web.developer_center.common import (
    current_developer,
    developer_required,
    form_status,
    status_label,
)
from authserver.web.developer_center.forms import (
    DISPLAY_NAME_HINT,
    AccountForm,
    ActionForm,
    LoginForm,
    SignupForm,
)
from authserver.web.login import email_login, end_session

bp.add_app_template_filter(status_label, "status_label")


@bp.get("/")
def landing():
    if isinstance(current_user, Developer):
        return redirect(url_for("developer_center.apps"))
    return render_template("developer_center/landing.html")


#: The one answer to every accepted sign-up, new email or taken (issue 16 item 13).
SIGNED_UP = "If this email was not registered yet, your account is ready: log in."
TOO_MANY_SIGNUPS = "Too many sign-ups from your address. Wait a moment and try again."


def _signup_wait() -> int:
    """Count a sign-up from this request's address: 0 when it may go ahead, else the seconds
    until it may (a leaky bucket per address, ``AUTHSERVER_SIGNUPS_PER_ADDRESS`` draining one
    per ``AUTHSERVER_SIGNUP_DRAIN_SECONDS``)."""
    config = current_app.config
    address = hashlib.sha256(bruteforce.source_address().encode()).hexdigest()[:32]
    bucket = ratelimit.Bucket(
        ratelimit.key_with(ratelimit.key_prefix(config), "signup", address),
        config["AUTHSERVER_SIGNUPS_PER_ADDRESS"],
        1 / max(float(config["AUTHSERVER_SIGNUP_DRAIN_SECONDS"]), 0.001),
    )
    poured = ratelimit.buckets().pour([bucket], amount=1, config=config)[0]
    return 0 if poured.allowed else bucket.retry_after(poured.level)


@bp.route("/signup", methods=["GET", "POST"])
def signup():
    """Sign up without telling whether the email is registered: a new email gets its account,
    a taken one changes nothing, and both get the same 303 to the login page (no automatic
    login: the owner of the address proves it by logging in). Throttled per address."""
    form = SignupForm()
    if form.validate_on_submit():
        wait = _signup_wait()
        if wait:
            form.email.errors.append(TOO_MANY_SIGNUPS)
            page = render_template(
                "developer_center/signup.html", form=form, display_name_hint=DISPLAY_NAME_HINT
            )
            return page, 429, {"Retry-After": str(wait)}
        # The slow hash on both paths, so the time taken does not tell them apart either.
        developer = Developer(
            email=form.email.data,
            display_name=form.display_name.data or default_display_name(form.email.data),
        )
        developer.set_password(form.password.data)
        taken = db.session.scalar(select(Developer.id).where(Developer.email == form.email.data))
        event = "developer_signup_taken"
        if taken is None:
            db.session.add(developer)
            try:
                db.session.flush()
                event = "developer_signed_up"
            except IntegrityError:  # a concurrent sign-up with the same email won the race
                db.session.rollback()
        audit.record(event, actor=f"developer:{form.email.data}")
        db.session.commit()
        flash(SIGNED_UP, "success")
        return redirect(url_for("developer_center.login"), code=303)
    page = render_template(
        "developer_center/signup.html", form=form, display_name_hint=DISPLAY_NAME_HINT
    )
    return page, form_status(form)


@bp.route("/login", methods=["GET", "POST"])
def login():
    return email_login(
        Developer, LoginForm(), "developer_center/login.html", "developer_center.apps"
    )


@bp.post("/logout")
def logout():
    if ActionForm().validate_on_submit():
        end_session()
        flash("You are logged out.", "success")
    return redirect(url_for("developer_center.login"), code=303)


@bp.route("/account", methods=["GET", "POST"])
@developer_required
def account():
    """The developer's own account: the display name operators and reviewers see."""
    developer = current_developer()
    form = AccountForm(obj=developer)
    if form.validate_on_submit():
        developer.display_name = form.display_name.data
        db.session.commit()
        flash("Display name saved.", "success")
        return redirect(url_for("developer_center.account"), code=303)
    page = render_template(
        "developer_center/account.html",
        form=form,
        developer=developer,
        display_name_hint=DISPLAY_NAME_HINT,
    )
    return page, form_status(form)
