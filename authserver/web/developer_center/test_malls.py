"""Test malls: a developer's own malls, where apps not yet for sale may be authorized."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from authserver.extensions import db
from authserver.models import Mall
from authserver.security import audit
from authserver.store.malls import create_mall
from authserver.web.developer_center import bp
from authserver.web.developer_center.common import (
    actor_name,
    current_developer,
    developer_required,
    form_status,
)
from authserver.web.developer_center.forms import TestMallForm


@bp.route("/test-malls", methods=["GET", "POST"])
@developer_required
def test_malls():
    form = TestMallForm()
    if form.validate_on_submit():
        audit.record("test_mall_created", actor=actor_name(), mall_id=form.mall_id.data)
        try:
            create_mall(
                form.mall_id.data, form.operator.data, form.password.data, current_developer()
            )
        except IntegrityError:  # created concurrently between the check and the insert
            db.session.rollback()
            form.mall_id.errors.append("This mall ID is taken.")
        else:
            flash(f"Test mall {form.mall_id.data} is ready.", "success")
            return redirect(url_for("developer_center.test_malls"), code=303)
    malls = db.session.scalars(
        select(Mall).where(Mall.test_mall_of_id == current_developer().id).order_by(Mall.mall_id)
    ).all()
    return render_template("developer_center/test_malls.html", form=form, malls=malls), form_status(
        form
    )
