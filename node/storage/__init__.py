"""The node's SQLite storage: the only package that runs SQL."""
