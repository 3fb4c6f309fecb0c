"""Operator pages under ``/malls/<mall_id>/admin``: login, logout, installed apps."""

from __future__ import annotations

from flask import Blueprint, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from authserver.extensions import db
from authserver.models import Installation
from authserver.platform.redirects import current_path, safe_next
from authserver.platform.tenancy import bind_mall
from authserver.scopes import group_by_category
from authserver.security import audit, bruteforce
from authserver.web.mall_admin import auth
from authserver.web.mall_admin.forms import OperatorLoginForm

bp = Blueprint("mall_admin", __name__, url_prefix="/malls/<mall_id>/admin")
bind_mall(bp)


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = OperatorLoginForm()
    default = url_for("mall_admin.apps")
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if form.validate_on_submit():
        account = f"operator:{g.mall.mall_id}:{form.user_id.data}"
        verdict = bruteforce.check(account)
        if not verdict.allowed:
            form.password.errors.append(_(bruteforce.TOO_MANY_ATTEMPTS))
            page = render_template("mall_admin/login.html", form=form, mall=g.mall)
            return page, 429, bruteforce.retry_headers(verdict)
        operator = auth.authenticate(g.mall, form.user_id.data, form.password.data)
        if operator is not None:
            bruteforce.succeeded(account, verdict)
            auth.log_in(operator)
            audit.record("login", actor=f"operator:{operator.user_id}", mall_id=g.mall.mall_id)
            db.session.commit()
            # 303: the browser must GET the next page, never re-POST credentials (RFC 9700 §4.12).
            return redirect(safe_next(form.next.data, default), code=303)
        bruteforce.failed(account)
        audit.record(
            "login_failed", actor=f"operator:{form.user_id.data[:64]}", mall_id=g.mall.mall_id
        )
        db.session.commit()
        form.password.errors.append(_("Wrong operator ID or password."))
    status = 400 if request.method == "POST" else 200
    return render_template("mall_admin/login.html", form=form, mall=g.mall), status


@bp.post("/logout")
def logout():
    auth.log_out(g.mall)
    return redirect(url_for("mall_admin.login"), code=303)


@bp.get("/")
@bp.get("/apps")
def apps():
    operator = auth.current_operator(g.mall)
    if operator is None:
        return redirect(url_for("mall_admin.login", next=current_path()))
    installations = db.session.scalars(
        select(Installation)
        .where(Installation.mall_pk == g.mall.id)
        .order_by(Installation.created_at.desc())
    ).all()
    return render_template(
        "mall_admin/apps.html",
        mall=g.mall,
        operator=operator,
        installations=installations,
        group_by_category=group_by_category,
    )
