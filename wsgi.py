"""WSGI entry point for gunicorn and friends: ``gunicorn wsgi:app``."""

from authserver import create_app

app = create_app()
