"""The command line: one Click group (``authserver ...`` or ``flask --app authserver ...``)."""
