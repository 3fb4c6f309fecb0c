"""Developer accounts: the landing page, sign up, log in, log out."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from .. import audit, bruteforce
from ..extensions import db
from ..login import end_session, start_session
from ..models import Developer
from ..redirects import safe_next
from . import bp
from .common import form_status, status_label
from .forms import ActionForm, LoginForm, SignupForm

# Checked when the email is unknown, so both failures take the same time.
_DUMMY_HASH = generate_password_hash("not a real password")

bp.add_app_template_filter(status_label, "status_label")


@bp.get("/")
def landing():
    if isinstance(current_user._get_current_object(), Developer):
        return redirect(url_for("developer_center.apps"))
    return render_template("developer_center/landing.html")


@bp.route("/signup", methods=["GET", "POST"])
def signup():
    form = SignupForm()
    if form.validate_on_submit():
        taken = db.session.scalar(select(Developer.id).where(Developer.email == form.email.data))
        if taken is None:
            developer = Developer(email=form.email.data)
            developer.set_password(form.password.data)
            db.session.add(developer)
            try:
                db.session.flush()
            except IntegrityError:  # a concurrent sign-up with the same email won the race
                db.session.rollback()
            else:
                audit.record("developer_signed_up", actor=f"developer:{developer.email}")
                db.session.commit()
                start_session(developer)
                flash("Welcome! Your Developer Center account is ready.", "success")
                return redirect(url_for("developer_center.apps"), code=303)
        form.email.errors.append("An account with this email already exists. Log in instead.")
    return render_template("developer_center/signup.html", form=form), form_status(form)


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if form.validate_on_submit():
        account = f"developer:{form.email.data}"
        verdict = bruteforce.check(account)
        if not verdict.allowed:
            form.password.errors.append(bruteforce.TOO_MANY_ATTEMPTS)
            page = render_template("developer_center/login.html", form=form)
            return page, 429, bruteforce.retry_headers(verdict)
        developer = db.session.scalar(select(Developer).where(Developer.email == form.email.data))
        if developer is None:
            check_password_hash(_DUMMY_HASH, form.password.data)
        elif developer.check_password(form.password.data):
            bruteforce.succeeded(account, verdict)
            start_session(developer)
            audit.record("login", actor=f"developer:{developer.email}")
            db.session.commit()
            default = url_for("developer_center.apps")
            return redirect(safe_next(form.next.data, default), code=303)
        bruteforce.failed(account)
        audit.record("login_failed", actor=f"developer:{form.email.data[:254]}")
        db.session.commit()
        form.password.errors.append("Wrong email or password.")
    return render_template("developer_center/login.html", form=form), form_status(form)


@bp.post("/logout")
def logout():
    if ActionForm().validate_on_submit():
        end_session()
        flash("You are logged out.", "success")
    return redirect(url_for("developer_center.login"), code=303)
