"""Societal Activity Rights (DAS): the node-local domain."""
