"""The ``authserver`` console script: one Click group built on the app factory, with its own help.

``.venv/bin/authserver`` works without an activated virtualenv (the README's commands use it).
``flask --app authserver <command>`` reaches the same commands, registered on ``app.cli``.

Flask's own commands stay reachable but only ``run`` is listed: ``make run`` serves with it.
``db`` (Flask-Migrate, for writing a migration: docs/deploy.md), ``routes`` and ``shell`` are
developer tools an operator never needs, so they are hidden from the command list.
"""

from __future__ import annotations

import click
from flask.cli import FlaskGroup

from authserver import create_app

HELP = """Administer authserver: the schema, the demo data, accounts, malls, apps, gateway
credentials, keys, tokens and the audit trail; `run` serves the development server.

Settings come from AUTHSERVER_* environment variables (docs/configuration.md); by default the
database is instance/authserver.sqlite.

--json, on every command that creates, changes or lists something, prints one JSON object
with snake_case keys instead of text (audit list: one object per line), for scripts. Progress
bars appear only at a terminal, never with --json.

\b
Examples (in a clone the script is .venv/bin/authserver):
  authserver init-db
  eval "$(authserver demo --env)"          # sets $APP_KEY and $APP_SECRET
  authserver developer create dev@example.com --password 'a long password'
  authserver app create --developer dev@example.com --name 'My App' \\
      --url https://my.example/ --redirect-uri https://my.example/callback \\
      --scope mall.read_product --json
  authserver audit list --event login_failed --limit 20
  authserver run --port 5000
"""

#: Flask's commands that work but are not listed (see the module's docstring).
HIDDEN_COMMANDS = frozenset({"db", "routes", "shell"})


class AuthserverGroup(FlaskGroup):
    """Flask's group (app factory, ``.env`` files, ``--debug``) without ``--app`` (the app is
    always authserver) and ``--version`` (Flask's version, not authserver's)."""

    def __init__(self) -> None:
        super().__init__(
            create_app=create_app,
            name="authserver",
            help=HELP,
            context_settings={"max_content_width": 100},
        )
        self.params = [param for param in self.params if param.name not in {"app", "version"}]

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [name for name in super().list_commands(ctx) if name not in HIDDEN_COMMANDS]


cli = AuthserverGroup()
