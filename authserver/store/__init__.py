"""The storage layer: every hot-path read and write, as SQLAlchemy Core statements.

- ``reads``: the request's autocommit connection and the rows it has read (``reader()``);
- ``malls``, ``clients``, ``gateways``, ``tokens``, ``codes``: one module per kind of row, each
  with its lookups (by the value a request presents) and its writes;
- ``prime``: the one-statement reads of introspection and of the code exchange.

Only SQLAlchemy's public API: statements built once at import and run with
``Connection.execute`` (SQLAlchemy's compiled cache does the rest); the rules they filter by
are the models' hybrid methods (``models.Token.access_active``, ...), written once.
"""

from authserver.store.reads import init_app, read_engine, reader

__all__ = ["init_app", "read_engine", "reader"]
