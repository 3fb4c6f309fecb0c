"""The command line: one Click group (``.venv/bin/authserver ...``; ``authserver.cli.group``)."""
