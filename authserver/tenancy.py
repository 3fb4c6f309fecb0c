"""The mall in the URL (``/malls/<mall_id>/...``) as ``g.mall``, for every blueprint under it."""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from flask import Blueprint, abort, current_app, g, request
from sqlalchemy import bindparam, select

from . import readonly
from .models import Mall

_MALLS = Mall.__table__
#: Built once: this runs on every request under /malls/<mall_id>/.
_BY_MALL_ID = select(_MALLS.c.id, _MALLS.c.mall_id, _MALLS.c.test_mall_of_id).where(
    _MALLS.c.mall_id == bindparam("mall_id")
)


class MallRef(NamedTuple):
    """The columns of a mall the views use; a mall never changes once created.

    A plain value, not an ORM entity: loading an entity (or merging a Core row into the
    session) cost more than the rest of a token request's reads; a view that needs the
    ``Mall`` itself (its operators, say) gets it with ``db.session.get(Mall, g.mall.id)``.
    A named tuple: one is made on every request under a mall, at a third of the cost of a
    frozen dataclass.
    """

    id: int
    mall_id: str
    test_mall_of_id: int | None


def find_mall(mall_id: str) -> MallRef | None:
    """The mall with ``mall_id`` (one indexed read on the read-only engine)."""
    row = readonly.first(_BY_MALL_ID, {"mall_id": mall_id})
    return MallRef(*row) if row is not None else None


MallLoader = Callable[[str], MallRef | None]
#: Endpoints whose mall comes with other rows in one statement (``oauth/prefetch.py``).
_LOADERS: dict[str, MallLoader] = {}


def load_mall_with(endpoint: str) -> Callable[[MallLoader], MallLoader]:
    """Register ``loader(mall_id)`` to load the mall of ``endpoint`` in place of ``find_mall``;
    it runs at the same point, so every check keeps its order.

    Such loaders read the form, and URL preprocessors run before the size limits
    (``limits.py``): for a form over ``AUTHSERVER_MAX_FORM_BYTES`` the mall is loaded alone and
    the limits answer 413 next, with nothing parsed first."""

    def register(loader: MallLoader) -> MallLoader:
        _LOADERS[endpoint] = loader
        return loader

    return register


def _loader_of(endpoint: str) -> MallLoader:
    loader = _LOADERS.get(endpoint)
    if loader is None:
        return find_mall
    length = request.content_length
    if length is not None and length > current_app.config["AUTHSERVER_MAX_FORM_BYTES"]:
        return find_mall
    return loader


def bind_mall(blueprint: Blueprint, *, require: bool = True) -> None:
    """Load ``g.mall`` from the ``mall_id`` URL value; unknown malls are a 404 if ``require``."""

    @blueprint.url_value_preprocessor
    def _load_mall(endpoint, values):
        mall_id = values.pop("mall_id", None) if values else None
        valid = mall_id and len(mall_id) <= 64 and "\x00" not in mall_id
        context = g._get_current_object()  # the proxy resolved once for both values
        context.mall = _loader_of(endpoint)(mall_id) if valid else None
        context.requested_mall_id = mall_id

    @blueprint.url_defaults
    def _keep_mall(endpoint, values):
        if "mall_id" not in values and g.get("mall") is not None:
            values["mall_id"] = g.mall.mall_id

    if require:

        @blueprint.before_request
        def _require_mall():
            if g.mall is None:
                abort(404, "There is no such mall.")
