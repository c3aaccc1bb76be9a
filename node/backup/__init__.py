"""Backups of a node's data folder: the database (SQLite's online backup), the key files and the
config, packed and encrypted with a passphrase (`archive`), and the node's scheduled backups
(`schedule`)."""
