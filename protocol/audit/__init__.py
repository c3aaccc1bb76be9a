"""Offline audit of bundles: the bundle format, the checks and the registry of area checkers.

Pure like the rest of `protocol`: callers pass the bundle's bytes and get a `Report` back.
"""
