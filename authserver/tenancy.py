"""The mall in the URL (``/malls/<mall_id>/...``) as ``g.mall``, for every blueprint under it."""

from __future__ import annotations

from flask import Blueprint, abort, g
from sqlalchemy import bindparam, select
from sqlalchemy.orm import make_transient_to_detached

from .extensions import db
from .models import Mall

_MALLS = Mall.__table__
#: Every column of the row, as a Core query built once (this runs on every mall request).
_BY_MALL_ID = select(*_MALLS.c).where(_MALLS.c.mall_id == bindparam("mall_id"))


def find_mall(mall_id: str) -> Mall | None:
    """The mall with ``mall_id``, attached to the session as if the ORM had loaded it.

    The row comes from a Core query (one indexed lookup without the ORM's row processing) and
    becomes a persistent ``Mall`` by ``merge(load=False)``, SQLAlchemy's way to bring a known
    row into a session without a query; relationships still load lazily as usual.
    """
    row = db.session.execute(_BY_MALL_ID, {"mall_id": mall_id}).first()
    if row is None:
        return None
    mall = Mall(**row._asdict())
    make_transient_to_detached(mall)
    return db.session.merge(mall, load=False)


def bind_mall(blueprint: Blueprint, *, require: bool = True) -> None:
    """Load ``g.mall`` from the ``mall_id`` URL value; unknown malls are a 404 if ``require``."""

    @blueprint.url_value_preprocessor
    def _load_mall(endpoint, values):
        mall_id = values.pop("mall_id", None) if values else None
        g.mall = (
            find_mall(mall_id) if mall_id and len(mall_id) <= 64 and "\x00" not in mall_id else None
        )
        g.requested_mall_id = mall_id

    @blueprint.url_defaults
    def _keep_mall(endpoint, values):
        if "mall_id" not in values and g.get("mall") is not None:
            values["mall_id"] = g.mall.mall_id

    if require:

        @blueprint.before_request
        def _require_mall():
            if g.mall is None:
                abort(404, "There is no such mall.")
