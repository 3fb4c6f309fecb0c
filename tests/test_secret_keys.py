"""App Secrets at rest: encrypted with a list of keys (newest first) that can be rotated."""

from __future__ import annotations

import json

from cryptography.fernet import Fernet

from authserver.extensions import db
from authserver.models import App
from authserver.security.crypto import SecretBox

from .helpers import Browser, exchange


def test_rotation_moves_every_secret_to_the_newest_key(app, live_server, world):
    original = app.extensions["authserver.secrets"]
    old_key = Fernet.generate_key()
    new_key = Fernet.generate_key()
    try:
        app.extensions["authserver.secrets"] = SecretBox([old_key])
        with app.app_context():
            for row in db.session.scalars(db.select(App)):
                row.client_secret_encrypted = SecretBox([old_key]).encrypt(
                    original.decrypt(row.client_secret_encrypted)
                )
            db.session.commit()

        app.extensions["authserver.secrets"] = SecretBox([new_key, old_key])
        result = app.test_cli_runner().invoke(args=["keys", "rotate", "--json"])
        assert result.exit_code == 0, result.output
        assert json.loads(result.output) == {"re_encrypted": 3}

        # The old key can now be dropped: secrets decrypt and clients authenticate.
        app.extensions["authserver.secrets"] = SecretBox([new_key])
        browser = Browser(live_server, world.mall_id)
        browser.login()
        code = browser.authorize(world.web)["code"]
        assert exchange(live_server, world.mall_id, world.web, code).status_code == 200
    finally:
        app.extensions["authserver.secrets"] = original


def test_generate_prints_a_usable_key(app):
    result = app.test_cli_runner().invoke(args=["keys", "generate"])
    assert (
        SecretBox([result.output.strip().encode()]).decrypt(
            SecretBox([result.output.strip().encode()]).encrypt("x")
        )
        == "x"
    )
