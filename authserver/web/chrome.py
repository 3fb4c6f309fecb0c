"""The header every page shares: the platform's name (``AUTHSERVER_PLATFORM_NAME``) and, on a
mall's pages, the mall."""

from __future__ import annotations

from flask import Flask, current_app, g


def platform_name() -> str:
    """The name in every page's header and title (DESIGN.md, configuration)."""
    return current_app.config["AUTHSERVER_PLATFORM_NAME"]


def page_mall() -> str | None:
    """The mall ID of a page under ``/malls/<mall_id>/`` (``g.mall``), else ``None``."""
    mall = g.get("mall")
    return mall.mall_id if mall is not None else None


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(platform_name=platform_name, page_mall=page_mall)
