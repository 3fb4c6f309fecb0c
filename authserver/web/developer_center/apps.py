"""The developer's apps: the list, a new app, basic information and permissions."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from sqlalchemy import select

from authserver import scopes
from authserver.app_status import Status
from authserver.extensions import db
from authserver.models import App
from authserver.security import audit
from authserver.web.developer_center import bp
from authserver.web.developer_center.common import (
    actor_name,
    current_developer,
    developer_required,
    form_status,
    owned_app,
)
from authserver.web.developer_center.forms import (
    APP_TYPE_CHOICES,
    BasicInfoForm,
    NewAppForm,
    PermissionsForm,
)
from authserver.web.developer_center.operations import Refused, set_permissions

#: Statuses in which operators use the app: changing its URL can break their shops.
IN_SERVICE = (Status.FOR_SALE, Status.SOLD)


@bp.get("/apps")
@developer_required
def apps():
    rows = db.session.scalars(
        select(App)
        .where(App.developer_id == current_developer().id)
        .order_by(App.created_at.desc(), App.id.desc())
    ).all()
    return render_template("developer_center/apps.html", apps=rows)


@bp.route("/apps/new", methods=["GET", "POST"])
@developer_required
def new_app():
    form = NewAppForm()
    if form.validate_on_submit():
        app, _secret = App.register(
            developer=current_developer(),
            name=form.name.data,
            app_url=form.app_url.data,
            app_type=form.app_type.data,
            redirect_uris=[],
            scope="",
        )
        db.session.add(app)
        db.session.flush()
        audit.record("app_created", actor=actor_name(), client_id=app.client_id)
        db.session.commit()
        return redirect(url_for("developer_center.app_created", client_id=app.client_id), code=303)
    return render_template(
        "developer_center/new_app.html", form=form, type_choices=APP_TYPE_CHOICES
    ), form_status(form)


@bp.get("/apps/<client_id>/created")
@developer_required
def app_created(client_id: str):
    app = owned_app(client_id)
    return render_template("developer_center/created.html", app=app)


@bp.get("/apps/<client_id>")
@developer_required
def app_overview(client_id: str):
    owned_app(client_id)
    return redirect(url_for("developer_center.basic_info", client_id=client_id))


@bp.route("/apps/<client_id>/basic", methods=["GET", "POST"])
@developer_required
def basic_info(client_id: str):
    app = owned_app(client_id)
    form = BasicInfoForm(app_type=app.app_type)
    if not form.is_submitted():
        form.name.data = app.name
        form.app_url.data = app.app_url
        form.redirect_uris.data = "\n".join(app.redirect_uris or [])
    elif form.validate():
        changed = []
        for field, attribute in (("name", "name"), ("app_url", "app_url")):
            if getattr(app, attribute) != form[field].data:
                setattr(app, attribute, form[field].data)
                changed.append(attribute)
        if list(app.redirect_uris or []) != form.redirect_uri_list:
            app.redirect_uris = form.redirect_uri_list
            changed.append("redirect_uris")
        if form.checked_icon is not None:
            app.icon = form.checked_icon.data
            app.icon_content_type = form.checked_icon.content_type
            changed.append("icon")
        elif form.remove_icon.data and app.icon:
            app.icon, app.icon_content_type = None, None
            changed.append("icon")
        if changed:
            audit.record("app_updated", actor=actor_name(), client_id=app.client_id, fields=changed)
        db.session.commit()
        flash("Basic information saved." if changed else "Nothing changed.", "success")
        return redirect(url_for("developer_center.basic_info", client_id=client_id), code=303)
    return render_template(
        "developer_center/basic.html",
        app=app,
        form=form,
        tab="basic",
        in_service=app.status in IN_SERVICE,
    ), form_status(form)


@bp.route("/apps/<client_id>/permissions", methods=["GET", "POST"])
@developer_required
def permissions(client_id: str):
    app = owned_app(client_id)
    form = PermissionsForm()
    if not form.is_submitted():
        form.load(app.scopes)
        form.operator_permission_url.data = app.operator_permission_url or ""
    elif form.validate():
        was_for_sale = app.status == Status.FOR_SALE
        try:
            narrowed = set_permissions(app, form.selected_scopes(), actor_name())
        except Refused as refusal:
            form.form_errors.append(str(refusal))
            return _permissions_page(app, form)
        app.operator_permission_url = form.operator_permission_url.data or None
        db.session.commit()
        message = "Permissions saved."
        if was_for_sale and app.status == Status.UNDER_REVIEW:
            message += (
                " The app is back under review: new malls can install it once a reviewer "
                "approves it again; existing installations keep working."
            )
        if narrowed:
            message += (
                f" {narrowed} installation{'s' if narrowed != 1 else ''} narrowed at once: "
                "removed permissions stop working now for every token already issued, and "
                "the next token refresh gets narrowed tokens."
            )
        flash(message, "success")
        return redirect(url_for("developer_center.permissions", client_id=client_id), code=303)
    return _permissions_page(app, form)


def _permissions_page(app: App, form: PermissionsForm):
    return render_template(
        "developer_center/permissions.html",
        app=app,
        form=form,
        tab="permissions",
        installed_count=len(app.installations),
        labels=scopes.scope_label,
    ), form_status(form)
