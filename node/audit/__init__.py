"""Audit bundles of what the node holds (export route) and the reports people read."""
