"""Developer accounts: the landing page, sign up, log in, log out."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from .. import audit
from ..extensions import db
from ..login import email_login, end_session, start_session
from ..models import Developer
from . import bp
from .common import form_status, status_label
from .forms import ActionForm, LoginForm, SignupForm

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
    return email_login(
        Developer, LoginForm(), "developer_center/login.html", "developer_center.apps"
    )


@bp.post("/logout")
def logout():
    if ActionForm().validate_on_submit():
        end_session()
        flash("You are logged out.", "success")
    return redirect(url_for("developer_center.login"), code=303)
