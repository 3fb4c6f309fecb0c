"""The mall in the URL (``/malls/<mall_id>/...``) as ``g.mall``, for every blueprint under it."""

from __future__ import annotations

from flask import Blueprint, abort, g

from authserver.store.malls import MallRef, find_mall

__all__ = ["MallRef", "bind_mall", "find_mall"]


def bind_mall(blueprint: Blueprint, *, require: bool = True) -> None:
    """Load ``g.mall`` from the ``mall_id`` URL value; unknown malls are a 404 if ``require``."""

    @blueprint.url_value_preprocessor
    def _load_mall(endpoint, values):
        mall_id = values.pop("mall_id", None) if values else None
        g.mall = find_mall(mall_id) if mall_id else None

    @blueprint.url_defaults
    def _keep_mall(endpoint, values):
        if "mall_id" not in values and g.get("mall") is not None:
            values["mall_id"] = g.mall.mall_id

    if require:

        @blueprint.before_request
        def _require_mall():
            if g.mall is None:
                abort(404, "There is no such mall.")
