"""Placeholder package: its blueprint is registered by a later change."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Register this area's blueprint (nothing yet)."""
