"""tools/public_api_check.py (``make lint``): each kind of private library use is caught, and
authserver/ and bench/ have none (issue 17 point 4)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHECK = ROOT / "tools" / "public_api_check.py"

#: One line per kind of finding, each marked with what the check must say about it.
OFFENDER = """\
import flask
from authlib.oauth2.rfc6749 import OAuth2Request
from flask_login import LoginManager
from werkzeug.datastructures import MultiDict
from flask.globals import _cv_request  # imports the private name


class Request(flask.Request):
    def _load_form_data(self):  # overrides the private
        self.__dict__["form"] = MultiDict()  # __dict__
        return super()._load_form_data()  # private attribute _load_form_data


class Indirect(Request):
    def parse(self):
        return vars(self)  # vars()


class ServerRequest(OAuth2Request):
    def __init__(self):
        self._body = None  # private attribute _body


class Manager(LoginManager):
    def hook(self, response):
        return self._update_remember_cookie(response)  # private attribute _update_remember


def limits(config):
    getattr(config, "_secret")  # getattr() with the private name
    return type("R", (Request,), {"_max_form_parts": 1})  # type() sets the private attribute
"""


def _run(*paths: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(CHECK), *paths], cwd=cwd, capture_output=True, text=True, check=False
    )


def test_every_kind_of_private_use_is_reported(tmp_path):
    package = tmp_path / "offender"
    package.mkdir()
    (package / "__init__.py").write_text(OFFENDER)
    result = _run("offender", cwd=tmp_path)
    assert result.returncode == 1
    reported = {int(line.split(":")[1]) for line in result.stdout.splitlines()}
    expected = {
        number
        for number, line in enumerate(OFFENDER.splitlines(), start=1)
        if "  # " in line and "private" in line or "__dict__" in line or "vars()" in line
    }
    assert expected <= reported, result.stdout
    assert len(expected) == 9


def test_the_project_uses_public_api_only():
    result = _run("authserver", "bench", cwd=ROOT)
    assert result.returncode == 0, result.stdout
